"""Learner pages: the catalog, one scenario, the consent gate, starting a scenario."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from conversations.judging import hint_generate
from conversations.models import Mode
from conversations.pages import conversation_page_context
from conversations.selectors import conversation_get
from core.ratelimits import SCENARIO_START, rate_limit
from llm import LLMError
from scenarios import play, selectors, services
from scenarios.forms import CatalogFilterForm, ConsentForm
from scenarios.models import Scenario


@require_GET
@login_required
def catalog(request: HttpRequest) -> HttpResponse:
    """Published scenarios, filtered by difficulty, category, tag and a text search."""
    tags = selectors.scenario_tags()
    form = CatalogFilterForm(request.GET or None, tags=tags)
    if form.is_bound:
        form.is_valid()
    entries = selectors.scenario_catalog(user=request.user, filters=form.filters())
    context = {"form": form, "entries": entries, "tags": tags, "filtered": form.is_bound}
    template = "scenarios/_catalog_results.html" if request.htmx else "scenarios/catalog.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@require_GET
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """What the scenario is about, and the Start button (trainers also see drafts here)."""
    scenario = selectors.scenario_get_for_learner(user=request.user, scenario_id=pk)
    counts = selectors.scenario_practised_counts(user=request.user, scenario_ids=[scenario.pk])
    context = {
        "scenario": scenario,
        "practised_count": counts.get(scenario.pk, 0),
        "consented": selectors.scenario_has_consent(user=request.user, scenario=scenario),
        "attempts": selectors.scenario_attempts(user=request.user, scenario=scenario),
        "criteria": list(scenario.criteria.all()),
    }
    return render(request, "scenarios/detail.html", context)


@require_POST
@login_required
@rate_limit(SCENARIO_START)
def start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start button: the consent gate for sensitive scenarios, then the play hand-off."""
    scenario = selectors.scenario_get_for_learner(user=request.user, scenario_id=pk)
    if scenario.sensitive and not selectors.scenario_has_consent(user=request.user, scenario=scenario):
        return redirect("scenarios:consent", pk=scenario.pk)
    return begin_play(request, scenario)


def begin_play(request: HttpRequest, scenario: Scenario) -> HttpResponse:
    """Start a new play of ``scenario`` and open its live conversation page."""
    conversation = play.scenario_play_start(user=request.user, scenario=scenario)
    return redirect("scenarios:play", conversation_id=conversation.id)


@require_GET
@login_required
def play_page(request: HttpRequest, conversation_id: str) -> HttpResponse:
    """The live role-play: the shared conversation page plus the scenario, a hint and "Try again"."""
    conversation = conversation_get(user=request.user, conversation_id=conversation_id, mode=Mode.SCENARIO)  # type: ignore[arg-type]
    context = conversation_page_context(conversation)
    scenario = play.scenario_for(conversation)
    context["scenario"] = scenario
    context["criteria"] = list(scenario.criteria.all())
    context["deadline"] = str((conversation.metadata or {}).get("ends_at") or "")  # read by scenarios/play.js
    return render(request, "scenarios/play.html", context)


@require_POST
@login_required
def hint(request: HttpRequest, conversation_id: str) -> HttpResponse:
    """A suggestion from the judge for the learner's next line (without spoiling the role-play)."""
    conversation = conversation_get(user=request.user, conversation_id=conversation_id, mode=Mode.SCENARIO)  # type: ignore[arg-type]
    try:
        suggestion = async_to_sync(hint_generate)(conversation)
    except LLMError as failure:
        return render(request, "scenarios/_hint.html", {"error": failure.user_message})
    return render(request, "scenarios/_hint.html", {"hint": suggestion})


@require_http_methods(["GET", "POST"])
@login_required
@rate_limit(SCENARIO_START)
def consent(request: HttpRequest, pk: int) -> HttpResponse:
    """Explains a sensitive scenario and records the learner's consent before play."""
    scenario = selectors.scenario_get_for_learner(user=request.user, scenario_id=pk)
    if not scenario.sensitive:
        return redirect(scenario)
    form = ConsentForm(request.POST if request.method == "POST" else None)
    after = _next_url(request)
    if form.is_valid():
        services.scenario_consent_record(user=request.user, scenario=scenario)
        return redirect(after) if after else begin_play(request, scenario)
    return render(request, "scenarios/consent.html", {"scenario": scenario, "form": form, "next": after})


def _next_url(request: HttpRequest) -> str:
    """Where another mode (e.g. watch) asked to come back after consent: a path on this site only."""
    target = str(request.POST.get("next") or request.GET.get("next") or "")
    allowed = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    return target if allowed and target.startswith("/") else ""
