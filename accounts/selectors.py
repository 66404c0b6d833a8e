"""Reads about accounts: looking users up, and a learner's practice history.

Practice history hook
---------------------
Accounts sits at the bottom of the layers, so it cannot know the apps that record practice
(chat, scenarios, watch). Each of those apps registers a *history provider* instead, usually
in its ``AppConfig.ready()``::

    from accounts.selectors import PracticeHistoryItem, register_history_provider

    def chat_history(user):
        return [
            PracticeHistoryItem(kind="chat", id=str(s.pk), title=s.title, started_at=s.created_at)
            for s in ChatSession.objects.filter(user=user)
        ]

    register_history_provider(chat_history)   # also usable as a decorator

A provider takes the user and returns an iterable of :class:`PracticeHistoryItem` belonging to
that user only. :func:`practice_history_for_user` merges every provider's items, newest
first; the API's ``GET /api/v1/users/me/history`` paginates that list. Registering the same
provider twice has no effect.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from accounts.models import User, normalise_email


@dataclass(frozen=True)
class PracticeHistoryItem:
    """One past practice session, in the shape every app reports it."""

    kind: str  # "chat", "scenario", "watch", ...
    id: str
    title: str
    started_at: datetime
    finished_at: datetime | None = None
    url: str = ""
    analysis_status: str = ""  # "pending", "done" or "failed" once analysed; empty otherwise


HistoryProvider = Callable[[User], Iterable[PracticeHistoryItem]]
_history_providers: list[HistoryProvider] = []


def register_history_provider(provider: HistoryProvider) -> HistoryProvider:
    """Add a source of practice history (see the module docstring). Returns the provider."""
    if provider not in _history_providers:
        _history_providers.append(provider)
    return provider


def unregister_history_provider(provider: HistoryProvider) -> None:
    """Remove a provider added with :func:`register_history_provider` (mainly for tests)."""
    if provider in _history_providers:
        _history_providers.remove(provider)


def practice_history_for_user(user: User) -> list[PracticeHistoryItem]:
    """Every registered provider's sessions for ``user``, newest first.

    Empty until an app registers a provider with :func:`register_history_provider` (see the
    module docstring for the contract).
    """
    items = [item for provider in list(_history_providers) for item in provider(user)]
    return sorted(items, key=lambda item: item.started_at, reverse=True)


def user_get_by_login(identifier: str) -> User | None:
    """The active or inactive user a login name refers to: a username or an e-mail address."""
    try:
        return User.objects.get_by_natural_key(identifier)
    except User.DoesNotExist:
        return None


def user_email_taken(email: str, *, exclude: User | None = None) -> bool:
    queryset = User.objects.filter(email=normalise_email(email))
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    return queryset.exists()


def user_username_taken(username: str) -> bool:
    return User.objects.filter(username__iexact=username.strip()).exists()
