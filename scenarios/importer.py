"""Scenario files: read, validate and plan an import; write the product's own YAML shape.

Three shapes are read (see README "Scenarios for trainers"):

* the product's own: ``scenarios:`` — a list of mappings with ``slug`` and the explicit fields;
* one scenario per file (``title``, ``role_info``, ``character_setting``, ...): the slug is
  derived from the file name;
* a list under ``scenarios:`` whose items carry ``id``, ``ai_role``, ``user_role``,
  ``initial_situation``: the slug is the ``id``;
* the extended one-per-file shape of reverse-role scenarios (``role_type``, ``initial_context``,
  ``ai_personality``, ``feedback_messages``, ``system_prompt``, ...).

Every key of the upstream shapes becomes a field or is kept verbatim in ``settings[KEPT_SETTING]``
(listed in the preview); what was written to the learner goes to the learner's briefing, the
partner gets a third-person version (``scenarios.briefing``).

Parsing never touches the database; ``plan_import`` compares with what is stored, and
``scenarios.services.scenario_import`` writes the plan in one transaction.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from scenarios.briefing import about_the_learner, addresses_the_learner
from scenarios.models import (
    CATEGORY_JA,
    DEFAULT_PASS_THRESHOLD,
    DIFFICULTY_JA,
    GRADED_MESSAGE_KEYS,
    HARASSMENT_WORDS,
    MAX_TIME_LIMIT_MINUTES,
    Category,
    Difficulty,
    EmotionalState,
    RoleType,
    Scenario,
)

MAX_FILE_BYTES = 1024 * 1024
MAX_YAML_DEPTH = 32
MAX_INT_DIGITS = 4300  # Python's limit for converting text to a number
YAML_SUFFIXES = (".yaml", ".yml")
SENSITIVE_FILE_WORDS = ("harassment", "gray_zone", "grayzone", "gray-zone", "ハラスメント")
LEARNER_SPEAKERS = frozenset({"あなた", "自分", "私"})
SCENARIO_FIELDS = (
    "title",
    "title_en",
    "description",
    "description_en",
    "category",
    "difficulty",
    "tags",
    "tags_en",
    "ai_role",
    "ai_role_en",
    "learner_role",
    "learner_role_en",
    "personality",
    "personality_en",
    "speaking_style",
    "speaking_style_en",
    "situation",
    "situation_en",
    "opening_line",
    "opening_line_en",
    "persona_hint",
    "persona_hint_en",
    "role_type",
    "learner_speaks_first",
    "learner_briefing",
    "learner_briefing_en",
    "partner_knowledge",
    "partner_knowledge_en",
    "partner_reactions",
    "partner_reactions_en",
    "emotional_state",
    "partner_instructions",
    "partner_instructions_en",
    "graded_messages",
    "pass_threshold",
    "time_limit_minutes",
    "sensitive",
    "settings",
)
# Where the keys of an upstream file that no field uses are kept, verbatim, in ``Scenario.settings``.
KEPT_SETTING = "upstream_kept"
# English twins of the learning and feedback points: one per point, in the same order.
POINT_FIELDS_EN = ("learning_points_en", "feedback_points_en")
# A rubric criterion's anchors (what about 80, 50, 20 look like); each may have an example line ``<anchor>_example``.
ANCHORED = ("good", "fair", "poor")


# --- Errors ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    source: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.field}: {self.reason}"


class ScenarioImportError(Exception):
    """A file could not be imported; nothing was written. Carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))

    @classmethod
    def one(cls, source: str, field_name: str, reason: str) -> ScenarioImportError:
        return cls([Problem(source, field_name, reason)])


# --- Field types -----------------------------------------------------------------------------

_DIFFICULTY_WORDS = {
    **{label: value for value, label in DIFFICULTY_JA.items()},
    **{value: value for value in Difficulty.values},
}
_CATEGORY_SYNONYMS: dict[str, tuple[str, ...]] = {
    Category.REPORTING: ("報告・連絡・相談", "ほうれんそう", "horenso", "hourensou", "reporting", "report"),
    Category.REQUESTS: ("依頼", "断り", "依頼・断り", "requests", "request", "asking_and_declining"),
    Category.COMPLAINTS: ("クレーム", "苦情対応", "complaints", "complaint", "customer_complaints", "claims"),
    Category.NEGOTIATION: ("negotiation", "negotiations"),
    Category.ONE_ON_ONE: ("1on1", "one_on_one", "面談", "フィードバック", "one_on_ones"),
    Category.MEETINGS: ("meeting", "meetings", "ミーティング"),
    Category.REMOTE_WORK: ("リモート", "テレワーク", "在宅勤務", "remote", "telework", "remote_work"),
    Category.HARASSMENT: (
        "harassment",
        "harassment_prevention",
        "anti_harassment",
        "ハラスメント",
        "ハラスメント対策",
        "パワハラ防止",
        "power_harassment",
        "sexual_harassment",
    ),
    Category.RELATIONSHIPS: ("雑談", "関係づくり", "small_talk", "smalltalk", "relationships", "relationship_building"),
    Category.OTHER: ("other", "others"),
}
_SEPARATORS = re.compile(r"[\s\-_・/／]+")


def _category_key(text: str) -> str:
    """A category text compared without case, spaces, hyphens, underscores or 「・」."""
    return _SEPARATORS.sub("_", text.strip().lower()).strip("_")


