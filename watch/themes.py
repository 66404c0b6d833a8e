"""What a watched conversation is about (themes) and who talks (personas): server-side presets.

A theme is one of the presets below or a published scenario (``scenario:<id>``); each persona is
a preset role with its personality and speaking style. Everything here reaches the model only
through ``llm.prompts.Persona``.
"""

from dataclasses import dataclass
from typing import Any

from llm.prompts import Persona

SCENARIO_PREFIX = "scenario:"


@dataclass(frozen=True)
class Theme:
    key: str
    label_ja: str
    label_en: str
    situation: str
    instructions: str
    personas: tuple[str, str]  # the personas suggested for it
    situation_en: str = ""
    instructions_en: str = ""

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_ja

    def brief(self, language: str) -> dict[str, str]:
        """The situation and instructions the personas get, in ``language``."""
        if language == "en":
            return {"situation": self.situation_en or self.situation, "instructions": self.instructions_en}
        return {"situation": self.situation, "instructions": self.instructions}


@dataclass(frozen=True)
class PersonaPreset:
    key: str
    role: str
    role_en: str
    personality: str
    speaking_style: str
    personality_en: str = ""
    speaking_style_en: str = ""

    def as_dict(self, model: str | None = None) -> dict[str, Any]:
        return {
            "key": self.key,
            "role": self.role,
            "role_en": self.role_en,
            "personality": self.personality,
            "personality_en": self.personality_en,
            "speaking_style": self.speaking_style,
            "speaking_style_en": self.speaking_style_en,
            "model": model or "",
        }


THEMES: tuple[Theme, ...] = (
    Theme(
        "report",
        "新人の報告",
        "A new hire reports",
        "入社3か月の新人が、担当している資料作成の進み具合と小さなミスを先輩に報告する。",
        "報告・連絡・相談の場面です。結論から話すこと、事実と意見を分けることが話題になります。",
        ("newcomer", "senior"),
        situation_en=(
            "A new hire, three months into the job, tells a senior colleague how the document they are preparing "
            "is going and owns up to a small mistake."
        ),
        instructions_en=(
            "A reporting scene. The talk turns on giving the conclusion first and keeping facts apart from opinions."
        ),
    ),
    Theme(
        "consult",
        "上司への相談",
        "Asking the manager for advice",
        "担当者が、締め切りが重なって困っていることを上司に相談する。",
        "相談の場面です。状況の説明、困っている点、自分の考えた案を順に伝える会話です。",
        ("colleague", "manager"),
        situation_en="A staff member asks their manager for advice because two deadlines now clash.",
        instructions_en=(
            "Asking for advice. The conversation covers the situation, what the problem is, and the options the "
            "staff member has thought of."
        ),
    ),
    Theme(
        "meeting",
        "会議での意見の対立",
        "Disagreement in a meeting",
        "新サービスの発売時期について、会議で二人の意見が分かれている。",
        "意見が対立する場面です。相手の意見を受け止めつつ、自分の根拠を示して歩み寄りを探ります。",
        ("colleague", "director"),
        situation_en="In a meeting, the two disagree about when to launch a new service.",
        instructions_en=(
            "A disagreement. Each side acknowledges the other's view, backs their own with reasons, and looks for "
            "common ground."
        ),
    ),
    Theme(
        "smalltalk",
        "雑談",
        "Small talk",
        "昼休み、オフィスの休憩スペースで二人が一緒になった。",
        "職場の雑談です。相手に関心を示し、話を広げ、相手にも話す機会を渡します。",
        ("colleague", "senior"),
        situation_en="At lunchtime, the two run into each other in the office break area.",
        instructions_en=(
            "Small talk at work. Show interest in the other person, build on what they say, and give them room to talk."
        ),
    ),
    Theme(
        "negotiation",
        "取引先との交渉",
        "Negotiating with a client",
        "取引先の担当者が値下げを求め、営業担当が条件を調整しようとしている。",
        "交渉の場面です。相手の事情を尋ね、譲れる点と譲れない点をはっきりさせ、合意を探ります。",
        ("sales", "client"),
        situation_en=(
            "A client's buyer is asking for a lower price, and the sales representative is trying to adjust the terms."
        ),
        instructions_en=(
            "A negotiation. Ask about the other side's circumstances, be clear about what can and cannot move, and "
            "look for an agreement."
        ),
    ),
)

