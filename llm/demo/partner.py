"""The offline demo partner's replies: in character, answering what the learner's line says.

It reads the persona (role, personality, speaking style) into a :class:`Character`: which side of
the conversation it is on (a manager or customer the learner answers to, a junior or someone who
came for help, a colleague), its register, and how it takes things (presses, brushes off, takes
things warmly, is hostile). Each reply is a reaction to the content of the learner's last line
(``analysis.read_line``: a report, apology, request, boundary, question, thanks, small talk, a
promise with a date) and, when the reaction asks nothing, the character's next move (a question
it has not asked yet); after six learner lines, or when the learner wraps up, it moves to close.
It never quotes the learner's line and never says a sentence it has already said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from llm.demo.analysis import LineReading, read_line
from llm.demo.lines import LINES
from llm.demo.reading import _TOKEN, DemoPersona, _learner_lines, _stable, _system, read_persona

CLOSING_TURN = 6

_SIDES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("consultee", ("相談に来た", "悩んで", "怒鳴られた", "came for advice", "troubled", "who was shouted", "yelled")),
    ("follow", ("後輩", "部下", "新人", "1年目", "一年目", "2年目", "junior", "subordinate", "new hire", "report")),
    ("customer", ("顧客", "お客", "取引先", "利用者", "クライアント", "メーカー", "customer", "client", "supplier")),
    (
        "lead",
        (
            "上司",
            "課長",
            "部長",
            "先輩",
            "主任",
            "取締役",
            "社長",
            "役員",
            "リーダー",
            "司会",
            "manager",
            "boss",
            "senior",
            "lead",
            "director",
            "executive",
            "chair",
            "head of",
        ),
    ),  # fmt: skip
)
_POLITE_STYLE = ("丁寧", "敬語", "polite", "formal")
_CASUAL_STYLE = (
    "くだけ",
    "フランク",
    "ノリ",
    "タメ口",
    "カジュアル",
    "砕け",
    "気さく",
    "乱暴",
    "casual",
    "informal",
    "breezy",
)
_BRUSH_OFF = ("流そう", "流す", "冗談なのに", "はぐらか", "brush it off", "brushes it off", "just a joke")
_STRICT = ("厳しい", "詰め", "嫌う", "いら立", "苛立", "不満", "怒", "警戒", "消極的", "譲らない", "strict", "press",
           "demanding", "impatient", "angry", "reluctant")  # fmt: skip
_HOSTILE = ("暴言", "乱暴", "威圧", "言い負か", "abusive", "insult", "intimidat")


@dataclass
class Character:
    lang: str
    side: str  # "lead", "customer", "follow", "consultee" or "peer"
    register: str  # "polite", "casual" or "en"
    strict: bool = False
    brush_off: bool = False
    hostile: bool = False

    @property
    def group(self) -> str:
        """The side whose lines it speaks ("consultee" answers as "follow" where it has no lines of its own)."""
        return self.side


def read_character(persona: DemoPersona) -> Character:
    role, personality = persona.get("role"), persona.get("personality") + " " + persona.get("instructions")
    style = persona.get("speaking_style")
    side = next((name for name, words in _SIDES if _mentions(role.lower(), words)), "peer")
    character = Character(lang=persona.lang, side=side, register="en" if persona.lang == "en" else _register(style))
    character.strict = _mentions(personality + style, _STRICT)
    character.brush_off = _mentions(personality, _BRUSH_OFF)
    character.hostile = _mentions(role + personality + style, _HOSTILE)
    return character


def _mentions(text: str, words: tuple[str, ...]) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in words)


def _register(style: str) -> str:
    """Polite unless the speaking style says or shows otherwise (its quoted lines are read too)."""
    if _mentions(style, _POLITE_STYLE):
        return "polite"
    if _mentions(style, _CASUAL_STYLE):
        return "casual"
    quoted = [part.split("」")[0] for part in style.split("「")[1:]]
    registers = [read_line(line).register for line in quoted if line]
    return "casual" if registers.count("casual") > registers.count("polite") else "polite"


@dataclass
class Conversation:
    """What the partner keeps track of: the learner's lines read, its own lines, what was said."""

    character: Character
    learner: list[LineReading]
    own: list[str]
    used: set[str] = field(default_factory=set)

    @property
    def turn(self) -> int:
        return len(self.learner)

    @property
    def last(self) -> LineReading:
        return self.learner[-1]

    @property
    def dates(self) -> list[str]:
        """The dates and times the learner committed to (a date in a promise)."""
        return [date for line in self.learner if line.promise for date in line.dates]

    def said(self, text: str) -> bool:
        """Whether any sentence of ``text`` was said already (in an earlier line or this one)."""
        own = {part for line in [*self.own, *self.used] for part in _split(line)}
        return any(part in own for part in _split(text))

    def answer(self, key: str) -> str:
        """The pool's sentence that fits the learner's question best (then any sentence not said yet)."""
        asked = self.last.text.lower()
        for question_words, answer_words in _ANSWER_HINTS:
            if any(word in asked for word in question_words):
                for sentence in _pool(key, self.character.register):
                    if any(word in sentence for word in answer_words) and not self.said(sentence):
                        self.used.add(sentence)
                        return sentence
        return self.pick(key, self.turn)

    def pick(self, key: str, salt: int = 0) -> str:
        """The first sentence of the pool not said yet (starting at a stable place); "" when all were."""
        pool = _pool(key, self.character.register)
        start = (_stable(self.character.side + key) + salt) % max(len(pool), 1)
        for offset in range(len(pool)):
            sentence = pool[(start + offset) % len(pool)]
            date = self.dates[-1] if self.dates else ""
            filled = sentence.replace("{date}", date)
            if "{date}" in sentence and not self.dates:
                continue
            if not self.said(filled):
                self.used.add(filled)
                return filled
        return ""


