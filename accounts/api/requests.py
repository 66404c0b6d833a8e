"""What every app's API views need of accounts: the signed-in user of a request."""

from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from accounts.models import User


def signed_in_user(request: Request) -> User:
    """The request's user, or 401 for anyone not signed in (a view's permission normally refuses them first)."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user
