"""Scenarios: what a learner rehearses, written and published by trainers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings as django_settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from llm.prompts import Persona
from scenarios.briefing import about_the_learner

NEW_FOR_DAYS = 14
# The labels of the scenario lines in the partner's additional instructions, per language.
PERSONA_INSTRUCTION_LABELS: dict[str, dict[str, str]] = {
    "ja": {
        "scenario": "シナリオ",
        "points": "学習者が練習すること",
        "opening": "最初の一言",
        "exchange": "会話の始まり方の例",
        "hint": "人物像・声のヒント",
        "emotion": "今の気持ち",
        "knows": "相手役が知っていること",
        "reacts": "反応の仕方",
        "reverse": "この練習では学習者が{learner}の立場を演じ、相手役は{partner}として応じる。"
        "学習者を{learner}として扱うこと。",
        "learner_first": "学習者が先に話し始める。最初の発言を待ってから応じること。",
        "trainer": "トレーナーからの指示",
    },
    "en": {
        "scenario": "Scenario",
        "points": "What the learner practises",
        "opening": "First line",
        "exchange": "How the conversation may begin",
        "hint": "Voice and character hint",
        "emotion": "Current mood",
        "knows": "What the partner knows",
        "reacts": "How the partner reacts",
        "reverse": "In this practice the learner plays the {learner} and the partner answers as the {partner}: "
        "treat the learner as the {learner}.",
        "learner_first": "The learner speaks first: wait for their first line, then answer.",
        "trainer": "Instructions from the trainer",
    },
}
EMOTION_WORDS: dict[str, dict[str, str]] = {
    "ja": {
        "neutral": "落ち着いている",
        "stressed": "ストレスを抱えている",
        "anxious": "不安を感じている",
        "defensive": "身構えていて防御的",
    },
    "en": {"neutral": "calm", "stressed": "under stress", "anxious": "anxious", "defensive": "on the defensive"},
}
# Tags or categories with these words mark harassment-prevention content (always sensitive).
HARASSMENT_WORDS = ("ハラスメント", "セクハラ", "パワハラ", "グレーゾーン", "harassment")


class Difficulty(models.TextChoices):
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class RoleType(models.TextChoices):
    STANDARD = "standard", _("Standard: the learner plays their own side")
    REVERSE = "reverse", _("Reverse: the learner plays the senior side (boss, HR, trainer)")


class EmotionalState(models.TextChoices):
    NONE = "", _("(not set)")
    NEUTRAL = "neutral", _("Neutral")
    STRESSED = "stressed", _("Stressed")
    ANXIOUS = "anxious", _("Anxious")
    DEFENSIVE = "defensive", _("Defensive")


# The graded messages a scenario may carry, by score band (``warning``: behaviour that may be harassment).
GRADED_MESSAGE_KEYS: tuple[str, ...] = ("excellent", "good", "needs_improvement", "warning")
DEFAULT_PASS_THRESHOLD = 70
MAX_TIME_LIMIT_MINUTES = 180


class Category(models.TextChoices):
    REPORTING = "reporting", _("Reporting and consulting")
    REQUESTS = "requests", _("Asking and saying no")
    COMPLAINTS = "complaints", _("Handling complaints")
    NEGOTIATION = "negotiation", _("Negotiation")
    ONE_ON_ONE = "one_on_one", _("1on1 and feedback")
    MEETINGS = "meetings", _("Meetings")
    REMOTE_WORK = "remote_work", _("Remote work")
    HARASSMENT = "harassment", _("Harassment prevention")
    RELATIONSHIPS = "relationships", _("Small talk and relationships")
    OTHER = "other", _("Other")


# The Japanese names trainers write in files and see on Japanese pages.
CATEGORY_JA: dict[str, str] = {
    Category.REPORTING: "報連相",
    Category.REQUESTS: "依頼と断り",
    Category.COMPLAINTS: "クレーム対応",
    Category.NEGOTIATION: "交渉",
    Category.ONE_ON_ONE: "1on1・フィードバック",
    Category.MEETINGS: "会議",
    Category.REMOTE_WORK: "リモートワーク",
    Category.HARASSMENT: "ハラスメント防止",
    Category.RELATIONSHIPS: "雑談・関係づくり",
    Category.OTHER: "その他",
}
DIFFICULTY_JA: dict[str, str] = {
    Difficulty.BEGINNER: "初級",
    Difficulty.INTERMEDIATE: "中級",
    Difficulty.ADVANCED: "上級",
}


def _english_active() -> bool:
    return (translation.get_language() or "ja").startswith("en")


def _reader_language(language: str | None) -> str:
    """``language`` as "ja" or "en"; ``None`` means the active language."""
    if language is None:
        return "en" if _english_active() else "ja"
    return "en" if language == "en" else "ja"


# Fields written in Japanese that have an English twin ``<name>_en``; an empty twin falls back.
TRANSLATED_FIELDS: tuple[str, ...] = (
    "title",
    "description",
    "ai_role",
    "learner_role",
    "personality",
    "speaking_style",
    "situation",
    "opening_line",
    "persona_hint",
    "learner_briefing",
    "partner_knowledge",
    "partner_reactions",
    "partner_instructions",
)


class Scenario(models.Model):
    slug = models.SlugField(
        _("key"),
        max_length=100,
        unique=True,
        allow_unicode=True,
        help_text=_("Stable key used by YAML import and export; re-importing a file with this key updates it."),
    )
    title = models.CharField(_("title (Japanese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description = models.TextField(_("description (Japanese)"))
    description_en = models.TextField(_("description (English)"), blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.OTHER)
    difficulty = models.CharField(
        _("difficulty"), max_length=12, choices=Difficulty.choices, default=Difficulty.BEGINNER
    )
    tags = models.JSONField(_("tags"), default=list, blank=True, help_text=_("A list of short words."))
    tags_en = models.JSONField(
        _("tags (English)"), default=list, blank=True, help_text=_("Shown instead of the tags on English pages.")
    )
    tags_text = models.TextField(editable=False, blank=True, default="")
    ai_role = models.CharField(_("AI role"), max_length=200, help_text=_("Who the AI partner plays."))
    ai_role_en = models.CharField(_("AI role (English)"), max_length=200, blank=True)
    learner_role = models.CharField(_("learner role"), max_length=200, help_text=_("Who the learner is."))
    learner_role_en = models.CharField(_("learner role (English)"), max_length=200, blank=True)
    personality = models.TextField(_("personality"), blank=True)
    personality_en = models.TextField(_("personality (English)"), blank=True)
    speaking_style = models.TextField(_("speaking style"), blank=True)
    speaking_style_en = models.TextField(_("speaking style (English)"), blank=True)
    situation = models.TextField(_("situation"))
    situation_en = models.TextField(_("situation (English)"), blank=True)
    opening_line = models.TextField(
        _("opening line"), blank=True, help_text=_("The partner's first words, in character.")
    )
    opening_line_en = models.TextField(
        _("opening line (English)"),
        blank=True,
        help_text=_("English learners get no scripted first line when this is empty: the partner opens."),
    )
    persona_hint = models.CharField(
        _("persona hint"), max_length=200, blank=True, help_text=_("Optional hint for the partner's voice.")
    )
    persona_hint_en = models.CharField(_("persona hint (English)"), max_length=200, blank=True)
    role_type = models.CharField(
        _("role type"), max_length=10, choices=RoleType.choices, default=RoleType.STANDARD, blank=True
    )
    learner_speaks_first = models.BooleanField(
        _("the learner speaks first"), default=False, help_text=_("The partner waits for the learner's first line.")
    )
    learner_briefing = models.TextField(
        _("learner's briefing"),
        blank=True,
        help_text=_('The situation as told to the learner ("you…"). Never shown to the partner.'),
    )
    learner_briefing_en = models.TextField(_("learner's briefing (English)"), blank=True)
    partner_knowledge = models.TextField(
        _("what the partner knows"), blank=True, help_text=_("Facts the partner knows, written about the partner.")
    )
    partner_knowledge_en = models.TextField(_("what the partner knows (English)"), blank=True)
    partner_reactions = models.TextField(
        _("how the partner reacts"), blank=True, help_text=_("How the partner responds to what the learner does.")
    )
    partner_reactions_en = models.TextField(_("how the partner reacts (English)"), blank=True)
    emotional_state = models.CharField(
        _("partner's emotional state"), max_length=12, choices=EmotionalState.choices, default="", blank=True
    )
    partner_instructions = models.TextField(
        _("trainer's extra instructions for the partner"),
        blank=True,
        help_text=_("Written to the partner (e.g. an imported system prompt); added to its instructions."),
    )
    partner_instructions_en = models.TextField(_("trainer's extra instructions (English)"), blank=True)
    pass_threshold = models.PositiveSmallIntegerField(
        _("pass threshold"),
        default=DEFAULT_PASS_THRESHOLD,
        validators=[MaxValueValidator(100)],
        help_text=_("The weighted rubric total (0–100) a play needs to pass."),
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TIME_LIMIT_MINUTES)],
        help_text=_("Optional: a countdown during play; when it runs out the play ends with feedback."),
    )
    graded_messages = models.JSONField(
        _("graded messages"),
        default=dict,
        blank=True,
        help_text=_("Messages by result: excellent, good, needs_improvement, warning (possible harassment)."),
    )
    sensitive = models.BooleanField(
        _("sensitive content"),
        default=False,
        help_text=_("Harassment-prevention content: learners confirm before they start."),
    )
    published = models.BooleanField(_("published"), default=False, help_text=_("Drafts are invisible to learners."))
    # When a trainer last published it (learners see "New" for NEW_FOR_DAYS); none for the built-in ones.
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    author = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="authored_scenarios",
    )
    last_editor = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        verbose_name=_("last editor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="edited_scenarios",
    )
    settings = models.JSONField(_("other settings"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    if TYPE_CHECKING:
        learning_points: models.Manager[LearningPoint]
        feedback_points: models.Manager[FeedbackPoint]
        criteria: models.Manager[RubricCriterion]

    class Meta:
        ordering = ("-updated_at",)
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        indexes = [models.Index(fields=["published", "difficulty", "category"], name="scenario_catalog_idx")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.tags = [str(tag).strip() for tag in (self.tags or []) if str(tag).strip()]
        self.tags_en = [str(tag).strip() for tag in (self.tags_en or []) if str(tag).strip()]
        if self.is_harassment_content():
            self.sensitive = True
        every_tag = [*self.tags, *(tag for tag in self.tags_en if tag not in self.tags)]
        self.tags_text = "".join(f"|{tag}" for tag in every_tag) + "|" if every_tag else ""
        if not self.published:
            self.published_at = None
        elif not self._was_published():
            self.published_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"tags", "tags_en"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "tags_text"}
        if update_fields is not None and "published" in update_fields:
            kwargs["update_fields"] = {*kwargs["update_fields"], "published_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("scenarios:detail", args=[self.pk])

    def _was_published(self) -> bool:
        return not self._state.adding and type(self).objects.filter(pk=self.pk, published=True).exists()

    def is_harassment_content(self) -> bool:
        """Harassment-prevention content: learners always confirm before they start it."""
        words = [str(self.category), *(str(tag) for tag in self.tags or [])]
        return self.category == Category.HARASSMENT or any(
            w in text.lower() for text in words for w in HARASSMENT_WORDS
        )

    def text(self, name: str, language: str | None = None) -> str:
        """Field ``name`` (one of ``TRANSLATED_FIELDS``) in ``language`` (default: the active one).

        English falls back to the Japanese text when the field has no English text.
        """
        japanese = str(getattr(self, name))
        if _reader_language(language) == "en":
            return str(getattr(self, f"{name}_en") or "").strip() or japanese
        return japanese

    def tags_for(self, language: str | None = None) -> list[str]:
        return list(self.tags_en or self.tags) if _reader_language(language) == "en" else list(self.tags)

    @property
    def display_title(self) -> str:
        return self.text("title")

    @property
    def display_description(self) -> str:
        return self.text("description")

    @property
    def display_ai_role(self) -> str:
        return self.text("ai_role")

    @property
    def display_learner_role(self) -> str:
        return self.text("learner_role")

    @property
    def display_situation(self) -> str:
        return self.text("situation")

    @property
    def display_tags(self) -> list[str]:
        return self.tags_for()

    @property
    def display_learning_points(self) -> list[str]:
        return self.learning_point_texts(language=_reader_language(None))

    @property
    def display_feedback_points(self) -> list[str]:
        return self.feedback_point_texts(language=_reader_language(None))

    def opening_line_for(self, language: str) -> str:
        """The scripted first line for a learner of ``language`` (English learners never get the Japanese one)."""
        if _reader_language(language) == "en":
            return self.opening_line_en.strip()
        return self.opening_line.strip()

    @property
    def is_new(self) -> bool:
        """Published by a trainer in the last ``NEW_FOR_DAYS`` days."""
        return self.published_at is not None and self.published_at >= timezone.now() - timedelta(days=NEW_FOR_DAYS)

    def learning_point_texts(self, language: str = "ja") -> list[str]:
        return [point.text_for(language) for point in self.learning_points.all()]

    def feedback_point_texts(self, language: str = "ja") -> list[str]:
        return [point.text_for(language) for point in self.feedback_points.all()]

    def _setting(self, key: str, language: str) -> str:
        """A free-form setting such as ``partner_name``; English reads ``<key>_en`` first."""
        settings = self.settings or {}
        english = str(settings.get(f"{key}_en", "") or "").strip() if language == "en" else ""
        return english or str(settings.get(key, "") or "").strip()

    def deadline_for(self, started_at: datetime) -> datetime | None:
        """When a play started at ``started_at`` runs out of time (``None``: no time limit)."""
        return started_at + timedelta(minutes=self.time_limit_minutes) if self.time_limit_minutes else None

    @property
    def is_reverse(self) -> bool:
        return self.role_type == RoleType.REVERSE

    def briefing_for(self, language: str | None = None) -> str:
        """What the learner is told about the situation (the partner's situation when none was written).

        An English reader never gets the Japanese briefing while an English situation exists."""
        if _reader_language(language) == "en":
            english = self.learner_briefing_en.strip() or self.situation_en.strip()
            return english or self.learner_briefing.strip() or self.situation
        return self.learner_briefing.strip() or self.situation

    @property
    def display_briefing(self) -> str:
        return self.briefing_for()

    def _partner_lines(self, lang: str) -> list[str]:
        """The partner's additional instructions: the scenario, in the third person (``scenarios.briefing``)."""
        words = PERSONA_INSTRUCTION_LABELS[lang]
        lines = [
            f"{words['scenario']}: {about_the_learner(self.text('title', lang), drop_instructions=False)}",
            about_the_learner(self.text("description", lang).strip()),
        ]
        if points := self.learning_point_texts(language=lang):
            points = [about_the_learner(point, drop_instructions=False) for point in points]
            lines.append(f"{words['points']}: " + " / ".join(points))
        if self.is_reverse:
            role = {"learner": self.text("learner_role", lang), "partner": self.text("ai_role", lang)}
            lines.append(words["reverse"].format(**role))
        if self.emotional_state:
            lines.append(f"{words['emotion']}: {EMOTION_WORDS[lang].get(self.emotional_state, '')}")
        for key, name in (("knows", "partner_knowledge"), ("reacts", "partner_reactions")):
            if text := about_the_learner(self.text(name, lang).strip(), drop_instructions=False):
                lines.append(f"{words[key]}: {text}")
        if self.learner_speaks_first:
            lines.append(words["learner_first"])
        elif opening := self.opening_line_for(lang):
            lines.append(f"{words['opening']}: " + (f"“{opening}”" if lang == "en" else f"「{opening}」"))
        if exchange := self._setting("opening_exchange", lang):
            lines.append(f"{words['exchange']}: {about_the_learner(exchange, drop_instructions=False)}")
        if hint := self.text("persona_hint", lang).strip():
            lines.append(f"{words['hint']}: {hint}")
        if trainer := self.text("partner_instructions", lang).strip():
            lines.append(f"{words['trainer']}:\n{trainer}")
        return [line for line in lines if line]

    def persona_fields(self, *, language: str = "ja") -> dict[str, str]:
        """What the partner's system prompt is built from (server-side data only), in ``language``.

        Never the learner's briefing: texts addressed to the learner are put in the third person."""
        lang = _reader_language(language)
        return {
            "role": about_the_learner(self.text("ai_role", lang), drop_instructions=False),
            "learner_role": about_the_learner(self.text("learner_role", lang), drop_instructions=False),
            "personality": about_the_learner(self.text("personality", lang), drop_instructions=False),
            "speaking_style": about_the_learner(self.text("speaking_style", lang), drop_instructions=False),
            "situation": about_the_learner(self.text("situation", lang)),
            "name": self._setting("partner_name", lang),
            "language": lang,
            "instructions": "\n".join(self._partner_lines(lang)),
        }

    def as_persona(self, *, language: str = "ja") -> Persona:
        """The scenario as the LLM gateway's ``Persona``."""
        return Persona(**self.persona_fields(language=language))


class ScenarioPoint(models.Model):
    text = models.CharField(_("text"), max_length=300)
    text_en = models.CharField(_("text (English)"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ("order", "id")

    def __str__(self) -> str:
        return self.text

    def text_for(self, language: str | None = None) -> str:
        if _reader_language(language) == "en":
            return self.text_en.strip() or self.text
        return self.text

    @property
    def display_text(self) -> str:
        return self.text_for()


class LearningPoint(ScenarioPoint):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="learning_points")

    class Meta(ScenarioPoint.Meta):
        verbose_name = _("learning point")
        verbose_name_plural = _("learning points")


class FeedbackPoint(ScenarioPoint):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="feedback_points")

    class Meta(ScenarioPoint.Meta):
        verbose_name = _("feedback point")
        verbose_name_plural = _("feedback points")


# Every text of a criterion that has an English twin ``<name>_en``.
CRITERION_TEXTS: tuple[str, ...] = (
    "name",
    "good",
    "good_example",
    "fair",
    "fair_example",
    "poor",
    "poor_example",
)
EXAMPLE_MAX_LENGTH = 200


class RubricCriterion(models.Model):
    """One criterion of a scenario's rubric: its weight and its behavioural anchors, what roughly 80
    (good), 50 (fair: partly there) and 20 (poor) look like, each with a short example line.

    Only good and poor are required: criteria imported from other shapes may have no middle anchor
    or example lines yet."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("criterion"), max_length=200)
    name_en = models.CharField(_("criterion (English)"), max_length=200, blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1, validators=[MinValueValidator(1)])
    good = models.TextField(_("what good looks like"))
    good_en = models.TextField(_("what good looks like (English)"), blank=True)
    good_example = models.CharField(
        _("example line (good)"),
        max_length=EXAMPLE_MAX_LENGTH,
        blank=True,
        help_text=_("A short line a learner might say at about 80."),
    )
    good_example_en = models.CharField(_("example line (good, English)"), max_length=EXAMPLE_MAX_LENGTH, blank=True)
    fair = models.TextField(_("what partly there looks like"), blank=True, help_text=_("The middle anchor: about 50."))
    fair_en = models.TextField(_("what partly there looks like (English)"), blank=True)
    fair_example = models.CharField(
        _("example line (partly there)"),
        max_length=EXAMPLE_MAX_LENGTH,
        blank=True,
        help_text=_("A short line a learner might say at about 50."),
    )
    fair_example_en = models.CharField(
        _("example line (partly there, English)"), max_length=EXAMPLE_MAX_LENGTH, blank=True
    )
    poor = models.TextField(_("what poor looks like"))
    poor_en = models.TextField(_("what poor looks like (English)"), blank=True)
    poor_example = models.CharField(
        _("example line (poor)"),
        max_length=EXAMPLE_MAX_LENGTH,
        blank=True,
        help_text=_("A short line a learner might say at about 20."),
    )
    poor_example_en = models.CharField(_("example line (poor, English)"), max_length=EXAMPLE_MAX_LENGTH, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ("order", "id")
        verbose_name = _("rubric criterion")
        verbose_name_plural = _("rubric criteria")
        constraints = [models.CheckConstraint(condition=models.Q(weight__gte=1), name="rubric_weight_positive")]

    def __str__(self) -> str:
        return self.name

    def text_for(self, name: str, language: str | None = None) -> str:
        """``name`` (one of ``CRITERION_TEXTS``) in ``language``; English falls back to the Japanese text."""
        japanese = str(getattr(self, name))
        if _reader_language(language) == "en":
            return str(getattr(self, f"{name}_en") or "").strip() or japanese
        return japanese

    def texts_for(self, language: str | None = None) -> dict[str, str]:
        """Every text of the criterion (``CRITERION_TEXTS``) in ``language``."""
        return {name: self.text_for(name, language) for name in CRITERION_TEXTS}

    @property
    def display_name(self) -> str:
        return self.text_for("name")

    @property
    def display_good(self) -> str:
        return self.text_for("good")

    @property
    def display_poor(self) -> str:
        return self.text_for("poor")


class ScenarioConsent(models.Model):
    """A learner confirmed they want to practise a sensitive scenario."""

    user = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scenario_consents"
    )
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="consents")
    consented_at = models.DateTimeField(_("consented at"), auto_now_add=True)

    class Meta:
        verbose_name = _("scenario consent")
        verbose_name_plural = _("scenario consents")
        constraints = [models.UniqueConstraint(fields=["user", "scenario"], name="scenario_consent_unique")]

    def __str__(self) -> str:
        return f"{self.user} → {self.scenario}"


class ScenarioPlay(models.Model):
    """One practice of a scenario: the scenario, the conversation it was played in, and its result.

    ``feedback_at`` is when the play's feedback was stored (an attempt that counts); ``rubric_total``
    (0–100) and ``passed`` are the scenario rubric's verdict on it, empty while there is none.
    """

    user = models.ForeignKey(django_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scenario_plays")
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="plays")
    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="scenario_play"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    feedback_at = models.DateTimeField(_("feedback at"), null=True, blank=True)
    rubric_total = models.PositiveSmallIntegerField(_("rubric total"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "scenario"], name="scenario_play_user_idx"),
            models.Index(fields=["scenario", "user", "feedback_at"], name="scenario_play_result_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.scenario} ({self.started_at:%Y-%m-%d})"
