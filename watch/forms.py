"""The start form's choices, shared by the page and the API: themes, personas, paces, models."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from scenarios.selectors import published_scenarios
from watch import conf, themes
from watch.models import Pace


def _english() -> bool:
    return (get_language() or "ja").startswith("en")


def theme_choices() -> list[tuple[str, Any]]:
    """The preset themes, then every published scenario (grouped for the select)."""
    english = _english()
    presets = [(theme.key, theme.label("en" if english else "ja")) for theme in themes.THEMES]
    scenarios = [(f"{themes.SCENARIO_PREFIX}{s.pk}", s.display_title) for s in published_scenarios()]
    choices: list[tuple[str, Any]] = [(str(_("Themes")), presets)]
    if scenarios:
        choices.append((str(_("Scenarios")), scenarios))
    return choices


def theme_values() -> list[str]:
    return [value for _, group in theme_choices() for value, _ in group]


def persona_choices() -> list[tuple[str, str]]:
    english = _english()
    return [(p.key, p.role_en if english else p.role) for p in themes.PERSONAS]


def model_choices() -> list[tuple[str, str]]:
    """The models personas may use; offered only when two or more are configured."""
    models = list(conf.get("WATCH_PERSONA_MODELS"))
    return [(model, model) for model in models] if len(models) > 1 else []


class WatchStartForm(forms.Form):
    theme = forms.ChoiceField(label=_("Theme"))
    persona_a = forms.ChoiceField(label=_("First persona"))
    persona_b = forms.ChoiceField(label=_("Second persona"))
    model_a = forms.ChoiceField(label=_("Model of the first persona"), required=False)
    model_b = forms.ChoiceField(label=_("Model of the second persona"), required=False)
    pace = forms.ChoiceField(label=_("Pace"), choices=Pace.choices, initial=Pace.NORMAL)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("theme", theme_choices())
        for name in ("persona_a", "persona_b"):
            self._choices(name, persona_choices())
        models = model_choices()
        for name in ("model_a", "model_b"):
            if models:
                self._choices(name, models)
            else:
                del self.fields[name]
        theme = themes.theme_for(str(self.initial.get("theme", themes.THEMES[0].key))) or themes.THEMES[0]
        self.initial.setdefault("persona_a", theme.personas[0])
        self.initial.setdefault("persona_b", theme.personas[1])
        if models:
            self.initial.setdefault("model_a", models[0][0])
            self.initial.setdefault("model_b", models[1][0])

    def _choices(self, name: str, choices: list[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("persona_a") and data.get("persona_a") == data.get("persona_b"):
            self.add_error("persona_b", _("Choose two different personas."))
        return data

    def start_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        models = [data.get("model_a") or "", data.get("model_b") or ""] if "model_a" in self.fields else None
        return {
            "theme": data["theme"],
            "personas": [data["persona_a"], data["persona_b"]],
            "pace": data["pace"],
            "models": models,
        }
