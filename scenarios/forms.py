"""Forms: catalog filters and consent for learners; tags, import upload for trainers."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from scenarios.importer import MAX_FILE_BYTES, SCENARIO_FIELDS
from scenarios.models import DEFAULT_PASS_THRESHOLD, GRADED_MESSAGE_KEYS, Category, Difficulty, Scenario
from scenarios.selectors import CatalogFilters

_TAG_SEPARATORS = re.compile(r"[,、，\n]+")
MAX_SEARCH_CHARS = 100


class CatalogFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=MAX_SEARCH_CHARS)
    difficulty = forms.ChoiceField(label=_("Difficulty"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    tag = forms.ChoiceField(label=_("Tag"), required=False)

    def __init__(self, *args: Any, tags: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_choices("difficulty", [("", _("Any difficulty")), *Difficulty.choices])
        self._set_choices("category", [("", _("Any category")), *Category.choices])
        self._set_choices("tag", [("", _("Any tag")), *((tag, tag) for tag in tags or [])])
        self.fields["q"].widget.attrs.update({"type": "search", "placeholder": _("e.g. report, meeting")})

    def _set_choices(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def filters(self) -> CatalogFilters:
        """The valid filters (an invalid field is simply left out)."""
        data = getattr(self, "cleaned_data", {}) if self.is_bound else {}
        return CatalogFilters.from_data({**data, "search": data.get("q", "")})


class ConsentForm(forms.Form):
    agree = forms.BooleanField(
        label=_("I understand that this scenario deals with harassment and I want to practise it."),
        required=True,
        error_messages={"required": _("Please tick the box to confirm before you start.")},
    )


class TagsField(forms.CharField):
    """A list of tags edited as text separated by commas (、 and new lines work too)."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(str(tag) for tag in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list):
            return [str(tag).strip() for tag in value if str(tag).strip()]
        text = super().to_python(value)
        tags: list[str] = []
        for tag in _TAG_SEPARATORS.split(text or ""):
            if tag.strip() and tag.strip() not in tags:
                tags.append(tag.strip())
        return tags

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if any(len(tag) > 50 for tag in value):
            raise forms.ValidationError(_("Each tag must be at most 50 characters."), code="max_length")


class ScenarioAdminForm(forms.ModelForm):
    tags = TagsField(
        label=_("tags"),
        required=False,
        widget=forms.TextInput(attrs={"class": "vTextField"}),
        help_text=_("Separate tags with commas, e.g. 報告, 上司, 新人."),
    )
    tags_en = TagsField(
        label=_("tags (English)"),
        required=False,
        widget=forms.TextInput(attrs={"class": "vTextField"}),
        help_text=_("Shown instead of the tags on English pages, e.g. report, manager, new hire."),
    )

    class Meta:
        model = Scenario
        fields = ("slug", *SCENARIO_FIELDS, "published")  # what a scenario file holds, and its address and state
        widgets = {
            name: forms.Textarea(attrs={"rows": rows, "class": "vLargeTextField"})
            for name, rows in (
                ("description", 3),
                ("description_en", 3),
                ("personality", 3),
                ("personality_en", 3),
                ("speaking_style", 3),
                ("speaking_style_en", 3),
                ("situation", 4),
                ("situation_en", 4),
                ("opening_line", 2),
                ("opening_line_en", 2),
                ("learner_briefing", 4),
                ("learner_briefing_en", 4),
                ("partner_knowledge", 3),
                ("partner_knowledge_en", 3),
                ("partner_reactions", 3),
                ("partner_reactions_en", 3),
                ("partner_instructions", 4),
                ("partner_instructions_en", 4),
            )
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "pass_threshold" in self.fields:
            self.fields["pass_threshold"].required = False

    def clean_pass_threshold(self) -> int:
        value = self.cleaned_data.get("pass_threshold")
        return DEFAULT_PASS_THRESHOLD if value is None else int(value)

    def clean_graded_messages(self) -> dict[str, str]:
        value = self.cleaned_data.get("graded_messages") or {}
        if not isinstance(value, dict):
            raise forms.ValidationError(_('Write a mapping such as {"excellent": "…", "good": "…"}.'))
        unknown = [str(key) for key in value if key not in GRADED_MESSAGE_KEYS]
        if unknown:
            raise forms.ValidationError(
                _("Unknown message %(key)s: use %(choices)s.")
                % {"key": unknown[0], "choices": ", ".join(GRADED_MESSAGE_KEYS)}
            )
        return {str(key): str(text) for key, text in value.items()}


class ScenarioImportForm(forms.Form):
    file = forms.FileField(
        label=_("YAML file"),
        help_text=_("At most 1 MiB. The product's own shape or the one-per-file and list shapes."),
    )
    publish = forms.BooleanField(
        label=_("Publish the imported scenarios"),
        required=False,
        help_text=_("Otherwise new scenarios stay drafts and updated ones keep their state."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MiB."))
        if not upload.name.lower().endswith((".yaml", ".yml")):
            raise forms.ValidationError(_("Upload a .yaml or .yml file."))
        return upload


class ScenarioImportConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
