"""The trainers' workshop: write, import, export, publish and try scenarios."""

from __future__ import annotations

import json
import secrets
from typing import Any

import structlog
from django import forms
from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.selectors import learners_trained_by
from scenarios import services
from scenarios.forms import ScenarioAdminForm, ScenarioImportConfirmForm, ScenarioImportForm
from scenarios.importer import KEPT_SETTING, Problem, ScenarioImportError, decode_upload, export_yaml
from scenarios.models import FeedbackPoint, LearningPoint, RubricCriterion, Scenario, ScenarioConsent

PENDING_IMPORT_SECONDS = 30 * 60
logger = structlog.get_logger(__name__)


def _is_trainer(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_trainer", False))


class TrainerOnlyMixin:
    """Only trainers (staff in the "trainer" group) and superusers may see or change scenarios."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_trainer(request) and super().has_module_permission(request)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_trainer(request) and super().has_view_permission(request, obj)  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return _is_trainer(request) and super().has_add_permission(request, *args)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_trainer(request) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_trainer(request) and super().has_delete_permission(request, obj)  # type: ignore[misc]


class _PointInlineForm(ModelForm):
    class Media:
        css = {"all": ("scenarios/admin.css",)}

    class Meta:
        fields = ("order", "text", "text_en")
        widgets = {
            "order": forms.NumberInput(attrs={"class": "point-order"}),
            "text": forms.TextInput(attrs={"size": 60}),
            "text_en": forms.TextInput(attrs={"size": 60}),
        }


class LearningPointInline(TrainerOnlyMixin, admin.TabularInline):
    model = LearningPoint
    form = _PointInlineForm
    fields = ("order", "text", "text_en")
    extra = 1
    verbose_name_plural = _("Learning points (what the learner practises)")


class FeedbackPointInline(TrainerOnlyMixin, admin.TabularInline):
    model = FeedbackPoint
    form = _PointInlineForm
    fields = ("order", "text", "text_en")
    extra = 1
    verbose_name_plural = _("Feedback points (what the feedback looks at)")


_ANCHOR_TEXTS = ("good", "good_en", "fair", "fair_en", "poor", "poor_en")
_EXAMPLE_LINES = (
    "good_example",
    "good_example_en",
    "fair_example",
    "fair_example_en",
    "poor_example",
    "poor_example_en",
)


class _CriterionInlineForm(ModelForm):
    class Meta:
        fields = ("order", "weight", "name", "name_en", *_ANCHOR_TEXTS, *_EXAMPLE_LINES)
        widgets = {
            "order": forms.NumberInput(attrs={"class": "point-order"}),
            "weight": forms.NumberInput(attrs={"class": "criterion-weight", "min": 1}),
            **{name: forms.Textarea(attrs={"rows": 2, "cols": 40}) for name in _ANCHOR_TEXTS},
            **{name: forms.TextInput(attrs={"size": 50}) for name in _EXAMPLE_LINES},
        }

    def clean(self) -> dict[str, Any]:
        """An example line needs its anchor beside it, as in a scenario file."""
        cleaned = super().clean() or {}
        for suffix in ("", "_en"):
            example = f"fair_example{suffix}"
            if cleaned.get(example) and not (cleaned.get("fair") or cleaned.get("fair_en")):
                self.add_error(example, _("Write what partly there looks like (about 50) for this example line."))
        return cleaned


class RubricCriterionInline(TrainerOnlyMixin, admin.StackedInline):
    model = RubricCriterion
    form = _CriterionInlineForm
    fields = (
        ("order", "weight"),
        ("name", "name_en"),
        ("good", "good_en"),
        ("good_example", "good_example_en"),
        ("fair", "fair_en"),
        ("fair_example", "fair_example_en"),
        ("poor", "poor_en"),
        ("poor_example", "poor_example_en"),
    )
    extra = 0
    verbose_name_plural = _(
        "Rubric (weighted criteria: what good (about 80), partly there (about 50) and poor (about 20) look like, "
        "each with an example line)"
    )


class TagFilter(admin.SimpleListFilter):
    title = _("tag")
    parameter_name = "tag"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        tags: set[str] = set()
        for scenario_tags in Scenario.objects.values_list("tags", flat=True):
            tags.update(str(tag) for tag in scenario_tags or [])
        return [(tag, tag) for tag in sorted(tags)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(tags_text__contains=f"|{value}|") if value else queryset


@admin.register(Scenario)
class ScenarioAdmin(TrainerOnlyMixin, admin.ModelAdmin):
    form = ScenarioAdminForm
    inlines = (LearningPointInline, FeedbackPointInline, RubricCriterionInline)
    list_display = (
        "title",
        "difficulty",
        "category",
        "published",
        "sensitive",
        "updated_at",
        "last_editor",
        "try_link",
    )
    list_filter = ("difficulty", "category", TagFilter, "published", "sensitive")
    search_fields = ("title", "title_en", "description", "description_en", "tags_text", "slug")
    list_per_page = 50
    readonly_fields = ("author", "last_editor", "created_at", "updated_at", "try_link", "kept_from_file")
    prepopulated_fields = {"slug": ("title_en",)}
    actions = ("publish_selected", "unpublish_selected", "duplicate_selected", "export_selected")
    change_list_template = "admin/scenarios/scenario/change_list.html"
    fieldsets = (
        (None, {"fields": ("title", "title_en", "slug", "description", "description_en")}),
        (_("Catalog"), {"fields": ("category", "difficulty", "tags", "tags_en")}),
        (
            _("Roles and situation"),
            {"fields": ("role_type", "ai_role", "learner_role", "learner_briefing", "learner_speaks_first")},
        ),
        (
            _("What the partner is told"),
            {
                "description": _("Written about the partner and the learner in the third person: never “you”."),
                "fields": (
                    "personality",
                    "speaking_style",
                    "emotional_state",
                    "situation",
                    "partner_knowledge",
                    "partner_reactions",
                    "opening_line",
                    "partner_instructions",
                ),
            },
        ),
        (
            _("Roles and situation in English"),
            {
                "description": _("What English-speaking learners see and the partner uses; empty fields fall back."),
                "fields": (
                    "ai_role_en",
                    "learner_role_en",
                    "personality_en",
                    "speaking_style_en",
                    "situation_en",
                    "opening_line_en",
                    "learner_briefing_en",
                    "partner_knowledge_en",
                    "partner_reactions_en",
                    "partner_instructions_en",
                ),
            },
        ),
        (_("Rubric"), {"fields": ("pass_threshold", "graded_messages", "time_limit_minutes")}),
        (_("Publishing"), {"fields": ("published", "sensitive", "try_link")}),
        (
            _("Advanced settings"),
            {
                "classes": ("collapse",),
                "fields": ("persona_hint", "persona_hint_en", "settings", "kept_from_file"),
            },
        ),
        (_("History"), {"fields": ("author", "last_editor", "created_at", "updated_at")}),
    )

    @admin.display(description=_("Try it"))
    def try_link(self, obj: Scenario) -> str:
        if obj.pk is None:
            return "—"
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', obj.get_absolute_url(), _("Try it"))

    @admin.display(description=_("Kept from the imported file (not used)"))
    def kept_from_file(self, obj: Scenario) -> str:
        kept = (obj.settings or {}).get(KEPT_SETTING) or {}
        if not isinstance(kept, dict) or not kept:
            return "—"
        rows = ((key, json.dumps(value, ensure_ascii=False)) for key, value in sorted(kept.items()))
        return format_html('<dl class="kept-from-file">{}</dl>', format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows))

    def save_model(self, request: HttpRequest, obj: Scenario, form: ModelForm, change: bool) -> None:
        services.scenario_saved_by(scenario=obj, user=request.user, created=not change)
        super().save_model(request, obj, form, change)

    # --- Actions ---------------------------------------------------------------------------

    @admin.action(description=_("Publish selected scenarios"), permissions=["change"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Scenario]) -> None:
        for scenario in queryset:
            services.scenario_publish(scenario=scenario, user=request.user)
        count = queryset.count()
        self.message_user(request, ngettext("%d scenario published.", "%d scenarios published.", count) % count)

    @admin.action(description=_("Unpublish selected scenarios (back to draft)"), permissions=["change"])
    def unpublish_selected(self, request: HttpRequest, queryset: QuerySet[Scenario]) -> None:
        for scenario in queryset:
            services.scenario_unpublish(scenario=scenario, user=request.user)
        count = queryset.count()
        self.message_user(request, ngettext("%d scenario unpublished.", "%d scenarios unpublished.", count) % count)

    @admin.action(description=_("Duplicate selected scenarios as drafts"), permissions=["add"])
    def duplicate_selected(self, request: HttpRequest, queryset: QuerySet[Scenario]) -> None:
        copies = [services.scenario_duplicate(scenario=scenario, user=request.user) for scenario in queryset]
        count = len(copies)
        self.message_user(request, ngettext("%d copy created.", "%d copies created.", count) % count)

    @admin.action(description=_("Export selected scenarios as YAML"), permissions=["view"])
    def export_selected(self, request: HttpRequest, queryset: QuerySet[Scenario]) -> HttpResponse:
        scenarios = queryset.prefetch_related("learning_points", "feedback_points", "criteria").order_by("slug")
        response = HttpResponse(export_yaml(scenarios), content_type="application/x-yaml; charset=utf-8")
        filename = f"scenarios-{timezone.localdate():%Y%m%d}.yaml"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    # --- YAML import -----------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:  # type: ignore[override]
        extra = [
            path("import/", self.admin_site.admin_view(self.import_view), name="scenarios_scenario_import"),
            path(
                "import/confirm/",
                self.admin_site.admin_view(self.import_confirm_view),
                name="scenarios_scenario_import_confirm",
            ),
        ]
        return extra + super().get_urls()  # type: ignore[operator]

    def _can_import(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def _render_import(self, request: HttpRequest, template: str, **context: Any) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import scenarios from YAML"),
            **context,
        }
        return TemplateResponse(request, f"admin/scenarios/scenario/{template}", context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a file and see what it would create and update."""
        if not self._can_import(request):
            raise PermissionDenied
        form = ScenarioImportForm(request.POST or None, request.FILES or None)
        if request.method != "POST" or not form.is_valid():
            return self._render_import(request, "import_form.html", form=form)
        upload = form.cleaned_data["file"]
        try:
            source = decode_upload(upload.name, upload.read())
            result = services.scenario_import(sources=[source], dry_run=True, publish=form.cleaned_data["publish"])
        except ScenarioImportError as exc:
            return self._render_import(request, "import_form.html", form=form, problems=exc.problems)
        token = secrets.token_urlsafe(24)
        pending = {"user": str(request.user.pk), "name": source.name, "text": source.text}
        cache.set(_pending_key(token), {**pending, "publish": form.cleaned_data["publish"]}, PENDING_IMPORT_SECONDS)
        confirm = ScenarioImportConfirmForm(initial={"token": token})
        return self._render_import(
            request,
            "import_preview.html",
            result=result,
            confirm=confirm,
            source_name=source.name,
            publish=form.cleaned_data["publish"],
        )

    def import_confirm_view(self, request: HttpRequest) -> HttpResponse:
        """Write the previewed import, all or nothing."""
        if not self._can_import(request) or request.method != "POST":
            raise PermissionDenied
        changelist = reverse("admin:scenarios_scenario_changelist")
        form = ScenarioImportConfirmForm(request.POST)
        pending = cache.get(_pending_key(form.data.get("token", ""))) if form.is_valid() else None
        if not pending or pending.get("user") != str(request.user.pk):
            self.message_user(request, _("That preview has expired. Upload the file again."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:scenarios_scenario_import"))
        token = form.cleaned_data["token"]
        cache.delete(_pending_key(token))
        try:
            result = services.scenario_import(
                sources=[decode_upload(pending["name"], pending["text"].encode())],
                user=request.user,
                publish=bool(pending["publish"]),
            )
        except (ScenarioImportError, DatabaseError) as exc:
            return self._import_failed(request, token, pending, exc)
        created, updated = len(result.created), len(result.updated)
        text = _("Imported %(name)s: %(created)d created, %(updated)d updated.") % {
            "name": pending["name"],
            "created": created,
            "updated": updated,
        }
        self.message_user(request, text, messages.SUCCESS)
        return HttpResponseRedirect(changelist)

    def _import_failed(
        self, request: HttpRequest, token: str, pending: dict[str, Any], error: Exception
    ) -> TemplateResponse:
        """Nothing was written, and the preview stays valid: the import can be confirmed again."""
        cache.set(_pending_key(token), pending, PENDING_IMPORT_SECONDS)
        if isinstance(error, ScenarioImportError):
            problems = error.problems
        else:
            logger.warning("scenarios.import_failed", source=pending["name"], error=type(error).__name__)
            reason = gettext("The scenarios could not be saved. Nothing was changed; confirm the import again.")
            problems = [Problem(pending["name"], "(database)", reason)]
        retry = ScenarioImportConfirmForm(initial={"token": token})
        return self._render_import(
            request, "import_form.html", form=ScenarioImportForm(), problems=problems, retry=retry
        )


def _pending_key(token: str) -> str:
    return f"scenarios:admin-import:{token}"


@admin.register(ScenarioConsent)
class ScenarioConsentAdmin(TrainerOnlyMixin, admin.ModelAdmin):
    list_display = ("scenario", "user", "consented_at")
    list_filter = ("scenario__category",)
    search_fields = ("scenario__title", "user__username", "user__email")
    readonly_fields = ("user", "scenario", "consented_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ScenarioConsent]:
        """A trainer sees the consent records of the learners they train only."""
        queryset = super().get_queryset(request).select_related("user", "scenario")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(user__in=learners_trained_by(request.user))  # type: ignore[arg-type]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