_SENTENCE = re.compile(r"[^。！？!?.]+[。！？!?.…」]*")


def _split(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE.findall(text) if part.strip(" 。！？!?…")]


# A question's words and the words of the answer that fits it ("どこのお店？" -> the shop by the station).
_ANSWER_HINTS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("店", "どこ", "where", "place"), ("店", "駅前", "station")),
    (("週末", "休み", "weekend"), ("週末", "weekend")),
    (("そちら", "そっち", "あなた", "どう", "how about you", "and you"), ("バタバタ", "まあまあ", "hectic", "Not bad")),
    (("いつ", "when"), ("今週中", "金曜日", "Friday", "this week")),
)


def _pool(key: str, register: str) -> tuple[str, ...]:
    pool = LINES.get(key) or {}
    return pool.get(register) or pool.get("polite") or ()


def reply_text(messages: object) -> str:
    """The partner's next line, in character."""
    persona = read_persona(_system(messages))
    character = read_character(persona)
    learner = [read_line(line) for line in _learner_lines(messages)]
    if not learner:
        return _opening(persona, character)
    own = [line for line in _assistant_lines(messages) if line]
    talk = Conversation(character, learner, own)
    reaction = _react(talk)
    parts = [reaction] if reaction else []
    closing = talk.turn >= CLOSING_TURN or talk.last.closing
    if closing:
        parts.append(_closing(talk))
    elif not reaction.endswith(("？", "?")) and not _still_brushing_off(talk) and not talk.last.attention:
        parts.append(_next_move(talk))
    return _joined(talk, *parts) or _fallback(talk)


def _assistant_lines(messages: object) -> list[str]:
    if not isinstance(messages, list):
        return []
    return [str(m.get("content") or "") for m in messages if isinstance(m, dict) and m.get("role") == "assistant"]


def _react(talk: Conversation) -> str:
    line, character = talk.last, talk.character
    side = "customer" if character.side == "customer" else "follow" if character.side in ("follow", "consultee") else ""
    if line.empty or line.injection or _wrong_language(talk):
        return talk.pick("not_japanese" if _wrong_language(talk) and not line.empty else "unclear", talk.turn)
    if line.closing and not (line.trouble or line.boundary or line.questions):
        return ""  # the learner wraps up: the character answers with its closing line alone
    if line.attention and not line.first_point or line.attention and talk.turn == 1 and not line.trouble:
        return talk.pick("attention.customer" if side == "customer" else "attention")
    if line.boundary or (
        character.brush_off and _accepted(talk) and not (line.trouble or line.request or line.questions)
    ):
        return _boundary(talk)
    if side == "follow":
        return _react_as_follow(talk, line)
    if character.hostile and not (line.apology or line.promise):
        return talk.pick("statement.hostile", talk.turn)
    return _react_as_lead(talk, line, side)


def _wrong_language(talk: Conversation) -> bool:
    return talk.character.lang == "ja" and not talk.last.japanese and not talk.last.empty


