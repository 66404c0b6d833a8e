"""The offline demo partner's replies: in character, from the persona and the learner's last line."""

from __future__ import annotations

from typing import Any

from llm.demo.reading import (
    _CASUAL_STYLE,
    _CUSTOMER_ROLE,
    _JAPANESE,
    _SENIOR_ROLE,
    _TOKEN,
    DemoPersona,
    _fragment,
    _has,
    _learner_lines,
    _stable,
    _system,
    read_persona,
)

# --- partner replies --------------------------------------------------------------------------

def _intent(line: str) -> str:
    lowered = line.lower().strip()
    if _has(lowered, ("ありがとう", "助かりました", "感謝", "thank")):
        return "thanks"
    if _has(lowered, ("すみません", "申し訳", "ごめん", "失礼しました", "sorry", "apolog")):
        return "apology"
    if lowered.endswith(("?", "？", "か", "か。")) or _has(lowered, ("ですか", "ますか", "でしょうか")):
        return "question"
    if _has(lowered, ("おはよう", "こんにちは", "こんばんは", "お疲れ", "hello", "good morning", "hi ")):
        return "greeting"
    return "statement"


_JA = {
    "polite": {
        "open": "お疲れさまです。{intro}{scene}最近、お仕事の調子はいかがですか？",
        "intro": "{name}です。",
        "scene": "「{situation}」ということで、少しお話ししましょうか。",
        "thanks": "どういたしまして。お役に立ててよかったです。{follow}",
        "apology": "大丈夫ですよ、気にしないでください。{follow}",
        "apology_senior": "事情はわかりました。次はどうすれば防げそうですか？",
        "question": "「{frag}」ですね。そうですね、まずは状況を整理してから決めるのがいいと思います。{follow}",
        "greeting": "お疲れさまです。{follow}",
        "statement": "なるほど、「{frag}」ということですね。{follow}",
        "follow": (
            "もう少し詳しく聞かせてもらえますか？",
            "それで、どう進めるつもりですか？",
            "そのとき、どう感じましたか？",
        ),
        "follow_senior": (
            "期限はいつまでにできそうですか？",
            "具体的には、何から始めますか？",
            "困っていることがあれば教えてください。",
        ),
        "follow_customer": (
            "こちらとしては、できるだけ早く対応していただきたいのですが。",
            "具体的な見通しを教えていただけますか？",
            "次に同じことが起きないか心配です。",
        ),
    },
    "casual": {
        "open": "お疲れ！{intro}{scene}最近どう？",
        "intro": "{name}だよ。",
        "scene": "「{situation}」だし、ちょっと話そうか。",
        "thanks": "いえいえ、役に立ててよかった。{follow}",
        "apology": "大丈夫だよ、気にしないで。{follow}",
        "apology_senior": "わかった。次はどうしたら防げそう？",
        "question": "「{frag}」かあ。うーん、まずは状況を整理してから決めるのがいいと思うよ。{follow}",
        "greeting": "お疲れ！{follow}",
        "statement": "なるほどね、「{frag}」ってことか。{follow}",
        "follow": ("もうちょっと詳しく聞かせて？", "それで、どうするつもり？", "そのとき、どう思った？"),
        "follow_senior": ("いつまでにできそう？", "まず何から始める？", "困ってることがあったら言ってね。"),
        "follow_customer": (
            "できるだけ早く対応してほしいんだけど。",
            "見通しはどんな感じ？",
            "また同じことが起きないか心配だな。",
        ),
    },
}
_EN = {
    "open": "Hi there. {intro}{scene}How has work been going lately?",
    "intro": "I'm {name}. ",
    "scene": "Since we're in this situation ({situation}), let's have a quick chat. ",
    "thanks": "You're welcome, glad it helped. {follow}",
    "apology": "That's all right, don't worry about it. {follow}",
    "apology_senior": "I see what happened. What would stop it happening again?",
    "question": '"{frag}" — good question. I\'d start by getting the facts straight before deciding. {follow}',
    "greeting": "Hello! {follow}",
    "statement": 'I see, so "{frag}". {follow}',
    "follow": ("Could you tell me a bit more?", "So how do you plan to go about it?", "How did that feel at the time?"),
    "follow_senior": (
        "When do you think you can have it done?",
        "Where will you start?",
        "Let me know if anything is getting in your way.",
    ),
    "follow_customer": (
        "We'd really like this handled as soon as possible.",
        "Can you give me a concrete timeline?",
        "I'm worried this will happen again.",
    ),
}


def _templates(persona: DemoPersona) -> dict[str, Any]:
    if persona.lang == "en":
        return _EN
    casual = _has(persona.get("speaking_style") + persona.get("personality"), _CASUAL_STYLE) > 0
    return _JA["casual" if casual else "polite"]


def _stance(persona: DemoPersona) -> str:
    role = persona.get("role")
    if _has(role, _CUSTOMER_ROLE):
        return "customer"
    return "senior" if _has(role, _SENIOR_ROLE) else ""


def _setup_text(persona: DemoPersona, name: str, limit: int) -> str:
    """A persona field to quote in the opening line; an English partner never quotes Japanese text."""
    text = " ".join(persona.get(name).split())
    if persona.lang != "en":
        return text[:limit]
    if _JAPANESE.search(text):
        return ""
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + "…"
    text = text.rstrip(".!? ")
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _opening(persona: DemoPersona, words: dict[str, Any]) -> str:
    name, situation = _setup_text(persona, "name", 40), _setup_text(persona, "situation", 80)
    intro = words["intro"].format(name=name) if name else ""
    scene = words["scene"].format(situation=situation) if situation else ""
    return str(words["open"].format(intro=intro, scene=scene))


def reply_text(messages: object) -> str:
    """The partner's next line, in character."""
    persona = read_persona(_system(messages))
    words = _templates(persona)
    lines = _learner_lines(messages)
    if not lines:
        return _opening(persona, words)
    last, stance = lines[-1], _stance(persona)
    intent = _intent(last)
    if intent == "apology" and stance == "senior":
        return str(words["apology_senior"])
    follows = words.get(f"follow_{stance}", words["follow"]) if stance else words["follow"]
    follow = follows[_stable(last + str(len(lines))) % len(follows)]
    fragment = _fragment(last, 24 if persona.lang == "ja" else 60) or "…"
    return str(words[intent].format(frag=fragment, follow=follow)).strip()


def tokens(text: str) -> list[str]:
    """Small pieces that join back to exactly ``text`` (a word, or up to three characters)."""
    return _TOKEN.findall(text) or [text]
