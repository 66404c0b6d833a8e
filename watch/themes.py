"""What a watched conversation is about (themes) and who talks (personas): server-side presets.

A theme is one of the presets below or a published scenario (``scenario:<id>``); each persona is
a preset role with its personality and speaking style. Everything here reaches the model only
through ``workplace_roleplay.llm.prompts.Persona``.
"""

from dataclasses import dataclass
from typing import Any

from workplace_roleplay.llm.prompts import Persona

SCENARIO_PREFIX = "scenario:"


@dataclass(frozen=True)
class Theme:
    key: str
    label_ja: str
    label_en: str
    situation: str
    instructions: str
    personas: tuple[str, str]  # the personas suggested for it

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_ja


@dataclass(frozen=True)
class PersonaPreset:
    key: str
    role: str
    role_en: str
    personality: str
    speaking_style: str

    def as_dict(self, model: str | None = None) -> dict[str, Any]:
        return {
            "key": self.key,
            "role": self.role,
            "role_en": self.role_en,
            "personality": self.personality,
            "speaking_style": self.speaking_style,
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
    ),
    Theme(
        "consult",
        "上司への相談",
        "Asking the manager for advice",
        "担当者が、締め切りが重なって困っていることを上司に相談する。",
        "相談の場面です。状況の説明、困っている点、自分の考えた案を順に伝える会話です。",
        ("colleague", "manager"),
    ),
    Theme(
        "meeting",
        "会議での意見の対立",
        "Disagreement in a meeting",
        "新サービスの発売時期について、会議で二人の意見が分かれている。",
        "意見が対立する場面です。相手の意見を受け止めつつ、自分の根拠を示して歩み寄りを探ります。",
        ("colleague", "director"),
    ),
    Theme(
        "smalltalk",
        "雑談",
        "Small talk",
        "昼休み、オフィスの休憩スペースで二人が一緒になった。",
        "職場の雑談です。相手に関心を示し、話を広げ、相手にも話す機会を渡します。",
        ("colleague", "senior"),
    ),
    Theme(
        "negotiation",
        "取引先との交渉",
        "Negotiating with a client",
        "取引先の担当者が値下げを求め、営業担当が条件を調整しようとしている。",
        "交渉の場面です。相手の事情を尋ね、譲れる点と譲れない点をはっきりさせ、合意を探ります。",
        ("sales", "client"),
    ),
)

PERSONAS: tuple[PersonaPreset, ...] = (
    PersonaPreset(
        "newcomer",
        "新人",
        "New hire",
        "入社3か月目。まじめで意欲的だが、少し緊張しやすい。",
        "丁寧語で「〜です」「〜でしょうか」。少し遠慮がち。",
    ),
    PersonaPreset(
        "senior",
        "先輩",
        "Senior colleague",
        "入社8年目。面倒見がよく、要点を押さえた助言をする。",
        "くだけすぎない口調で「〜だね」「〜してみようか」。",
    ),
    PersonaPreset(
        "colleague",
        "同僚",
        "Colleague",
        "同じチームの同年代。率直で前向き。",
        "親しみのある「〜だよね」「〜かな」。",
    ),
    PersonaPreset(
        "manager",
        "上司（課長）",
        "Manager",
        "40代の課長。落ち着いていて合理的。結論を先に聞きたがる。",
        "「〜ですね」「それで、どうしたいですか？」と簡潔に。",
    ),
    PersonaPreset(
        "director",
        "部長",
        "Director",
        "50代の部長。慎重で、数字と根拠を重視する。",
        "丁寧だが重みのある話し方。「根拠は何ですか」とよく聞く。",
    ),
    PersonaPreset(
        "sales",
        "営業担当",
        "Sales representative",
        "入社5年目の営業。相手の事情を聞くのが得意で粘り強い。",
        "ビジネス敬語で「恐れ入りますが」「ご事情を伺えますか」。",
    ),
    PersonaPreset(
        "client",
        "取引先の担当者",
        "Client",
        "取引先の購買担当。予算に厳しく、はっきり要求を伝える。",
        "礼儀正しいが率直に「正直に申し上げて」「難しいですね」。",
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
        personality=str(me.get("personality", "")),
        speaking_style=str(me.get("speaking_style", "")),
        situation=situation,
        language=lang,
        instructions=f"{instructions}\n{extra}".strip(),
    )
