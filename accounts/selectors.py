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

Trained learners hook
---------------------
The same way, the app that knows who trains whom (teams, in analytics) registers a *trainee
provider*: it takes a trainer and returns a queryset of the users they train.
:func:`learners_trained_by` unites them; records of individual learners shown to trainers (for
example consent records in the admin) are limited to those users.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from accounts.models import TRAINER_GROUP, User, normalise_email


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


# --- Trainers and the learners they train ---------------------------------------------------

TraineeProvider = Callable[[User], QuerySet[User]]
_trainee_providers: list[TraineeProvider] = []


def register_trainee_provider(provider: TraineeProvider) -> TraineeProvider:
    """Add a source of "learners this trainer trains" (see the module docstring)."""
    if provider not in _trainee_providers:
        _trainee_providers.append(provider)
    return provider


def learners_trained_by(user: User) -> QuerySet[User]:
    """Users whose individual records ``user`` may see: everyone for a superuser, the learners
    they train (as the registered providers say) for a trainer, nobody otherwise."""
    if user.is_superuser:
        return User.objects.all()
    if not user.is_trainer:
        return User.objects.none()
    trained = Q(pk__in=[])
    for provider in list(_trainee_providers):
        trained |= Q(pk__in=provider(user).values("pk"))
    return User.objects.filter(trained)


def trainer_candidates() -> QuerySet[User]:
    """Users who may be made trainers of a team: superusers and staff in the trainer group."""
    return (
        User.objects.filter(Q(is_superuser=True) | Q(is_staff=True, groups__name=TRAINER_GROUP))
        .distinct()
        .order_by("username")
    )