_CATEGORY_WORDS = {
    _category_key(word): str(value)
    for value, words in (
        *((value, (label,)) for value, label in CATEGORY_JA.items()),
        *((value, (value,)) for value in Category.values),
        *((value, (str(label),)) for value, label in Category.choices),
        *_CATEGORY_SYNONYMS.items(),
    )
    for word in words
}
_CATEGORY_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (Category.HARASSMENT, HARASSMENT_WORDS),
    (Category.COMPLAINTS, ("クレーム", "苦情")),
    (Category.NEGOTIATION, ("交渉",)),
    (Category.REMOTE_WORK, ("リモート", "テレワーク", "在宅")),
    (Category.MEETINGS, ("会議", "ミーティング", "打ち合わせ")),
    (Category.ONE_ON_ONE, ("1on1", "フィードバック", "面談")),
    (Category.REPORTING, ("報連相", "報告", "連絡", "相談")),
    (Category.REQUESTS, ("依頼", "断り", "断る", "お願い")),
    (Category.RELATIONSHIPS, ("雑談", "飲み会", "懇親会", "関係づくり")),
)


def _difficulty(value: object) -> str:
    key = str(value).strip().lower() if value is not None else ""
    if key in _DIFFICULTY_WORDS:
        return str(_DIFFICULTY_WORDS[key])
    raise ValueError(
        _("unknown difficulty '%(value)s': use 初級, 中級, 上級 or beginner, intermediate, advanced") % {"value": value}
    )


def _category(value: object) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    found = _CATEGORY_WORDS.get(_category_key(str(value)))
    if found is None:
        choices = ", ".join(CATEGORY_JA.values())
        raise ValueError(
            _("unknown category '%(value)s': use one of %(choices)s") % {"value": value, "choices": choices}
        )
    return str(found)


def _string_list(value: object) -> object:
    if isinstance(value, str):
        return [value]
    return [] if value is None else value


Text = Annotated[str, StringConstraints(strip_whitespace=True)]
Required = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Point = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Slug = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[-\w]+$", max_length=100)]
DifficultyValue = Annotated[str, BeforeValidator(_difficulty)]
CategoryValue = Annotated[str | None, BeforeValidator(_category)]
Tags = Annotated[
    list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]],
    BeforeValidator(_string_list),
]
Points = Annotated[list[Point], BeforeValidator(_string_list), Field(min_length=1, max_length=20)]
OptionalLine = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
PointsEn = Annotated[
    list[Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]],
    BeforeValidator(_string_list),
    Field(max_length=20),
]


def _choice(choices: type[RoleType] | type[EmotionalState], value: object) -> str:
    key = "" if value is None else str(value).strip().lower()
    if key in choices.values:
        return key
    allowed = ", ".join(v for v in choices.values if v)
    raise ValueError(_("unknown value '%(value)s': use one of %(choices)s") % {"value": value, "choices": allowed})


def _graded_messages(value: object) -> object:
    if not isinstance(value, dict):
        return value
    unknown = sorted(str(key) for key in value if key not in GRADED_MESSAGE_KEYS)
    if unknown:
        allowed = ", ".join(GRADED_MESSAGE_KEYS)
        message = _("unknown message '%(key)s': use %(choices)s") % {"key": unknown[0], "choices": allowed}
        raise ValueError(message)
    return {str(key): str(text).strip() for key, text in value.items() if text is not None and str(text).strip()}


