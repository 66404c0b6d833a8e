"""Chat partners and situations a learner picks for small-talk practice (server-side data)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    key: str
    label_ja: str
    label_en: str
    description: str
    speaking_style: str = ""

    def label(self, language: str) -> str:
        return self.label_ja if language == "ja" else self.label_en


PARTNERS: tuple[Preset, ...] = (
    Preset(
        "同僚",
        "同僚",
        "Colleague",
        "同じチームで働く、気さくで話好きな同年代の同僚。",
        "「〜だよね」「〜かな」など親しみのある話し方。",
    ),
    Preset(
        "先輩",
        "先輩",
        "Senior colleague",
        "入社8年目の面倒見のよい先輩。忙しいが後輩の話はきちんと聞く。",
        "基本はくだけた口調だが、ときどき助言を交える。",
    ),
    Preset(
        "上司",
        "上司",
        "Manager",
        "40代の課長。落ち着いていて合理的、雑談も嫌いではない。",
        "丁寧すぎない「〜ですね」「〜かな」。要点を好む。",
    ),
    Preset(
        "後輩",
        "後輩",
        "Junior colleague",
        "今年入社した少し緊張気味の後輩。",
        "丁寧語で「〜です」「〜ですか？」と控えめに話す。",
    ),
    Preset(
        "取引先",
        "取引先",
        "Client",
        "長く付き合いのある取引先の担当者。礼儀正しく、距離感を大切にする。",
        "ビジネス敬語で「〜でございます」「恐縮です」。",
    ),
)

SITUATIONS: tuple[Preset, ...] = (
    Preset("休憩中", "休憩中", "Coffee break", "オフィスの休憩スペースでコーヒーを淹れているところ。"),
    Preset("ランチ", "ランチ", "Lunch", "近くの定食屋で一緒に昼食をとっているところ。"),
    Preset("会議の後", "会議の後", "After a meeting", "定例会議が終わり、会議室から席に戻る途中。"),
    Preset(
        "エレベーター",
        "エレベーター",
        "In the lift",
        "朝、エレベーターで偶然一緒になった。目的の階まで少し時間がある。",
    ),
    Preset("飲み会", "飲み会", "After-work drinks", "部署の懇親会で隣の席になった。"),
)

CUSTOM = "custom"
MAX_CUSTOM_LENGTH = 200


def find_preset(presets: tuple[Preset, ...], key: str) -> Preset | None:
    return next((preset for preset in presets if preset.key == key), None)