PERSONAS: tuple[PersonaPreset, ...] = (
    PersonaPreset(
        "newcomer",
        "新人",
        "New hire",
        "入社3か月目。まじめで意欲的だが、少し緊張しやすい。",
        "丁寧語で「〜です」「〜でしょうか」。少し遠慮がち。",
        personality_en="Three months into the job. Earnest and eager, but gets a little nervous.",
        speaking_style_en='Polite and a little hesitant: "Would it be all right if I…?"',
    ),
    PersonaPreset(
        "senior",
        "先輩",
        "Senior colleague",
        "入社8年目。面倒見がよく、要点を押さえた助言をする。",
        "くだけすぎない口調で「〜だね」「〜してみようか」。",
        personality_en="In their eighth year. Supportive, and gives advice that gets to the point.",
        speaking_style_en='Friendly without being too casual: "Shall we try it this way?"',
    ),
    PersonaPreset(
        "colleague",
        "同僚",
        "Colleague",
        "同じチームの同年代。率直で前向き。",
        "親しみのある「〜だよね」「〜かな」。",
        personality_en="A teammate of about the same age. Frank and upbeat.",
        speaking_style_en='Casual and warm: "Right?", "I guess so."',
    ),
    PersonaPreset(
        "manager",
        "上司（課長）",
        "Manager",
        "40代の課長。落ち着いていて合理的。結論を先に聞きたがる。",
        "「〜ですね」「それで、どうしたいですか？」と簡潔に。",
        personality_en="A section manager in their forties. Calm and practical; wants the conclusion first.",
        speaking_style_en='Brief: "I see. So what would you like to do?"',
    ),
    PersonaPreset(
        "director",
        "部長",
        "Director",
        "50代の部長。慎重で、数字と根拠を重視する。",
        "丁寧だが重みのある話し方。「根拠は何ですか」とよく聞く。",
        personality_en="A department director in their fifties. Careful, and values figures and evidence.",
        speaking_style_en='Polite but weighty; often asks "What is that based on?"',
    ),
    PersonaPreset(
        "sales",
        "営業担当",
        "Sales representative",
        "入社5年目の営業。相手の事情を聞くのが得意で粘り強い。",
        "ビジネス敬語で「恐れ入りますが」「ご事情を伺えますか」。",
        personality_en=(
            "A sales representative in their fifth year. Good at drawing out the other side's situation, and "
            "persistent."
        ),
        speaking_style_en=(
            'Courteous business English: "I\'m sorry to ask, but could you tell me a little about your situation?"'
        ),
    ),
    PersonaPreset(
        "client",
        "取引先の担当者",
        "Client",
        "取引先の購買担当。予算に厳しく、はっきり要求を伝える。",
        "礼儀正しいが率直に「正直に申し上げて」「難しいですね」。",
        personality_en="A purchasing manager at a client company. Strict about budgets and states demands plainly.",
        speaking_style_en='Polite but frank: "To be honest…", "That would be difficult."',
    ),
)

WATCH_INSTRUCTIONS = {
    "ja": "あなたは職場の会話の見本を見せる二人のうちの一人です。相手の発言に自然に応じ、1〜3文で短く話してください。",
    "en": "You are one of two people showing a workplace conversation. Answer the other person naturally "
    "in one to three short sentences.",
}


def theme_for(key: str) -> Theme | None:
    return next((theme for theme in THEMES if theme.key == key), None)


def persona_preset(key: str) -> PersonaPreset | None:
    return next((persona for persona in PERSONAS if persona.key == key), None)


def _field(persona: dict[str, Any], name: str, language: str) -> str:
    """A persona's text in ``language``; English falls back to the Japanese text (sessions started before)."""
    english = str(persona.get(f"{name}_en") or "") if language == "en" else ""
    return english or str(persona.get(name, ""))


def persona_prompt(
    personas: list[dict[str, Any]], seat: int, *, situation: str, instructions: str, language: str
) -> Persona:
    """The prompt persona of ``seat``: its role, speaking to the other seat's role, in the theme."""
    me, other = personas[seat], personas[1 - seat]
    lang = "en" if language == "en" else "ja"
    role_key = "role_en" if lang == "en" else "role"
    extra = WATCH_INSTRUCTIONS[lang]
    return Persona(
        role=str(me.get(role_key) or me.get("role", "")),
        learner_role=str(other.get(role_key) or other.get("role", "")),
        personality=_field(me, "personality", lang),
        speaking_style=_field(me, "speaking_style", lang),
        situation=situation,
        language=lang,
        instructions=f"{instructions}\n{extra}".strip(),
    )