RoleTypeValue = Annotated[str, BeforeValidator(lambda value: _choice(RoleType, value or RoleType.STANDARD))]
EmotionalStateValue = Annotated[str, BeforeValidator(lambda value: _choice(EmotionalState, value))]
GradedMessages = Annotated[dict[str, str], BeforeValidator(_graded_messages)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


def default_rubric(points: Sequence[str], points_en: Sequence[str] = ()) -> list[CriterionData]:
    """One criterion per feedback point, weight 1, with generic anchors (trainers refine them and add
    example lines)."""
    criteria = []
    for index, point in enumerate(points):
        english = points_en[index] if index < len(points_en) else ""
        if point.isascii():
            criteria.append(
                CriterionData(
                    name=point[:200],
                    good=f"A line clearly shows: {point}",
                    fair=f"A line shows it only partly or vaguely: {point}",
                    poor=f"No line shows: {point}",
                )
            )
            continue
        criteria.append(
            CriterionData(
                name=point[:200],
                name_en=english[:200],
                good=f"「{point}」にはっきり当てはまる発言がある",
                good_en=f"A line clearly shows: {english}" if english else "",
                fair=f"「{point}」に一部だけ、または曖昧に当てはまる発言がある",
                fair_en=f"A line shows it only partly or vaguely: {english}" if english else "",
                poor=f"「{point}」に当てはまる発言がない",
                poor_en=f"No line shows: {english}" if english else "",
            )
        )
    return criteria


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


class CriterionData(_Strict):
    """One rubric criterion: a name, a positive weight, and its behavioural anchors: what about 80
    (``good``), 50 (``fair``) and 20 (``poor``) look like, each with a short example line.

    ``good`` and ``poor`` are required; the middle anchor and the example lines may be left out
    (files from other shapes rarely have them), but an example line needs its anchor."""

    name: Line
    name_en: OptionalLine = ""
    weight: Annotated[int, Field(gt=0, le=100)] = 1
    good: Required
    good_en: Text = ""
    good_example: OptionalLine = ""
    good_example_en: OptionalLine = ""
    fair: Text = ""
    fair_en: Text = ""
    fair_example: OptionalLine = ""
    fair_example_en: OptionalLine = ""
    poor: Required
    poor_en: Text = ""
    poor_example: OptionalLine = ""
    poor_example_en: OptionalLine = ""

    @field_validator(*(f"{level}_example{suffix}" for level in ANCHORED for suffix in ("", "_en")))
    @classmethod
    def _example_has_its_anchor(cls, value: str, info: ValidationInfo) -> str:
        """An example line with no description of its level beside it (``fair_example`` without ``fair``)."""
        level = str(info.field_name).split("_example")[0]
        if value and not (info.data.get(level) or info.data.get(f"{level}_en")):
            message = _("an example line needs its anchor: write %(anchor)s too (what this level looks like)")
            raise ValueError(message % {"anchor": level})
        return value

    def unfilled_anchors(self) -> list[str]:
        """The anchors and example lines left blank (``fair``, ``poor_example``); English ones fall back."""
        names = [name for level in ANCHORED for name in (level, f"{level}_example")]
        return [name for name in names if not getattr(self, name)]


class ScenarioData(_Strict):
    """One scenario in the product's own shape (also what every other shape becomes)."""

    slug: Slug
    title: Line
    title_en: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    description: Required
    description_en: Text = ""
    category: CategoryValue = None
    difficulty: DifficultyValue
    tags: Tags = []
    tags_en: Tags = []
    ai_role: Line
    ai_role_en: OptionalLine = ""
    learner_role: Line
    learner_role_en: OptionalLine = ""
    personality: Text = ""
    personality_en: Text = ""
    speaking_style: Text = ""
    speaking_style_en: Text = ""
    situation: Required
    situation_en: Text = ""
    opening_line: Text = ""
    opening_line_en: Text = ""
    learning_points: Points
    learning_points_en: PointsEn = []
    feedback_points: Points
    feedback_points_en: PointsEn = []
    persona_hint: OptionalLine = ""
    persona_hint_en: OptionalLine = ""
    role_type: RoleTypeValue = RoleType.STANDARD
    learner_speaks_first: bool = False
    learner_briefing: Text = ""
    learner_briefing_en: Text = ""
    partner_knowledge: Text = ""
    partner_knowledge_en: Text = ""
    partner_reactions: Text = ""
    partner_reactions_en: Text = ""
    emotional_state: EmotionalStateValue = ""
    partner_instructions: Text = ""
    partner_instructions_en: Text = ""
    graded_messages: GradedMessages = {}
    rubric: Annotated[list[CriterionData], Field(max_length=20)] | None = None
    pass_threshold: Annotated[int, Field(ge=0, le=100)] = DEFAULT_PASS_THRESHOLD
    time_limit_minutes: Annotated[int, Field(ge=1, le=MAX_TIME_LIMIT_MINUTES)] | None = None
    sensitive: bool = False
    published: bool | None = None
    settings: dict[str, Any] = {}

    @model_validator(mode="after")
    def _rubric_or_default(self) -> ScenarioData:
        """A scenario without a rubric is scored on its feedback points, one criterion each."""
        if self.rubric is None:
            self.rubric = default_rubric(self.feedback_points, self.feedback_points_en)
        return self

    @model_validator(mode="after")
    def _english_points_match(self) -> ScenarioData:
        for name in POINT_FIELDS_EN:
            japanese = getattr(self, name.removesuffix("_en"))
            if len(getattr(self, name)) > len(japanese):
                message = _("%(english)s has more items than %(points)s: give one English text per point.")
                raise ValueError(message % {"english": name, "points": name.removesuffix("_en")})
        return self


class _CharacterSetting(_Lenient):
    personality: Text = ""
    speaking_style: Text = ""
    situation: Text = ""
    initial_approach: Text = ""


class _AiPersonality(_Lenient):
    name: OptionalLine = ""
    traits: Tags = []
    emotional_state: Text = ""


class _EvaluationCriteria(_Lenient):
    positive_behaviors: Annotated[list[Point], BeforeValidator(_string_list)] = []
    negative_behaviors: Annotated[list[Point], BeforeValidator(_string_list)] = []


class _FeedbackMessages(_Lenient):
    excellent: Text = ""
    good: Text = ""
    needs_improvement: Text = ""
    warning: Text = ""


class _Upstream(_Lenient):
    """The keys both upstream shapes may carry (the extended, reverse-role files carry most of them)."""

    title: Line
    description: Required
    difficulty: DifficultyValue
    tags: Tags = []
    category: Text = ""
    subcategory: Text = ""
    role_type: Text = ""
    ai_role: OptionalLine = ""
    user_role: OptionalLine = ""
    initial_context: Text = ""
    ai_personality: _AiPersonality = _AiPersonality()
    evaluation_criteria: _EvaluationCriteria = _EvaluationCriteria()
    feedback_messages: _FeedbackMessages = _FeedbackMessages()
    system_prompt: Text = ""
    learning_points: Points
    feedback_points: Points


class _OnePerFile(_Upstream):
    role_info: Text = ""
    character_setting: _CharacterSetting = _CharacterSetting()


class _ListItem(_Upstream):
    id: Slug
    role_info: Text = ""
    initial_situation: Text = ""


# The keys of the upstream shapes that become fields; any other key is kept in ``KEPT_SETTING``.
_USED_KEYS: dict[str, frozenset[str]] = {
    "": frozenset({*_OnePerFile.model_fields, *_ListItem.model_fields} - {"subcategory"}),
    "evaluation_criteria": frozenset(_EvaluationCriteria.model_fields),
    "character_setting": frozenset(_CharacterSetting.model_fields),
    "ai_personality": frozenset(_AiPersonality.model_fields),
    "feedback_messages": frozenset(_FeedbackMessages.model_fields),
}


def _kept_keys(document: dict[str, Any]) -> dict[str, Any]:
    """The keys no field uses, verbatim, by dotted path (``display_name``, ``ai_personality.hobby``)."""
    kept: dict[str, Any] = {}
    for key, value in document.items():
        name = str(key)
        if name not in _USED_KEYS[""]:
            kept[name] = value
        elif name in _USED_KEYS and name and isinstance(value, dict):
            kept.update({f"{name}.{k}": v for k, v in value.items() if str(k) not in _USED_KEYS[name]})
    return kept


def _upstream_rubric(raw: _OnePerFile | _ListItem) -> list[CriterionData]:
    """Upstream's ``evaluation_criteria`` (one criterion: the positive and negative behaviours as its
    anchors, weight 2) and one criterion per feedback point."""
    criteria = default_rubric([tidy(point) for point in raw.feedback_points])
    behaviours = raw.evaluation_criteria
    if behaviours.positive_behaviors:
        english = all(text.isascii() for text in behaviours.positive_behaviors)
        name = "Expected behaviours" if english else "期待される行動"
        poor = behaviours.negative_behaviors or (
            ["None of the expected behaviours"] if english else ["期待される行動が見られない"]
        )
        joined = " / ".join
        fair = "Some of the expected behaviours, not all" if english else "期待される行動の一部だけが見られる"
        behaviour = CriterionData(
            name=name, weight=2, good=joined(behaviours.positive_behaviors), fair=fair, poor=joined(poor)
        )
        criteria.insert(0, behaviour)
    return criteria


# --- Text clean-up for the upstream shapes ---------------------------------------------------

_GAP_BETWEEN_WIDE = re.compile(r"(?<=[^\x00-\x7f])[ \t]+(?=[^\x00-\x7f])")
_WRAP_BETWEEN_WIDE = re.compile(r"(?<=[^\x00-\x7f])[ \t]*\n[ \t]*(?=[^\x00-\x7f])")
_SPOKEN = re.compile(r"([^\s「」:：]+)\s*[:：]\s*「([^」]*)」")
_ROLE_SUFFIX_JA = (
    r"(?:役)?(?:を演じ(?:ます|る)?)?(?:として(?:対応|参加|話|振る舞い|ふるまい)?(?:します|する)?)?(?:です)?"
)
_ROLE_INFO_FORMS: tuple[re.Pattern[str], ...] = (
    re.compile(rf"^AI[はが](?P<ai>.+?){_ROLE_SUFFIX_JA}[、，,]\s*あなた[はが](?P<learner>.+?){_ROLE_SUFFIX_JA}[。.]?$"),
    re.compile(rf"^あなた[はが](?P<learner>.+?){_ROLE_SUFFIX_JA}[、，,]\s*AI[はが](?P<ai>.+?){_ROLE_SUFFIX_JA}[。.]?$"),
    re.compile(
        r"^(?:the\s+)?AI(?:\s+(?:plays|is|acts\s+as|as)|\s*:)\s+(?P<ai>.+?)\s*[,;、]\s*(?:and\s+)?"
        r"you(?:\s+(?:play|are|act\s+as|as)|\s*:)\s+(?P<learner>.+?)\.?$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^you(?:\s+(?:play|are|act\s+as|as)|\s*:)\s+(?P<learner>.+?)\s*[,;、]\s*(?:and\s+)?"
        r"(?:the\s+)?AI(?:\s+(?:plays|is|acts\s+as|as)|\s*:)\s+(?P<ai>.+?)\.?$",
        re.IGNORECASE,
    ),
)
_ARTICLE = re.compile(r"^(?:the role of|a|an|the)\s+", re.IGNORECASE)
_ROLE_WORD = re.compile(r"\s+(?:role|part)$", re.IGNORECASE)


def tidy(text: str, *, unwrap: bool = False) -> str:
    """Joins lines YAML folded with a space (or, with ``unwrap``, kept) in the middle of Japanese text."""
    text = text.strip()
    if unwrap:
        text = _WRAP_BETWEEN_WIDE.sub("", text)
    return _GAP_BETWEEN_WIDE.sub("", text)


def _role(text: str) -> str:
    return _ROLE_WORD.sub("", _ARTICLE.sub("", text.strip())).strip()


def split_role_info(role_info: str) -> tuple[str, str] | None:
    """``AIは上司役、あなたは新入社員`` → (``上司``, ``新入社員``); ``None`` when the sentence cannot be read.

    Also ``AIは部下（田中さん、入社3年目）、あなたは課長として対応します``, the learner named first, and
    English (``The AI plays a team member, and you play the section chief``)."""
    text = tidy(role_info)
    for form in _ROLE_INFO_FORMS:
        match = form.match(text)
        if match is not None and _role(match["ai"]) and _role(match["learner"]):
            return _role(match["ai"]), _role(match["learner"])
    return None


def split_opening(text: str) -> tuple[str, str]:
    """(the partner's first line, the scripted exchange if the text is a dialogue)."""
    text = tidy(text)
    spoken = _SPOKEN.findall(text)
    if not spoken:
        if text.startswith("「") and text.endswith("」") and text.count("「") == 1:
            text = text[1:-1]
        return tidy(text), ""
    speaker, words = spoken[0]
    exchange = text if len(spoken) > 1 or speaker in LEARNER_SPEAKERS else ""
    return ("" if speaker in LEARNER_SPEAKERS else tidy(words)), exchange


def _mentions_harassment(*texts: str) -> bool:
    return any(word in text.lower() for text in texts for word in HARASSMENT_WORDS)


def infer_category(*texts: str) -> str:
    """The category a scenario most likely belongs to, from its category text, tags and title."""
    for category, words in _CATEGORY_KEYWORDS:
        if any(word.lower() in text.lower() for text in texts for word in words):
            return str(category)
    return str(Category.OTHER)


def _upstream_category(category: str, tags: list[str], title: str) -> tuple[str, bool]:
    """(the category, whether the file's category text was understood) for an upstream scenario."""
    try:
        known = _category(category)
    except ValueError:
        known = None
    if known:
        return known, True
    return infer_category(category, *tags, title), not category


# --- Reading files ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    name: str
    text: str


def _whole_file() -> str:
    return _("(file)")


def _location(loc: Sequence[int | str], prefix: str = "") -> str:
    out = prefix
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or _whole_file()


def _validation_reason(item: Any) -> str:
    """pydantic's message for one failed field, said in the active language."""
    kind, context = str(item.get("type", "")), item.get("ctx") or {}
    if kind == "value_error":
        return str(context.get("error", item["msg"]))  # our own validators' (translated) words
    if kind in ("too_short", "too_long"):
        limit = int(context.get("min_length" if kind == "too_short" else "max_length", 0))
        if kind == "too_short":
            return ngettext("needs at least %(n)s item", "needs at least %(n)s items", limit) % {"n": limit}
        return ngettext("at most %(n)s item", "at most %(n)s items", limit) % {"n": limit}
    bounds = {
        "greater_than": (_("must be greater than %(n)s"), "gt"),
        "greater_than_equal": (_("must be at least %(n)s"), "ge"),
        "less_than": (_("must be less than %(n)s"), "lt"),
        "less_than_equal": (_("must be at most %(n)s"), "le"),
    }
    if kind in bounds:
        message, key = bounds[kind]
        return message % {"n": context.get(key, "")}
    if kind == "string_too_long":
        limit = int(context.get("max_length", 0))
        return ngettext("at most %(n)s character", "at most %(n)s characters", limit) % {"n": limit}
    messages = {
        "missing": _("Field required"),
        "extra_forbidden": _("unknown field"),
        "string_too_short": _("must not be empty"),
        "string_pattern_mismatch": _("may contain only letters, digits, hyphens and underscores"),
        "string_type": _("must be text"),
        "list_type": _("must be a list"),
        "dict_type": _("must be a mapping (key: value)"),
        "model_type": _("must be a mapping (key: value)"),
        "model_attributes_type": _("must be a mapping (key: value)"),
        "bool_type": _("must be true or false"),
        "bool_parsing": _("must be true or false"),
        "int_parsing": _("must be a whole number"),
        "int_type": _("must be a whole number"),
        "int_from_float": _("must be a whole number"),
    }
    return messages.get(kind, _("is not valid"))


def _problems(source: str, error: ValidationError, prefix: str = "") -> list[Problem]:
    return [Problem(source, _location(item["loc"], prefix), _validation_reason(item)) for item in error.errors()]


def _yaml_problem(problem: str) -> str:
    """The YAML parser's complaint in the learner's words (the parser itself speaks English only)."""
    known = (
        ("expected ',' or ']'", _("a list in [ ] is not closed")),
        ("expected ',' or '}'", _("a mapping in { } is not closed")),
        ("mapping values are not allowed here", _("a colon (:) cannot stand here: put the text in quotes")),
        ("could not find expected ':'", _("a colon (:) is missing")),
        ("found character '\\t'", _("tab characters cannot be used: indent with spaces")),
        ("found unexpected end of stream", _("the text ends inside quotes or brackets")),
        ("expected <block end>", _("the indentation is inconsistent")),
        ("did not find expected", _("the indentation is inconsistent")),
    )
    for start, said in known:
        if problem.startswith(start):
            return said
    return _("check the indentation, the colons and the quotes")


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class _Refused(yaml.MarkedYAMLError):
    """A value ``_ScenarioLoader`` refuses; its ``problem`` is already in the learner's words."""


class _ScenarioLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses, naming the line, what could not be stored or would
    exhaust the server: nesting deeper than ``MAX_YAML_DEPTH`` (before recursing into it),
    aliases (``*name``: a few lines can stand for millions of values), NUL and lone surrogates
    (``"\\0"``, ``"\\ud800"``), and values Python cannot convert (a 5,000-digit number, 2024-13-45)."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            reason = _("anchors and aliases (&name, *name) are not supported: write the value out")
            raise _Refused(None, None, reason, event.start_mark)
        if self.depth >= MAX_YAML_DEPTH:
            reason = _("nested more than %(limit)d levels deep") % {"limit": MAX_YAML_DEPTH}
            raise _Refused(None, None, reason, event.start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            value = super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:
            raise _Refused(None, None, _unreadable(node), node.start_mark) from exc
        if isinstance(value, str) and _UNSTORABLE.search(value):
            reason = _("contains a character that cannot be stored (a NUL character or a lone surrogate)")
            raise _Refused(None, None, reason, node.start_mark)
        return value


def _unreadable(node: Any) -> str:
    if node.tag == "tag:yaml.org,2002:int" and len(str(node.value)) > MAX_INT_DIGITS:
        message = _("a number with more than %(limit)d digits: put it in quotes to keep it as text")
        return message % {"limit": MAX_INT_DIGITS}
    value = str(node.value)
    return _("this value cannot be read: %(value)s") % {"value": value[:40] + ("…" if len(value) > 40 else "")}


def load_yaml(source: Source) -> Any:
    """A safe load (no Python objects; see ``_ScenarioLoader``); a syntax error names the line."""
    try:
        return yaml.load(source.text, Loader=_ScenarioLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _("line %(line)s") % {"line": mark.line + 1} if mark is not None else _whole_file()
        said = str(getattr(exc, "problem", None) or "")
        problem = said if isinstance(exc, _Refused) else _yaml_problem(said)
        raise ScenarioImportError.one(
            source.name, where, _("invalid YAML: %(problem)s") % {"problem": problem}
        ) from exc


def _file_is_sensitive(name: str) -> bool:
    stem = Path(name).stem.lower()
    return any(word in stem for word in SENSITIVE_FILE_WORDS)


def _slug_from_file_name(name: str) -> str:
    slug = slugify(Path(name).stem, allow_unicode=True)[:100]
    return slug or "scenario-" + hashlib.sha256(name.encode()).hexdigest()[:10]


def _finish(values: dict[str, Any], source: Source, prefix: str) -> ScenarioData:
    """Validate the product-shape values, then mark harassment content sensitive."""
    try:
        data = ScenarioData.model_validate(values)
    except ValidationError as exc:
        raise ScenarioImportError(_problems(source.name, exc, prefix)) from exc
    if data.category is None:
        data.category = infer_category(*data.tags, data.title)
    if data.category == Category.HARASSMENT or _mentions_harassment(*data.tags) or _file_is_sensitive(source.name):
        data.sensitive = True
    return data


def _roles(raw: _OnePerFile | _ListItem, source: Source, prefix: str) -> tuple[str, str]:
    """Explicit ``ai_role`` / ``user_role`` win over ``role_info``, which is parsed, never stored as a role."""
    parsed = split_role_info(raw.role_info) if raw.role_info else None
    ai_role, learner_role = tidy(raw.ai_role), tidy(raw.user_role)
    if not (ai_role and learner_role) and parsed is None:
        where = _location(["role_info"], prefix)
        reason = (
            _(
                "cannot read who the AI plays and who the learner is from '%(text)s': write it as "
                "「AIは上司役、あなたは新入社員」 or give ai_role and user_role"
            )
            % {"text": tidy(raw.role_info)[:80]}
            if raw.role_info
            else _("Field required")
        )
        raise ScenarioImportError.one(source.name, where, reason)
    return ai_role or (parsed or ("", ""))[0], learner_role or (parsed or ("", ""))[1]


def _partner_texts(raw: _OnePerFile | _ListItem, told: str) -> dict[str, Any]:
    """The partner's side of an upstream scenario: what it is, how it feels, what it is told."""
    character = raw.character_setting if isinstance(raw, _OnePerFile) else _CharacterSetting()
    person = raw.ai_personality
    personality = "\n".join(part for part in (tidy(character.personality), "、".join(person.traits)) if part)
    emotional = person.emotional_state.strip().lower()
    situation = tidy(character.situation) or told
    opening, exchange = split_opening(character.initial_approach)
    settings: dict[str, Any] = {}
    if exchange:
        settings["opening_exchange"] = about_the_learner(exchange, drop_instructions=False)
    if person.name:
        settings["partner_name"] = person.name
    return {
        "personality": about_the_learner(personality, drop_instructions=False),
        "speaking_style": about_the_learner(character.speaking_style, drop_instructions=False),
        "situation": about_the_learner(situation) or about_the_learner(tidy(raw.description)),
        "emotional_state": emotional if emotional in EmotionalState.values else "",
        "opening_line": opening,
        "partner_instructions": raw.system_prompt,
        "graded_messages": raw.feedback_messages.model_dump(),
        "settings": settings,
    }


def _learner_briefing(raw: _OnePerFile | _ListItem) -> str:
    """What the learner is told: the situation as addressed to them."""
    if raw.initial_context:
        return tidy(raw.initial_context, unwrap=True)
    if isinstance(raw, _ListItem):
        return tidy(raw.initial_situation, unwrap=True)
    situation = tidy(raw.character_setting.situation)
    return situation if addresses_the_learner(situation) else ""


def _from_upstream(raw: _OnePerFile | _ListItem, document: dict[str, Any], source: Source, prefix: str) -> ScenarioData:
    ai_role, learner_role = _roles(raw, source, prefix)
    category, understood = _upstream_category(raw.category, raw.tags, raw.title)
    briefing = _learner_briefing(raw)
    partner = _partner_texts(raw, briefing)
    kept = _kept_keys(document)
    if not understood:
        kept["category"] = raw.category
    if raw.role_type.strip() and raw.role_type.strip().lower() not in RoleType.values:
        kept["role_type"] = raw.role_type
    if partner["emotional_state"] != raw.ai_personality.emotional_state.strip().lower():
        kept["ai_personality.emotional_state"] = raw.ai_personality.emotional_state
    if raw.role_info and raw.ai_role and raw.user_role:
        kept["role_info"] = raw.role_info
    reverse = raw.role_type.strip().lower() == RoleType.REVERSE
    values = {
        "slug": raw.id if isinstance(raw, _ListItem) else _slug_from_file_name(source.name),
        "title": tidy(raw.title),
        "description": tidy(raw.description),
        "category": category,
        "difficulty": raw.difficulty,
        "tags": raw.tags,
        "ai_role": ai_role,
        "learner_role": learner_role,
        "learning_points": [tidy(point) for point in raw.learning_points],
        "feedback_points": [tidy(point) for point in raw.feedback_points],
        "sensitive": _mentions_harassment(raw.category, raw.subcategory),
        **partner,
        "role_type": RoleType.REVERSE if reverse else RoleType.STANDARD,
        "learner_speaks_first": reverse and not partner["opening_line"],
        "learner_briefing": briefing,
        "rubric": _upstream_rubric(raw),
        "settings": {**partner["settings"], **({KEPT_SETTING: kept} if kept else {})},
    }
    return _finish(values, source, prefix)


def _from_one_per_file(document: dict[str, Any], source: Source) -> ScenarioData:
    try:
        raw = _OnePerFile.model_validate(document)
    except ValidationError as exc:
        raise ScenarioImportError(_problems(source.name, exc)) from exc
    if not (raw.character_setting.situation or raw.initial_context):
        raise ScenarioImportError.one(source.name, "character_setting.situation", _("Field required"))
    return _from_upstream(raw, document, source, "")


def _from_list_item(item: dict[str, Any], source: Source, prefix: str) -> ScenarioData:
    try:
        raw = _ListItem.model_validate(item)
    except ValidationError as exc:
        raise ScenarioImportError(_problems(source.name, exc, prefix)) from exc
    if not (raw.initial_situation or raw.initial_context):
        raise ScenarioImportError.one(source.name, _location(["initial_situation"], prefix), _("Field required"))
    data = _from_upstream(raw, item, source, prefix)
    if _file_is_sensitive(source.name) and not raw.category:
        data.category = str(Category.HARASSMENT)
    return data


def _from_list(items: object, source: Source) -> list[ScenarioData]:
    if not isinstance(items, list) or not items:
        raise ScenarioImportError.one(source.name, "scenarios", _("expected a non-empty list of scenarios"))
    parsed: list[ScenarioData] = []
    problems: list[Problem] = []
    for index, item in enumerate(items):
        prefix = f"scenarios[{index}]"
        try:
            parsed.append(_from_item(item, source, prefix))
        except ScenarioImportError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioImportError(problems)
    return parsed


def _from_item(item: object, source: Source, prefix: str) -> ScenarioData:
    if not isinstance(item, dict):
        raise ScenarioImportError.one(source.name, prefix, _("expected a mapping (title, description, ...)"))
    if "slug" in item:
        return _finish(item, source, prefix)
    if "id" in item:
        return _from_list_item(item, source, prefix)
    reason = _("missing: every scenario needs a slug (or an id)")
    raise ScenarioImportError.one(source.name, f"{prefix}.slug", reason)


def parse_source(source: Source) -> list[ScenarioData]:
    """Every scenario in one file, validated; raises ``ScenarioImportError`` naming the problems."""
    document = load_yaml(source)
    if document is None:
        raise ScenarioImportError.one(source.name, _whole_file(), _("the file is empty"))
    if not isinstance(document, dict):
        raise ScenarioImportError.one(source.name, _whole_file(), _("expected a mapping at the top level"))
    if "scenarios" in document:
        return _from_list(document["scenarios"], source)
    return [_from_one_per_file(document, source)]


def read_paths(paths: Iterable[str | Path]) -> list[Source]:
    """Sources from files and folders (a folder contributes its *.yaml / *.yml files)."""
    sources: list[Source] = []
    for path in map(Path, paths):
        files = sorted(p for p in path.iterdir() if p.suffix in YAML_SUFFIXES) if path.is_dir() else [path]
        for file in files:
            try:
                sources.append(Source(file.name, file.read_text(encoding="utf-8-sig")))
            except (OSError, UnicodeDecodeError) as exc:
                raise ScenarioImportError.one(
                    str(file), _whole_file(), _("cannot be read: %(error)s") % {"error": exc}
                ) from exc
    return sources


def decode_upload(name: str, content: bytes) -> Source:
    """A source from uploaded bytes: size-limited, UTF-8."""
    if len(content) > MAX_FILE_BYTES:
        raise ScenarioImportError.one(
            name, _whole_file(), _("larger than %(kib)s KiB") % {"kib": MAX_FILE_BYTES // 1024}
        )
    try:
        return Source(name, content.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ScenarioImportError.one(name, _whole_file(), _("not UTF-8 text")) from exc


# --- Planning --------------------------------------------------------------------------------


@dataclass
class PlannedScenario:
    data: ScenarioData
    source: str
    action: Literal["create", "update"]
    changes: list[str] = field(default_factory=list)
    published_after: bool = False  # whether learners see the scenario once imported

    @property
    def slug(self) -> str:
        return self.data.slug

    @property
    def unfilled_anchors(self) -> list[str]:
        """Where the rubric's anchors or example lines are blank (``rubric[0]: fair, good_example``):
        it imports, but the judge has less to go on."""
        criteria = enumerate(self.data.rubric or [])
        return [
            f"rubric[{index}]: {', '.join(blank)}"
            for index, criterion in criteria
            if (blank := criterion.unfilled_anchors())
        ]

    @property
    def kept_keys(self) -> list[str]:
        """The file's keys kept verbatim in the scenario's settings because no field uses them."""
        return sorted((self.data.settings or {}).get(KEPT_SETTING, {}))

    @property
    def difficulty_label(self) -> str:
        return str(Difficulty(self.data.difficulty).label)

    @property
    def category_label(self) -> str:
        return str(Category(self.data.category or Category.OTHER).label)


def parse_sources(sources: Iterable[Source]) -> list[tuple[str, ScenarioData]]:
    """Every scenario of every source, or one error listing the problems of all files."""
    parsed: list[tuple[str, ScenarioData]] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for source in sources:
        try:
            items = parse_source(source)
        except ScenarioImportError as exc:
            problems.extend(exc.problems)
            continue
        for data in items:
            if data.slug in seen:
                reason = _("key '%(slug)s' is used twice (also in %(other)s)") % {
                    "slug": data.slug,
                    "other": seen[data.slug],
                }
                problems.append(Problem(source.name, "slug", reason))
            seen[data.slug] = source.name
            parsed.append((source.name, data))
    if problems:
        raise ScenarioImportError(problems)
    return parsed


def scenario_values(data: ScenarioData) -> dict[str, Any]:
    """The model field values a scenario gets from its data (points and publishing aside)."""
    return {name: getattr(data, name) for name in SCENARIO_FIELDS}


def _changes(scenario: Scenario, data: ScenarioData, *, publish: bool) -> list[str]:
    changed = [name for name, value in scenario_values(data).items() if getattr(scenario, name) != value]
    if scenario.learning_point_texts() != data.learning_points:
        changed.append("learning_points")
    if scenario.feedback_point_texts() != data.feedback_points:
        changed.append("feedback_points")
    for name in POINT_FIELDS_EN:
        count = len(getattr(data, name.removesuffix("_en")))
        if _padded(_stored_english_points(scenario, name), count) != _padded(getattr(data, name), count):
            changed.append(name)
    if stored_rubric(scenario) != [criterion.model_dump() for criterion in data.rubric or []]:
        changed.append("rubric")
    published = True if publish else data.published
    if published is not None and published != scenario.published:
        changed.append("published")
    return changed


def stored_rubric(scenario: Scenario) -> list[dict[str, Any]]:
    """The scenario's criteria in the import shape (``CriterionData`` fields)."""
    names = CriterionData.model_fields
    return [{name: getattr(criterion, name) for name in names} for criterion in scenario.criteria.all()]


def _stored_english_points(scenario: Scenario, name: str) -> list[str]:
    """The stored English twins of ``learning_points_en`` or ``feedback_points_en``."""
    points = scenario.learning_points if name == "learning_points_en" else scenario.feedback_points
    return [point.text_en for point in points.all()]


def _padded(texts: list[str], length: int) -> list[str]:
    """``texts`` cut or filled with empty strings to ``length`` (an English point may be missing)."""
    return [*texts[:length], *[""] * (length - len(texts))]


def plan_import(parsed: Iterable[tuple[str, ScenarioData]], *, publish: bool = False) -> list[PlannedScenario]:
    """What an import would create and update (nothing is written); ``publish`` as in the import."""
    items = list(parsed)
    existing = Scenario.objects.prefetch_related("learning_points", "feedback_points", "criteria").in_bulk(
        [data.slug for _, data in items], field_name="slug"
    )
    plan: list[PlannedScenario] = []
    for source, data in items:
        stored = existing.get(data.slug)
        if stored is None:
            published = publish or bool(data.published)
            plan.append(PlannedScenario(data=data, source=source, action="create", published_after=published))
        else:
            changes = _changes(stored, data, publish=publish)
            published = publish or (stored.published if data.published is None else data.published)
            plan.append(
                PlannedScenario(data=data, source=source, action="update", changes=changes, published_after=published)
            )
    return plan


# --- Export ----------------------------------------------------------------------------------


class _ExportDumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ExportDumper.add_representer(str, _represent_str)


def scenario_document(scenario: Scenario) -> dict[str, Any]:
    """One scenario in the product's import shape."""
    document: dict[str, Any] = {"slug": scenario.slug}
    for name in SCENARIO_FIELDS:
        value = getattr(scenario, name)
        document[name] = str(value) if isinstance(value, str) else value
    for name in POINT_FIELDS_EN:
        japanese = name.removesuffix("_en")
        document[japanese] = [point.text for point in getattr(scenario, japanese).all()]
        if any(english := _stored_english_points(scenario, name)):
            document[name] = english
    document["rubric"] = [
        {key: value for key, value in criterion.items() if value or key in ("name", "weight", "good", "poor")}
        for criterion in stored_rubric(scenario)
    ]  # the anchors and example lines a criterion has, blank ones left out
    document["published"] = scenario.published
    return document


def export_yaml(scenarios: Iterable[Scenario]) -> str:
    """YAML that ``manage.py import_scenarios`` and the admin import read back unchanged."""
    documents = [scenario_document(scenario) for scenario in scenarios]
    return yaml.dump({"scenarios": documents}, Dumper=_ExportDumper, allow_unicode=True, sort_keys=False, width=1000)
