"""Account pages: sign up, log in, log out, profile, delete my account.

Each form posts with HTMX when it is available: an invalid form comes back as the form alone
(errors next to the fields) and success answers with ``HX-Redirect``. Without JavaScript the
same views serve whole pages and ordinary redirects.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from accounts import services
from accounts.forms import DeleteAccountForm, LoginForm, ProfileForm, SignupForm
from accounts.models import User
from core.net import client_ip

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _page(request: HttpRequest, name: str, context: dict[str, Any]) -> HttpResponse:
    """``accounts/<name>.html``, or only its form partial for an HTMX request."""
    template = f"accounts/partials/{name}_form.html" if getattr(request, "htmx", False) else f"accounts/{name}.html"
    return render(request, template, context)


def _go(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if getattr(request, "htmx", False) else redirect(url)


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if allowed else resolve_url(settings.LOGIN_REDIRECT_URL)


def _signed_in_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # guaranteed by @login_required
    return user


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_register(
                username=data["username"],
                email=data["email"],
                password=data["password1"],
                display_name=data["display_name"],
                language=get_language(),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            login(request, user, backend=MODEL_BACKEND)
            messages.success(request, _("Welcome! Your account is ready."))
            return _go(request, reverse("home"))
    return _page(request, "signup", {"form": form})


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            user = services.user_login_attempt(
                identifier=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                client_ip=client_ip(request),
            )
        except (services.InvalidCredentialsError, services.LoginLockedError) as exc:
            form.add_error(None, str(exc.message))
        else:
            login(request, user, backend=MODEL_BACKEND)
            return _go(request, _next_url(request))
    return _page(request, "login", {"form": form, "next": _next_url(request)})


@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    """GET asks for confirmation; only POST logs out (a link cannot log anyone out)."""
    if request.method == "POST":
        logout(request)
        messages.info(request, _("You have logged out."))
        return _go(request, reverse("home"))
    return render(request, "accounts/logout.html")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = _signed_in_user(request)
    form = ProfileForm.for_user(user, request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.user_update(user=user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            with override(user.language):  # the language just chosen, not the page's
                messages.success(request, _("Your profile has been saved."))
            return _go(request, reverse("accounts:profile"))
    return _page(request, "profile", {"form": form, "profile_user": user})


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    user = _signed_in_user(request)
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.user_delete(user=user, password=form.cleaned_data["password"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            logout(request)
            messages.success(request, _("Your account and all its data have been deleted."))
            return _go(request, reverse("home"))
    return _page(request, "delete", {"form": form})
