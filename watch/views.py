"""Watch mode pages (HTMX): start and list, the live view, share link, feedback, commentary, downloads."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from conversations.judging import NoLearnerLinesError
from core import ratelimits
from core.ratelimits import page_budget_exempt, rate_limit
from llm import LLMError, demo_mode
from scenarios.models import Scenario
from watch import broadcast, selectors, services, themes
from watch.feedback import feedback_ask
from watch.forms import WatchStartForm
from watch.models import WatchSession
from watch.rendering import live_context
from watch.transcripts import FORMATS, transcript_read

SHARE_SESSION_KEY = "watch_share_tokens"


@login_required
@rate_limit(ratelimits.WATCH_START)
def home(request: HttpRequest) -> HttpResponse:
    initial = {"theme": request.GET["theme"]} if request.method == "GET" and request.GET.get("theme") else None
    form = WatchStartForm(request.POST or None, initial=initial)
    limited: services.StartLimitError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            session = services.watch_start(user=request.user, **form.start_arguments())  # type: ignore[arg-type]
        except services.StartLimitError as error:
            limited = error
        except services.WatchInputError as invalid:
            form.add_error(invalid.field if invalid.field in form.fields else None, invalid.message)
        except services.ConsentRequiredError as needed:
            return _to_consent(needed.scenario)
        else:
            return redirect("watch:detail", session_id=session.id)
    context = {
        "form": form,
        "start_error": limited.message if limited else "",
        "demo": demo_mode(),
        "sessions": _my_sessions(request),
    }
    response = render(request, "watch/home.html", context, status=429 if limited else 200)
    if limited is not None:
        response["Retry-After"] = str(limited.retry_after)
    return response


def _to_consent(scenario: Scenario, back: str = "") -> HttpResponse:
    """The scenario's consent page; confirming there comes back to ``back`` (default: this start form
    with the theme chosen)."""
    back = back or f"{reverse('watch:home')}?{urlencode({'theme': f'{themes.SCENARIO_PREFIX}{scenario.pk}'})}"
    return redirect(f"{reverse('scenarios:consent', args=[scenario.pk])}?{urlencode({'next': back})}")


def _my_sessions(request: HttpRequest) -> list[WatchSession]:
    return list(selectors.watch_sessions_for_user(user=request.user)[:30])  # type: ignore[arg-type]


def _share_token(request: HttpRequest, session_id: str) -> str:
    """The share token from the link, remembered for this browser session (downloads, reloads)."""
    tokens: dict[str, str] = request.session.get(SHARE_SESSION_KEY, {})
    token = request.GET.get("share", "")[:64]
    if token:
        request.session[SHARE_SESSION_KEY] = {**tokens, session_id: token}
        return token
    return tokens.get(session_id, "")


def _access(request: HttpRequest, session_id: str) -> selectors.Access:
    return selectors.watch_get(user=request.user, session_id=session_id, share_token=_share_token(request, session_id))


@login_required
def detail(request: HttpRequest, session_id: str) -> HttpResponse:
    access = _access(request, session_id)
    session = access.session
    if (scenario := selectors.consent_missing(user=request.user, session=session)) is not None:
        return _to_consent(scenario, request.get_full_path())
    services.watch_recover(session=session)
    payload = selectors.session_payload(session)
    context = {
        **live_context(payload, owner=access.owner, language=get_language() or "ja"),
        "watch": session,
        "messages_list": selectors.message_payloads(session=session),
        "viewers": broadcast.viewer_count(str(session.id)),
        "share_token": "" if access.owner else _share_token(request, session_id),
        "share_url": _share_url(request, session),
        "feedback": session.feedback if access.owner else None,
        "demo": demo_mode(),
    }
    return render(request, "watch/detail.html", context)


def _share_url(request: HttpRequest, session: WatchSession) -> str:
    if not session.share_enabled:
        return ""
    return request.build_absolute_uri(f"/watch/{session.id}/?share={session.share_token}")


@login_required
@require_POST
def share(request: HttpRequest, session_id: str) -> HttpResponse:
    session = selectors.watch_get_owned(user=request.user, session_id=session_id)
    session = services.watch_share(session=session, enabled=request.POST.get("enabled") == "on")
    context = {"watch": session, "share_url": _share_url(request, session)}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "watch/partials/share_panel.html", context)
    return redirect("watch:detail", session_id=session.id)


@page_budget_exempt
@login_required
@require_POST
def feedback(request: HttpRequest, session_id: str) -> HttpResponse:
    session = selectors.watch_get_owned(user=request.user, session_id=session_id)
    error = ""
    try:
        session = async_to_sync(feedback_ask)(session)
    except services.WatchStateError:
        error = _("Step in and say something before asking for feedback.")
    except NoLearnerLinesError:
        error = _("Say at least one thing after stepping in before asking for feedback.")
    except LLMError as failure:
        error = failure.user_message
    if request.htmx:  # type: ignore[attr-defined]
        # The feedback, and the panel below the conversation without its feedback button once it is there.
        context = {
            **live_context(selectors.session_payload(session), owner=True, language=get_language() or "ja"),
            "feedback": session.feedback,
            "feedback_error": error,
        }
        return render(request, "watch/partials/feedback_response.html", context)
    return redirect("watch:detail", session_id=session.id)


@login_required
@require_POST
def commentary(request: HttpRequest, session_id: str) -> HttpResponse:
    session = selectors.watch_get_owned(user=request.user, session_id=session_id)
    services.commentary_retry(session=session)
    if request.htmx:  # type: ignore[attr-defined]
        return HttpResponse(status=204)
    return redirect("watch:detail", session_id=session.id)


@login_required
def download(request: HttpRequest, session_id: str, fmt: str) -> HttpResponse:
    session = _access(request, session_id).session
    if fmt not in FORMATS or not session.is_ended:
        raise Http404("No transcript yet.")
    response = HttpResponse(transcript_read(session, fmt), content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="watch-{session.id}.{fmt}"'
    return response
