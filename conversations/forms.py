from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from conversations.partners import CUSTOM, MAX_CUSTOM_LENGTH, PARTNERS, SITUATIONS, Preset


def _choices(presets: tuple[Preset, ...]) -> list[tuple[str, str]]:
    """The presets labelled in the active language, then "Custom…"."""
    language = "en" if (get_language() or "ja").startswith("en") else "ja"
    return [(preset.key, preset.label(language)) for preset in presets] + [(CUSTOM, str(_("Custom…")))]


class ChatStartForm(forms.Form):
    partner = forms.ChoiceField(label=_("Partner"), choices=_choices(PARTNERS))
    custom_partner = forms.CharField(label=_("Custom partner"), max_length=MAX_CUSTOM_LENGTH, required=False)
    situation = forms.ChoiceField(label=_("Situation"), choices=_choices(SITUATIONS))
    custom_situation = forms.CharField(label=_("Custom situation"), max_length=MAX_CUSTOM_LENGTH, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, presets in (("partner", PARTNERS), ("situation", SITUATIONS)):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = _choices(presets)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for field in ("partner", "situation"):
            custom = f"custom_{field}"
            if data.get(field) == CUSTOM and not (data.get(custom) or "").strip():
                self.add_error(custom, _("Describe who or where, or pick one of the choices."))
        return data