def _react_as_lead(talk: Conversation, line: LineReading, side: str) -> str:
    lead = "customer" if side == "customer" else "lead"
    if line.promise and line.dates:
        return talk.pick("promise", talk.turn)
    if line.trouble and line.apology:
        if talk.character.side == "peer" and not talk.character.strict:
            return talk.pick("apology") or talk.pick(f"report.{lead}")  # a colleague takes it lightly
        return talk.pick(f"apology.{lead}" if talk.character.strict or lead == "customer" else f"report.{lead}")
    if line.trouble:
        return talk.pick(f"report.{lead}")
    if line.apology:
        return talk.pick(f"apology.{lead}" if talk.character.side in ("lead", "customer") else "apology")
    if line.empathy and lead == "customer" and not line.questions:
        return talk.pick("empathy.customer") or talk.pick("statement", talk.turn)
    if line.care:
        return talk.pick("care") or talk.pick("thanks")
    if line.hardship and not line.questions and not _on_business(talk):
        return talk.pick("hardship", talk.turn) or talk.pick("statement", talk.turn)
    if line.consult:
        return _joined(talk, talk.pick("consult.lead"), talk.pick("answer.lead"))
    if line.proposal:
        return talk.pick("request.yes") or talk.pick("statement", talk.turn)
    if line.request:
        return _answer_request(talk)
    if line.refusal:
        return talk.pick("refusal.lead")
    business = _on_business(talk) or talk.character.side != "peer"
    return _react_common(talk, line, "answer.lead" if business else "answer.peer")


def _react_as_follow(talk: Conversation, line: LineReading) -> str:
    answers = "answer.consultee" if talk.character.side == "consultee" else "answer.follow"
    if line.trouble or line.blame:
        return talk.pick("guided.follow") or talk.pick(answers, talk.turn)
    if line.proposal:
        return talk.pick("proposal.follow") or talk.pick("request.follow")
    invitation = ("話して", "教えて", "言って", "相談して", "let me know", "tell me")
    if line.request and not any(word in line.text.lower() for word in invitation):
        return talk.pick("request.follow")
    if line.empathy and not line.questions:
        return talk.pick("empathy.follow") or talk.pick(answers, talk.turn)
    if line.thanks or line.positive >= 2:
        return talk.pick("thanks.follow") or talk.pick(answers, talk.turn)
    if line.apology:
        return talk.pick("apology")
    if line.questions or line.consult:
        return talk.pick(answers, talk.turn)
    return _react_common(talk, line, answers)


def _react_common(talk: Conversation, line: LineReading, answers: str) -> str:
    if line.questions and line.smalltalk:
        return talk.pick("answer.smalltalk", talk.turn) or talk.pick(answers, talk.turn)
    if line.questions:
        if "いつ" in line.text or "when" in line.text.lower():
            return talk.pick("answer.when") or talk.answer(answers)
        return talk.answer(answers)
    if line.thanks:
        return talk.pick("thanks")
    if line.greeting and talk.turn <= 2:
        return _joined(talk, talk.pick("greeting"), talk.pick("smalltalk", talk.turn))
    if line.smalltalk:
        return talk.pick("smalltalk", talk.turn)
    if line.promise:
        return talk.pick("promise", talk.turn) or talk.pick("statement", talk.turn)
    return talk.pick("statement", talk.turn)


def _joined(talk: Conversation, *parts: str) -> str:
    return ("" if talk.character.lang == "ja" else " ").join(part for part in parts if part)


def _answer_request(talk: Conversation) -> str:
    character, line = talk.character, talk.last
    asked_before = sum(1 for reading in talk.learner[:-1] if reading.request)
    if character.strict and asked_before == 0 and not (line.cushion and line.dates):
        return talk.pick("request.condition")
    if character.side == "customer" and asked_before == 0:
        return talk.pick("request.condition")
    return talk.pick("request.yes") or talk.pick("request.condition")


def _boundary(talk: Conversation) -> str:
    character = talk.character
    if character.hostile:
        return talk.pick("boundary.hostile")
    earlier = sum(1 for reading in talk.learner[:-1] if reading.boundary)
    if _accepted(talk):
        return talk.pick("boundary.accepted", talk.turn) or talk.pick("statement", talk.turn)
    if character.brush_off and earlier == 0:
        return talk.pick("boundary.brush_off")
    return _joined(talk, *_pool("boundary.accept", character.register))


def _accepted(talk: Conversation) -> bool:
    return any(_said_any(talk, "boundary.accept", register=talk.character.register))


def _said_any(talk: Conversation, key: str, *, register: str) -> list[bool]:
    return [talk.said(sentence) for sentence in _pool(key, register)]


