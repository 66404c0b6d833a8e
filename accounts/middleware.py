"""Apply the signed-in user's language preference to every page.

Anonymous visitors get Django's choice (language cookie, then ``Accept-Language``, then
Japanese). A signed-in user's ``preferences["language"]`` wins; choosing a language with the
switcher in the header (``set_language``) also stores it in their preferences.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation

from accounts.models import LANGUAGES, User
from accounts.services import user_update


def _switcher_choice(request: HttpRequest) -> str | None:
    if request.method != "POST" or request.path != reverse("set_language"):
        return None
    language = request.POST.get("language", "")
    return language if language in LANGUAGES else None


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if isinstance(user, User) and user.is_authenticated:
            if (choice := _switcher_choice(request)) and choice != user.language:
                user_update(user=user, language=choice)
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language  # type: ignore[attr-defined]
        return self.get_response(request)
