"""Chat practice pages (HTMX): start, the live conversation, feedback, the journal."""

from asgiref.sync import async_to_sync
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from conversations import selectors, services
from conversations.feedback import AXES
from conversations.forms import ChatStartForm
from conversations.judging import NoLearnerLinesError, feedback_generate
from conversations.pages import conversation_page_context
from conversations.personas import feedback_extra_for
from core.ratelimits import page_budget_exempt
from llm import LLMError, demo_mode


@login_required
def chat_home(request: HttpRequest) -> HttpResponse:
    initial = {"partner": (request.user.preferences or {}).get("default_partner", "同僚")}  # type: ignore[union-attr]
    form = ChatStartForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        conversation = services.chat_start(user=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        return redirect("conversations:detail", conversation_id=conversation.id)
    return render(request, "conversations/chat_home.html", {"form": form, "demo": demo_mode(), **_journal(request)})


@login_required
def journal(request: HttpRequest) -> HttpResponse:
    template = "conversations/partials/journal.html" if request.htmx else "conversations/journal.html"  # type: ignore[attr-defined]
    return render(request, template, _journal(request))


def _journal(request: HttpRequest) -> dict[str, object]:
    query = request.GET.get("q", "")[:100]
    conversations = selectors.conversations_for_user(user=request.user, query=query)[:50]  # type: ignore[arg-type]
    return {"conversations": conversations, "q": query}


@login_required
def detail(request: HttpRequest, conversation_id: str) -> HttpResponse:
    conversation = selectors.conversation_get(user=request.user, conversation_id=conversation_id)  # type: ignore[arg-type]
    return render(request, "conversations/detail.html", conversation_page_context(conversation))


@page_budget_exempt
@login_required
@require_POST
def feedback(request: HttpRequest, conversation_id: str) -> HttpResponse:
    conversation = selectors.conversation_get(user=request.user, conversation_id=conversation_id)  # type: ignore[arg-type]
    was_live, error = conversation.ended_at is None, ""
    try:
        async_to_sync(feedback_generate)(conversation)
    except NoLearnerLinesError:
        error = _("Say at least one thing before asking for feedback.")
    except LLMError as failure:
        error = failure.user_message
    conversation.refresh_from_db()
    context = {
        "conversation": conversation,
        "feedback": selectors.feedback_for(conversation=conversation),
        "feedback_extra": feedback_extra_for(conversation, getattr(conversation, "feedback", None)),
        "axes": AXES,
        "feedback_error": error,
        "oob_composer": was_live,  # the page shows the composer only while the conversation is live
        "oob_live_actions": True,
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "conversations/partials/feedback.html", context, status=200)
    if error:
        messages.error(request, error)
    return redirect("conversations:detail", conversation_id=conversation.id)


@login_required
@require_POST
def delete(request: HttpRequest, conversation_id: str) -> HttpResponse:
    services.conversation_delete(user=request.user, conversation_id=conversation_id)  # type: ignore[arg-type]
    messages.success(request, _("The conversation was deleted."))
    return redirect("conversations:chat")


@login_required
@require_POST
def share_with_trainer(request: HttpRequest, conversation_id: str) -> HttpResponse:
    """Share the conversation with the learner's trainers (``shared=1``) or stop sharing it."""
    shared = request.POST.get("shared") == "1"
    conversation = services.conversation_share_with_trainer(
        user=request.user,  # type: ignore[arg-type]
        conversation_id=conversation_id,
        shared=shared,
    )
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "conversations/partials/share_with_trainer.html", {"conversation": conversation})
    if shared:
        messages.success(request, _("Your trainers can now read this conversation."))
    else:
        messages.success(request, _("This conversation is private again."))
    back = request.POST.get("next", "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("conversations:detail", conversation_id=conversation.id)