def _still_brushing_off(talk: Conversation) -> bool:
    """After brushing a boundary off, the character waits for the learner to insist (asks nothing)."""
    return any(_said_any(talk, "boundary.brush_off", register=talk.character.register)) and not any(
        _said_any(talk, "boundary.accept", register=talk.character.register)
    )


_TOPIC_MOVES = {
    "trouble": ("cause", "date", "plan", "prevent", "need"),
    "request": ("reason", "date", "need"),
    "default": ("need", "plan"),
}


def _next_move(talk: Conversation) -> str:
    character = talk.character
    if any(line.boundary for line in talk.learner):
        return ""  # after a boundary the character has nothing to ask of the learner
    if character.side in ("follow", "consultee"):
        return talk.pick("ask.follow", talk.turn) if talk.turn % 2 == 0 else ""
    chatting = any(line.smalltalk or line.greeting for line in talk.learner[-1:]) or character.side == "peer"
    if chatting and not _on_business(talk):
        return talk.pick("ask.smalltalk", talk.turn)
    for move in _moves(talk):
        key = f"ask.{move}.{'customer' if character.side == 'customer' else 'lead'}"
        if not _pool(key, character.register):
            key = f"ask.{move}.lead"
        question = talk.pick(key)
        if question:
            return question
    return talk.pick("ask.more", talk.turn)


def _on_business(talk: Conversation) -> bool:
    return any(line.trouble or line.request or line.consult or line.apology for line in talk.learner)


def _moves(talk: Conversation) -> list[str]:
    topic = "trouble" if any(line.trouble or line.apology for line in talk.learner) else ""
    topic = topic or ("request" if any(line.request for line in talk.learner) else "default")
    moves = list(_TOPIC_MOVES[topic])
    if talk.character.side == "customer":
        moves = [move for move in moves if move != "need"]
    if talk.dates:
        moves = [move for move in moves if move != "date"]
    if any(word in line.text for line in talk.learner for word in ("原因", "ため", "because", "since")):
        moves = [move for move in moves if move != "cause"]
    return moves


def _closing(talk: Conversation) -> str:
    side = talk.character.side
    key = {"customer": "closing.customer", "follow": "closing.follow", "consultee": "closing.follow"}.get(side)
    key = key or ("closing.lead" if side == "lead" else "closing.peer")
    if talk.dates and side in ("lead", "customer", "peer") and not talk.last.boundary:
        dated = talk.pick("closing.date")
        if dated:
            return dated
    return talk.pick(key, talk.turn) or talk.pick("statement", talk.turn)


def _fallback(talk: Conversation) -> str:
    """With every sentence of its pools said, the character still answers something new and short."""
    base = _pool("statement", talk.character.register)
    extra = (
        ("うーん。", "そうですか……。", "はい。", "ええ。") if talk.character.lang == "ja" else ("Hm.", "Right.", "OK.")
    )
    for sentence in (*extra, *base):
        if not talk.said(sentence) and all(line.strip() != sentence for line in talk.own):
            return sentence
    return extra[talk.turn % len(extra)]


# --- the opening line ---------------------------------------------------------------------------
_OPENINGS = {
    "polite": "お疲れさまです。{intro}{scene}最近、お仕事の調子はいかがですか？",
    "casual": "お疲れ！{intro}{scene}最近どう？",
    "en": "Hi there. {intro}{scene}How has work been going lately?",
}
_INTRO = {"polite": "{name}です。", "casual": "{name}だよ。", "en": "I'm {name}. "}
_SCENE = {
    "polite": "「{situation}」ということで、少しお話ししましょうか。",
    "casual": "「{situation}」だし、ちょっと話そうか。",
    "en": "Since we're in this situation ({situation}), let's have a quick chat. ",
}


def _setup_text(persona: DemoPersona, name: str, limit: int) -> str:
    """A persona field to quote in the opening line; an English partner never quotes Japanese text."""
    text = " ".join(persona.get(name).split())
    if persona.lang != "en":
        return text[:limit]
    if any("\u3040" <= char <= "\u9fff" for char in text):
        return ""
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + "…"
    text = text.rstrip(".!? ")
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _opening(persona: DemoPersona, character: Character) -> str:
    register = character.register
    name, situation = _setup_text(persona, "name", 40), _setup_text(persona, "situation", 80)
    intro = _INTRO[register].format(name=name) if name else ""
    scene = _SCENE[register].format(situation=situation) if situation else ""
    return _OPENINGS[register].format(intro=intro, scene=scene)


def tokens(text: str) -> list[str]:
    """Small pieces that join back to exactly ``text`` (a word, or up to three characters)."""
    return _TOKEN.findall(text) or [text]
