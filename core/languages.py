"""The language a person is spoken to in, where no request's middleware chose it: sockets, e-mails.

Pages get the signed-in user's profile language from ``accounts.middleware``; a socket's frames
are drawn in the same language by ``SocketLanguageMixin``, which runs every handler of the
connection (and the tasks it starts) under the user's profile language.
"""

from typing import Any

from django.conf import settings
from django.utils import translation


def language_of(user: Any) -> str:
    """The user's profile language, or the site's default for anyone without one."""
    language = getattr(user, "language", None)
    codes = {code for code, _ in settings.LANGUAGES}
    return language if isinstance(language, str) and language in codes else settings.LANGUAGE_CODE


class SocketLanguageMixin:
    """For Channels consumers: connect, every frame and disconnect are handled in the user's language."""

    scope: dict[str, Any]

    async def dispatch(self, message: dict[str, Any]) -> None:
        with translation.override(language_of(self.scope.get("user"))):
            await super().dispatch(message)  # type: ignore[misc]
