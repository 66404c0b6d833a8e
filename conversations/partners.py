"""Chat partners and situations a learner picks for small-talk practice (server-side data)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    key: str
    label_ja: str
    label_en: str
    description: str
    speaking_style: str = ""
    description_en: str = ""
    speaking_style_en: str = ""

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_ja

    def describe(self, language: str) -> str:
        return (self.description_en or self.description) if language == "en" else self.description

    def style(self, language: str) -> str:
        return (self.speaking_style_en or self.speaking_style) if language == "en" else self.speaking_style


PARTNERS: tuple[Preset, ...] = (
    Preset(
        "同僚",
        "同僚",
        "Colleague",
        "同じチームで働く、気さくで話好きな同年代の同僚。",
        "「〜だよね」「〜かな」など親しみのある話し方。",
        "A friendly, chatty colleague of about your age on the same team.",
        'Casual and warm: "Right?", "I guess so."',
    ),
    Preset(
        "先輩",
        "先輩",
        "Senior colleague",
        "入社8年目の面倒見のよい先輩。忙しいが後輩の話はきちんと聞く。",
        "基本はくだけた口調だが、ときどき助言を交える。",
        "A supportive senior colleague in their eighth year. Busy, but always listens to junior staff.",
        "Mostly relaxed, with a piece of advice now and then.",
    ),
    Preset(
        "上司",
        "上司",
        "Manager",
        "40代の課長。落ち着いていて合理的、雑談も嫌いではない。",
        "丁寧すぎない「〜ですね」「〜かな」。要点を好む。",
        "A section manager in their forties. Calm and practical, and happy to make small talk.",
        "Polite but not stiff, and likes people to get to the point.",
    ),
    Preset(
        "後輩",
        "後輩",
        "Junior colleague",
        "今年入社した少し緊張気味の後輩。",
        "丁寧語で「〜です」「〜ですか？」と控えめに話す。",
        "A junior colleague who joined this year and is still a little nervous.",
        "Polite and modest, speaks in short, careful sentences.",
    ),
    Preset(
        "取引先",
        "取引先",
        "Client",
        "長く付き合いのある取引先の担当者。礼儀正しく、距離感を大切にする。",
        "ビジネス敬語で「〜でございます」「恐縮です」。",
        "Your long-standing contact at a client company. Courteous, and keeps a professional distance.",
        'Formal business English: "Thank you for your time", "I appreciate it."',
    ),
)

SITUATIONS: tuple[Preset, ...] = (
    Preset(
        "休憩中",
        "休憩中",
        "Coffee break",
        "オフィスの休憩スペースでコーヒーを淹れているところ。",
        description_en="Making coffee in the office break area.",
    ),
    Preset(
        "ランチ",
        "ランチ",
        "Lunch",
        "近くの定食屋で一緒に昼食をとっているところ。",
        description_en="Having lunch together at a small restaurant near the office.",
    ),
    Preset(
        "会議の後",
        "会議の後",
        "After a meeting",
        "定例会議が終わり、会議室から席に戻る途中。",
        description_en="Walking back to your desks after the weekly meeting.",
    ),
    Preset(
        "エレベーター",
        "エレベーター",
        "In the lift",
        "朝、エレベーターで偶然一緒になった。目的の階まで少し時間がある。",
        description_en="You happen to share the lift in the morning, with a few floors to go.",
    ),
    Preset(
        "飲み会",
        "飲み会",
        "After-work drinks",
        "部署の懇親会で隣の席になった。",
        description_en="Sitting next to each other at the department's after-work get-together.",
    ),
)

CUSTOM = "custom"
MAX_CUSTOM_LENGTH = 200


def find_preset(presets: tuple[Preset, ...], key: str) -> Preset | None:
    return next((preset for preset in presets if preset.key == key), None)
