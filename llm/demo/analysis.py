"""What one line says and how, read with a Japanese morphological analyser (SudachiPy and its core
dictionary) for Japanese and by words for English: politeness, the forms it takes (request,
apology, question, boundary, report, promise), dates and numbers, cushion, blame and absolute words.

The analyser (about 100 MB once loaded) is loaded on first use, so a process that never asks the
offline partner or judge anything never pays for it.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_EN_WORD = re.compile(r"[a-z0-9']+")
_SENTENCE_END_SURFACES = frozenset("。！？!?．.")
_LOCK = threading.Lock()
_MAX_CHARS = 2000


@dataclass(frozen=True)
class Word:
    surface: str
    pos: str  # 名詞, 動詞, 助動詞, ...
    sub: str  # 普通名詞, 数詞, 終助詞, ...
    conj_type: str  # 助動詞-マス, 五段-ラ行, ...
    conj_form: str  # 終止形-一般, 連用形-一般, ...
    lemma: str
    norm: str
    oov: bool


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    # Loaded on first use: a web process that never needs the offline partner never pays for it.
    from sudachipy import Dictionary, SplitMode

    return Dictionary(dict="core").tokenizer(mode=SplitMode.C)


@lru_cache(maxsize=4096)
def words(text: str) -> tuple[Word, ...]:
    """The morphemes of ``text`` (at most its first 2,000 characters)."""
    text = text[:_MAX_CHARS]
    if not text.strip():
        return ()
    with _LOCK:
        morphemes = _tokenizer().tokenize(text)
        return tuple(
            Word(m.surface(), *_pos(m.part_of_speech()), m.dictionary_form(), m.normalized_form(), m.is_oov())
            for m in morphemes
        )


def _pos(pos: tuple[str, ...]) -> tuple[str, str, str, str]:
    return pos[0], pos[1], pos[4], pos[5]


def sentences(text: str) -> list[tuple[Word, ...]]:
    """The line cut into sentences at 。！？ (a sentence keeps its closing marks)."""
    result: list[list[Word]] = [[]]
    for word in words(text):
        if word.pos == "空白" and not result[-1]:
            continue
        if word.pos == "補助記号" and word.surface in _SENTENCE_END_SURFACES:
            result[-1].append(word)
            continue
        if result[-1] and result[-1][-1].surface in _SENTENCE_END_SURFACES:
            result.append([])
        result[-1].append(word)
    return [tuple(sentence) for sentence in result if any(w.pos not in ("補助記号", "空白") for w in sentence)]


def is_japanese(text: str) -> bool:
    return bool(_JAPANESE.search(text))


# --- word lists (lemmas or surfaces, as the analyser gives them) ------------------------------------
_HONORIFIC = frozenset({"いただく", "いただける", "頂く", "くださる", "下さる", "おっしゃる", "申す", "伺う", "存じる",
                        "恐れ入る", "いたす", "致す", "ござる", "御座る", "申し上げる", "参る", "拝見"})  # fmt: skip
_REQUEST_AUX = frozenset({"いただける", "いただく", "くださる", "もらえる", "もらう", "くれる", "ほしい",
                          "頂く", "貰う", "呉れる", "欲しい", "下さる"})  # fmt: skip
_APOLOGY = frozenset({"申し訳", "ごめん", "御免", "詫び", "謝る", "謝罪", "失礼"})
_THANKS = frozenset({"ありがとう", "有り難う", "感謝", "助かる", "お礼", "礼"})
_STOP = frozenset({"やめる", "止める", "控える", "辞める"})
_DISCOMFORT = frozenset({"嫌", "不快", "傷付く", "傷つく", "困る", "辛い", "つらい", "苦痛", "悲しい"})
_REFUSAL = frozenset({"難しい", "無理", "断る", "遠慮", "厳しい"})
_TROUBLE = frozenset({"遅れる", "遅延", "間に合う", "ミス", "間違い", "間違える", "間違う", "失注", "問題", "不具合",
                      "トラブル", "漏れ", "不備", "忘れる", "紛失", "失敗", "誤り", "ずれる", "延びる", "障害",
                      "クレーム"})  # fmt: skip
_CUSHION = frozenset({"恐れ入る", "忙しい", "差し支える", "手数", "よろしい", "宜しい", "恐縮", "もし", "できれば",
                      "出来る", "申し訳", "すむ", "失礼"})  # fmt: skip
_CUSHION_SURFACES = ("恐れ入りますが", "お忙しいところ", "差し支えなければ", "お手数ですが", "よろしければ",
                     "恐縮ですが", "もしよろしければ", "できれば", "申し訳ありませんが", "申し訳ないのですが",
                     "すみませんが", "失礼ですが", "ご迷惑をおかけしますが", "もし可能であれば")  # fmt: skip
_BLAME = frozenset({"せい", "普通", "常識", "ちゃんと", "いい加減", "だって", "勝手", "当たり前", "お前", "あんた",
                    "使える", "最低"})  # fmt: skip
_ABSOLUTE = frozenset({"いつも", "絶対", "全然", "必ず", "全く", "決して", "毎回", "何度", "二度と", "みんな", "皆"})
_HOSTILE = frozenset({"うるさい", "面倒", "ふざける", "馬鹿", "バカ", "知る", "黙る", "勝手", "しつこい", "最悪",
                      "意味", "いい加減"})  # fmt: skip
_ACKNOWLEDGE = frozenset({"なるほど", "成る程", "確か", "おっしゃる", "承知", "かしこまる", "畏まる", "理解", "分かる",
                          "わかる", "了解", "ごもっとも"})  # fmt: skip
_EMPATHY = frozenset({"大変", "気持ち", "心配", "辛い", "つらい", "不安", "お疲れ", "疲れ", "気", "申し訳", "大切",
                      "好評", "安心", "負担",
                      "ショック", "悔しい", "助かる", "ありがとう", "有り難う", "感謝", "しんどい"})  # fmt: skip
_POSITIVE = frozenset({"いい", "良い", "嬉しい", "楽しみ", "ありがとう", "有り難う", "素晴らしい", "助かる", "頑張る",
                       "前向き", "ぜひ", "是非", "一緒", "できる", "出来る", "感謝", "安心"})  # fmt: skip
_GREETING = frozenset(
    {"おはよう", "こんにちは", "こんばんは", "お疲れ", "お疲れ様", "お疲れさま", "どうも", "初めまして", "はじめまして"}
)
_HARDSHIP = frozenset({"忙しい", "疲れる", "疲れ", "大変", "しんどい", "眠い", "つらい", "辛い", "体調", "風邪", "残業",
                       "バタバタ", "休める"})  # fmt: skip
_CARE = ("気をつけて", "気を付けて", "無理しないで", "無理しすぎない", "お大事に", "休んでください", "ゆっくり休んで")
_SMALLTALK = frozenset({"天気", "暑い", "寒い", "雨", "週末", "休み", "ランチ", "昼", "趣味", "旅行", "映画", "最近",
                        "季節", "元気", "ご飯", "コーヒー", "電車", "連休", "好き", "部署", "出身",
                        "家族"})  # fmt: skip
_CONSULT = frozenset({"相談", "どちら", "優先", "判断", "アドバイス", "意見", "迷う"})
_CLOSING = ("失礼します", "失礼いたします", "以上です", "よろしくお願いします", "よろしくお願いいたします", "ではまた")
_TIME_NOUNS = frozenset({"今日", "明日", "明後日", "今週", "来週", "再来週", "今月", "来月", "月曜日", "火曜日",
                         "水曜日", "木曜日", "金曜日", "土曜日", "日曜日", "月曜", "火曜", "水曜", "木曜", "金曜",
                         "午前", "午後", "午前中", "夕方", "朝", "本日", "週明け", "月末", "今夜", "昼",
                         "定時", "今晩", "週内", "年内", "日中"})  # fmt: skip
_COUNTERS = frozenset({"時", "日", "月", "分", "週間", "時間", "個", "件", "円", "割", "%", "％", "人", "回", "年"})
_INJECTION = ("ai", "prompt", "system", "instruction", "ignore", "プロンプト", "システム", "指示", "ルール", "設定",
              "ロールプレイ", "chatgpt", "gpt", "言語モデル", "人工知能")  # fmt: skip
_EN_POLITE = ("please", "thank", "sorry", "could you", "would you", "appreciate", "would it be", "may i", "if you")
_EN_CUSHION = ("sorry to bother", "if you don't mind", "when you have a moment", "i know you're busy",
               "would it be possible", "i was wondering", "if possible", "i'm afraid")  # fmt: skip
_EN_ATTENTION = ("have a minute", "got a minute", "have a moment", "a quick word", "have a word", "can we talk",
                 "do you have time", "is now a good time")  # fmt: skip
_EN_BLAME = ("your fault", "because of you", "you always", "you never", "obviously", "common sense", "you should have")
_EN_ABSOLUTE = ("always", "never", "everyone", "nobody", "completely", "totally", "absolutely")
_EN_HOSTILE = ("whatever", "don't care", "stupid", "shut up", "annoying", "no way", "ridiculous", "not my problem")
_EN_ACK = ("i see", "that makes sense", "you're right", "i understand", "understood", "good point", "so you mean",
           "if i understand", "got it", "noted")  # fmt: skip
_EN_EMPATHY = ("understand", "sorry to hear", "must be", "feel", "worried", "tough", "hard for you", "concern",
               "thank you", "appreciate")  # fmt: skip
_EN_POSITIVE = ("great", "good", "glad", "thanks", "thank", "happy", "appreciate", "look forward", "together",
                "can do", "sure")  # fmt: skip
_EN_DAYS = r"(?:monday|tuesday|wednesday|thursday|friday)"
_EN_PARTS = r"(?: (?:morning|afternoon|evening))?"
_EN_DATE = re.compile(
    r"\b(?:(?:by|on|until|before|at) )?("
    rf"(?:this|next) (?:{_EN_DAYS}|week|month)|(?:today|tomorrow){_EN_PARTS}|tonight|{_EN_DAYS}{_EN_PARTS}|"
    r"(?:the )?end of (?:the|this) (?:day|week|month)|\d{1,2}(?::\d\d)? ?(?:am|pm|o'clock)(?: (?:today|tomorrow))?"
    r")\b"
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


def _en_date(text: str) -> str:
    """The date as a noun phrase the partner can repeat (「Noted: Friday morning.」,
    「I'll hold you to the end of the week.」)."""
    words = [word.capitalize() if word in _WEEKDAYS else word for word in text.split()]
    return " ".join(["the", *words] if words[:1] == ["end"] else words)


@dataclass
class LineReading:
    """The measurable features of one line."""

    text: str
    japanese: bool
    sentences: int = 0
    polite: int = 0  # sentences ending in a polite form (です・ます・ございます・ください)
    casual: int = 0  # sentences ending in a plain form
    honorific: int = 0
    questions: int = 0
    request: bool = False
    proposal: bool = False  # 「〜ませんか」「〜ましょう」: an invitation to do something together
    attention: bool = False  # 「今よろしいですか」「お話ししたいことがあります」: asking for the other's time
    apology: bool = False
    thanks: bool = False
    boundary: bool = False
    refusal: bool = False
    trouble: bool = False
    promise: bool = False
    consult: bool = False
    greeting: bool = False
    smalltalk: bool = False
    closing: bool = False
    injection: bool = False
    concern: str = ""  # what may be harassment: a key of ``CONCERN_KINDS`` ("" when nothing)
    command: bool = False  # an order in the imperative (「さっさとやれ」「言い訳するな」)
    cushion: int = 0
    blame: int = 0
    absolute: int = 0
    hostile: int = 0
    acknowledge: int = 0
    empathy: int = 0
    positive: int = 0
    numbers: int = 0
    dates: list[str] = field(default_factory=list)
    nouns: set[str] = field(default_factory=set)
    first_point: bool = False  # the first sentence carries content (not only a greeting or cushion)
    vague: bool = False  # fillers and hedges (「えっと」「なんか」「たぶん」) or too short to say anything
    off_topic: bool = False  # changes the subject (「そういえば」「ところで」)
    dismissive: bool = False  # makes light of the other's concern (「それくらい」「よくあること」)
    hardship: bool = False  # says they are busy, tired or unwell (「忙しくて休めなかった」)
    care: bool = False  # wishes the other well (「体調に気をつけてくださいね」)

    @property
    def empty(self) -> bool:
        return self.sentences == 0

    @property
    def register(self) -> str:
        """ "polite", "casual" or "" (neither can be told)."""
        if self.polite > self.casual or (self.polite and self.honorific):
            return "polite"
        return "casual" if self.casual else ""


@lru_cache(maxsize=2048)
def read_line(text: str) -> LineReading:
    """The features of ``text``: Japanese through the analyser, anything else by its words."""
    text = " ".join(str(text).split())[:_MAX_CHARS]
    if is_japanese(text):
        return _read_japanese(text)
    return _read_english(text)


def _lemmas(sentence: tuple[Word, ...]) -> set[str]:
    return {w.lemma for w in sentence} | {w.norm for w in sentence} | {w.surface for w in sentence}


def _read_japanese(text: str) -> LineReading:
    reading = LineReading(text=text, japanese=True)
    parts = sentences(text)
    reading.sentences = len(parts)
    point_found = False
    for sentence in parts:
        lemmas = _lemmas(sentence)
        ending = _ending(sentence)
        reading.polite += ending == "polite"
        reading.casual += ending == "casual"
        reading.questions += _is_question(sentence)
        reading.request = reading.request or _is_request(sentence)
        reading.proposal = reading.proposal or _is_proposal(sentence)
        reading.boundary = reading.boundary or _is_boundary(sentence, lemmas)
        _count_words(reading, sentence, lemmas)
        if not point_found and not _only_interjection(sentence):
            reading.first_point, point_found = _carries_point(sentence, lemmas), True
    reading.cushion += sum(1 for phrase in _CUSHION_SURFACES if phrase in text)
    reading.closing = any(text.rstrip("。！!").endswith(phrase) for phrase in _CLOSING)
    reading.apology = reading.apology and not (reading.closing and "失礼" in text and "申し訳" not in text)
    reading.attention = _asks_for_time(text, reading)
    reading.vague = len(text) < 8 or _has_any(text, _VAGUE)
    reading.off_topic = text.startswith(("そういえば", "ところで", "それより", "話は変わりますが"))
    reading.dismissive = _has_any(text, _DISMISSIVE)
    reading.hardship = bool({w.lemma for w in words(text)} & _HARDSHIP) and not reading.request
    reading.care = _has_any(text, _CARE)
    reading.request = reading.request and not reading.care
    reading.closing = reading.closing or _has_any(text, ("そろそろ戻", "そろそろ失礼", "戻りますね", "行きますね"))
    reading.injection = _has_any(text.lower(), _INJECTION)
    reading.concern = next((kind for sentence in parts if (kind := _concern_ja(sentence))), "")
    reading.command = any(_is_command(sentence) for sentence in parts if not _speaks_of_it(sentence))
    reading.dates = _dates(words(text))
    reading.promise = bool(reading.dates) and _first_person_plan(words(text)) or _plan_words(text)
    return reading


def _count_words(reading: LineReading, sentence: tuple[Word, ...], lemmas: set[str]) -> None:
    reading.honorific += len(lemmas & _HONORIFIC)
    reading.apology = reading.apology or bool(lemmas & _APOLOGY) or _sumimasen(sentence) == "apology"
    reading.thanks = reading.thanks or bool(lemmas & _THANKS)
    reading.refusal = reading.refusal or bool(lemmas & _REFUSAL) or _cannot(sentence)
    reading.trouble = reading.trouble or bool(lemmas & _TROUBLE) or _not_in_time(sentence)
    if _sumimasen(sentence) == "cushion":
        reading.cushion += 1
        reading.apology = reading.apology or bool(lemmas & _TROUBLE) or _not_in_time(sentence)
    reading.consult = reading.consult or bool(lemmas & _CONSULT)
    reading.greeting = reading.greeting or bool(lemmas & _GREETING) or "おはよう" in "".join(lemmas)
    reading.smalltalk = reading.smalltalk or bool(lemmas & _SMALLTALK)
    reading.blame += len(lemmas & _BLAME)
    reading.absolute += len(lemmas & _ABSOLUTE)
    reading.hostile += len(lemmas & _HOSTILE) + _dont_know(sentence)
    reading.acknowledge += len(lemmas & _ACKNOWLEDGE)
    reading.empathy += len(lemmas & _EMPATHY)
    reading.positive += len(lemmas & _POSITIVE)
    reading.numbers += sum(1 for w in sentence if w.sub == "数詞")
    reading.nouns |= {
        w.lemma for w in sentence if w.pos == "名詞" and w.sub in ("普通名詞", "固有名詞") and len(w.lemma) > 1
    }


def _content(sentence: tuple[Word, ...]) -> list[Word]:
    return [w for w in sentence if w.pos not in ("補助記号", "空白", "記号")]


def _ending(sentence: tuple[Word, ...]) -> str:
    """Whether the sentence ends politely (です・ます, ください, ございます) or plainly."""
    content = _content(sentence)
    tail = [w for w in content if not (w.pos == "助詞" and w.sub == "終助詞")]
    if not tail:
        return ""
    polite = any(w.conj_type in ("助動詞-マス", "助動詞-デス") for w in tail[-3:]) or tail[-1].lemma in (
        "くださる",
        "下さる",
        "ござる",
    )
    if polite:
        return "polite"
    if tail[-1].pos == "感動詞" or tail[-1].lemma in ("ありがとう", "有り難う"):
        return "polite" if any(w.lemma in ("ござる", "御座る") for w in tail) else ""
    last = tail[-1]
    if last.pos in ("動詞", "形容詞", "助動詞") or last.surface in ("じゃん", "っけ"):
        return "casual"
    if last.pos == "助詞" and last.surface in ("て", "で") and len(tail) > 1 and tail[-2].pos in ("動詞", "助動詞"):
        return "casual"  # 「聞かせて」: a plain request
    if any(w.surface in ("よ", "ね", "な", "さ") for w in content[len(tail) :]) and last.pos in ("名詞", "形状詞"):
        return "casual"  # 「そうだよね」「大丈夫だよ」 without です
    return ""  # a noun or a particle ("了解", "また後ほど") shows no register on its own


def _is_question(sentence: tuple[Word, ...]) -> bool:
    content = _content(sentence)
    if any(w.surface in ("?", "？") for w in sentence):
        return True
    return bool(content) and content[-1].pos == "助詞" and content[-1].surface in ("か", "かな", "の")


_REQUEST_TAIL = frozenset({"ます", "ぬ", "ず", "ない", "か", "です", "だ", "の", "かな", "よ", "ね", "けど", "が"})


def _is_request(sentence: tuple[Word, ...]) -> bool:
    """A request that ends its sentence (「〜ていただけますか」「〜てください」「〜てほしい」), not
    「わかっていただけて、ありがとう」."""
    content = _content(sentence)
    for index, word in enumerate(content[1:], start=1):
        if word.lemma in _REQUEST_AUX and content[index - 1].surface in ("て", "で"):
            if all(w.lemma in _REQUEST_TAIL or w.pos == "助詞" and w.sub == "終助詞" for w in content[index + 1 :]):
                return True
    surfaces = [w.surface for w in content]
    return (bool(surfaces) and surfaces[-1] == "ください") or "お願い" in "".join(surfaces[-6:])


def _is_boundary(sentence: tuple[Word, ...], lemmas: set[str]) -> bool:
    if lemmas & _STOP and (_is_request(sentence) or any(w.lemma in ("ほしい", "欲しい") for w in sentence)):
        return True
    return bool(lemmas & {"嫌", "不快"}) and any(w.lemma in ("冗談", "言う", "発言", "言葉", "こと") for w in sentence)


_DISMISSIVE = ("それくらい", "よくあること", "大したことない", "気にしすぎ", "早く話して", "考えすぎ", "大げさ")
_VAGUE = (
    "えっと",
    "なんか",
    "たぶん",
    "なんとなく",
    "いろいろ",
    "まあ",
    "とりあえず",
    "なんとか",
    "ちょっと色々",
    "っす",
)


def _only_interjection(sentence: tuple[Word, ...]) -> bool:
    return all(w.pos in ("感動詞", "補助記号", "空白") for w in sentence)


def _is_proposal(sentence: tuple[Word, ...]) -> bool:
    content = _content(sentence)
    surfaces = "".join(w.surface for w in content[-4:])
    if surfaces.endswith(("ましょう", "ましょうか", "ませんか")) and not _is_request(sentence):
        return True
    if surfaces.endswith(("いかがでしょうか", "どうでしょうか", "いかがですか")):
        return True  # 「〜案はいかがでしょうか」 puts forward an alternative
    return surfaces.endswith(("しよう", "ようか"))


def _asks_for_time(text: str, reading: LineReading) -> bool:
    asks = (
        "よろしいですか",
        "いいですか",
        "大丈夫ですか",
        "お時間",
        "話したいこと",
        "相談したいこと",
        "相談があ",
        "いいかな",
        "いい？",
    )
    return (
        reading.sentences <= 2 and any(phrase in text for phrase in asks) and not (reading.trouble or reading.boundary)
    )


def _sumimasen(sentence: tuple[Word, ...]) -> str:
    for index, word in enumerate(sentence):
        if word.lemma == "すむ" and index + 1 < len(sentence) and sentence[index + 1].lemma == "ます":
            after = "".join(w.surface for w in sentence[index + 1 : index + 4])
            if "が" in after or "、" in after[:4] and len(_content(sentence)) > 4:
                return "cushion"  # 「すみません、今よろしいですか」 calls for attention; it does not apologise
            return "apology"
    return ""


def _cannot(sentence: tuple[Word, ...]) -> bool:
    for index, word in enumerate(sentence[:-1]):
        if word.lemma in ("できる", "出来る") and sentence[index + 1].lemma in ("ない", "ぬ", "ず", "ます"):
            tail = "".join(w.surface for w in sentence[index + 1 : index + 3])
            if tail.startswith(("ない", "ません")):
                return True
    return False


def _not_in_time(sentence: tuple[Word, ...]) -> bool:
    surfaces = "".join(w.surface for w in sentence)
    return any(phrase in surfaces for phrase in ("間に合わ", "遅れ", "終わらな", "終わりそうにな", "届いていな"))


def _dont_know(sentence: tuple[Word, ...]) -> int:
    surfaces = "".join(w.surface for w in sentence)
    return int(any(phrase in surfaces for phrase in ("知らない", "知らねえ", "関係ない", "どうでもいい", "勝手にして")))


def _carries_point(sentence: tuple[Word, ...], lemmas: set[str]) -> bool:
    """The first sentence says something (a verb, an adjective or a statement), not only a greeting."""
    content = [w for w in _content(sentence) if w.lemma not in _GREETING and w.pos != "感動詞"]
    predicates = [w for w in content if w.pos in ("動詞", "形容詞", "形状詞") and w.lemma not in ("する", "為る")]
    only_cushion = (
        len(lemmas & (_CUSHION | {"少し", "ちょっと", "今", "よろしい", "宜しい", "時間"})) >= 2
        and len(predicates) <= 2
        and not (lemmas & (_TROUBLE | _STOP | _APOLOGY | _DISCOMFORT))
    )
    return bool(predicates or any(w.pos == "名詞" for w in content)) and not only_cushion


def _dates(line: tuple[Word, ...]) -> list[str]:
    found: list[str] = []
    current = ""
    for word in line:
        if word.lemma in _TIME_NOUNS or word.sub == "数詞" or (current and word.lemma in _COUNTERS):
            current += word.surface
            continue
        if current and word.surface == "の":
            current += word.surface
            continue
        if _is_date(current):
            found.append(current.rstrip("の"))
        current = ""
    if _is_date(current):
        found.append(current.rstrip("の"))
    return found


def _is_date(text: str) -> bool:
    """A day or a time one can hold someone to: 「明日」「金曜日」「15時」, not 「昼」 on its own."""
    if not text or text in ("朝", "昼", "夕方", "今", "午後", "午前"):
        return False
    return any(w in text for w in ("時", "日", "週", "月", "曜", "午前中", "夕方", "今夜", "今晩", "定時"))


def _first_person_plan(line: tuple[Word, ...]) -> bool:
    return any(
        w.pos == "動詞"
        and w.lemma not in ("ある", "有る", "いる", "居る", "なる", "成る", "思う", "かかる", "掛かる")
        and i + 1 < len(line)
        and line[i + 1].lemma == "ます"
        and line[i + 1].conj_form.startswith("終止")
        and not (i and line[i - 1].surface in ("て", "で"))  # 「食べています」 describes, it promises nothing
        for i, w in enumerate(line)
    ) or any(w.lemma in ("予定", "つもり", "積もり", "対応", "提出", "送る", "連絡") for w in line)


def _plan_words(text: str) -> bool:
    return any(
        phrase in text for phrase in ("ようにします", "いたします", "させていただきます", "対策として", "再発防止")
    )


def _has_any(text: str, markers: tuple[str, ...]) -> bool:
    return any(marker in text for marker in markers)


def _count(text: str, markers: tuple[str, ...]) -> int:
    return sum(1 for marker in markers if marker in text)


def _read_english(text: str) -> LineReading:
    lowered = " " + text.lower().replace("’", "'") + " "
    tokens = _EN_WORD.findall(lowered)
    parts = [part for part in re.split(r"(?<=[.!?])\s+", text.strip()) if _EN_WORD.search(part.lower())]
    reading = LineReading(text=text, japanese=False, sentences=len(parts))
    polite = _count(lowered, _EN_POLITE)
    reading.polite = min(polite, len(parts))
    reading.casual = int(not polite and _has_any(lowered, (" yeah", " gonna", " wanna", " dunno", " yo ", " nah")))
    reading.questions = text.count("?")
    reading.request = _has_any(lowered, ("could you", "would you", "can you", "please", "would it be possible"))
    cushioned = lowered.replace("sorry to bother", "").replace("sorry to interrupt", "").replace("sorry, but", "")
    reading.apology = _has_any(cushioned, ("sorry", "apolog", "my fault", "my mistake"))
    reading.thanks = _has_any(lowered, ("thank", "appreciate", "grateful"))
    reading.boundary = _has_any(lowered, ("stop ", "please don't", "not ok", "not okay", "uncomfortable"))
    reading.refusal = _has_any(lowered, ("can't", "cannot", "won't be able", "unable", "have to decline", "not able"))
    reading.trouble = _has_any(lowered, ("late", "delay", "mistake", "missed", "error", "problem", "behind", "slip"))
    reading.consult = _has_any(lowered, ("which", "advice", "priority", "what do you think", "how should"))
    reading.greeting = _has_any(lowered, (" hi ", " hello", "good morning", " hey ", "good afternoon"))
    reading.smalltalk = _has_any(lowered, ("weather", "weekend", "lunch", "holiday", "coffee", "lately", "trip"))
    reading.closing = _has_any(lowered, ("talk later", "see you", "that's all", "bye"))
    reading.injection = any(t in ("ai", "prompt", "system", "instructions", "ignore", "gpt") for t in tokens)
    reading.concern, reading.command = _concern_en(text, parts)
    reading.cushion = _count(lowered, _EN_CUSHION)
    reading.blame = _count(lowered, _EN_BLAME)
    reading.absolute = _count(lowered, _EN_ABSOLUTE)
    reading.hostile = _count(lowered, _EN_HOSTILE)
    reading.acknowledge = _count(lowered, _EN_ACK)
    reading.empathy = _count(lowered, _EN_EMPATHY)
    reading.positive = _count(lowered, _EN_POSITIVE)
    reading.numbers = sum(1 for t in tokens if t.isdigit())
    reading.dates = [_en_date(match.group(1)) for match in _EN_DATE.finditer(lowered)]
    reading.promise = bool(reading.dates) and _has_any(lowered, ("i will", "i'll", "we will", "we'll", "i can"))
    reading.nouns = {t for t in tokens if len(t) > 4}
    reading.vague = len(tokens) < 4 or _has_any(lowered, (" you know", " kind of", " whatever", " somehow"))
    reading.off_topic = lowered.strip().startswith(("by the way", "anyway"))
    reading.dismissive = _has_any(lowered, ("no big deal", "happens all the time", "overreact", "just hurry"))
    reading.attention = len(parts) <= 2 and _has_any(lowered, _EN_ATTENTION) and not reading.trouble
    reading.proposal = _has_any(
        lowered.replace("how about you", ""),
        ("how about", "could we", "would that work", "we could", "shall we", "let's"),
    )
    reading.hardship = _has_any(lowered, ("busy", "tired", "exhausted", "barely rested", "unwell", "sick", "overtime"))
    reading.care = _has_any(lowered, ("take care", "look after yourself", "don't overdo", "get some rest"))
    reading.closing = reading.closing or _has_any(lowered, ("get back to work", "i should go", "i'd better go"))
    first = parts[0].lower() if parts else ""
    reading.first_point = bool(first) and not (
        _count(first, _EN_CUSHION) and len(first.split()) < 9 or first.strip(" !.") in ("hi", "hello", "hey")
    )
    return reading


# --- what may be harassment ---------------------------------------------------------------------------
# Kinds, in the order they are looked for; each is read from the analyser's words (lemmas) or set
# phrases, never from a line that speaks of such a remark (a boundary, a report of what someone
# said, a passive 「言われた」) rather than making it.
CONCERN_KINDS: tuple[str, ...] = ("threat", "insult", "demeaning", "body", "age", "gender", "private_life", "command")
_CONCERN_WORDS_JA: dict[str, frozenset[str]] = {
    "insult": frozenset({"馬鹿", "バカ", "ばか", "阿呆", "アホ", "あほ", "無能", "役立たず", "屑", "クズ", "のろま",
                         "ボケ", "間抜け", "能無し", "ポンコツ", "給料泥棒"}),
    "demeaning": frozenset({"お前", "御前", "あんた", "てめえ", "貴様", "こいつ"}),
    "body": frozenset({"体型", "体重", "太る", "痩せる", "デブ", "ハゲ", "禿げる", "容姿", "ブス", "ダイエット",
                       "老ける", "すっぴん", "顔立ち", "美人", "イケメン", "セクシー"}),
    "age": frozenset({"おばさん", "おじさん", "おばちゃん", "おっさん", "年寄り", "老害", "年増", "ババア", "ジジイ"}),
}  # fmt: skip
_CONCERN_PHRASES_JA: dict[str, tuple[str, ...]] = {
    "threat": ("クビ", "首にする", "首だ", "左遷", "降格", "辞めてもらう", "辞めさせ", "覚えておけ", "覚えとけ",
               "覚えてろ", "ただじゃ済まな", "ただでは済まな", "どうなっても知らな", "わかってるだろうな",
               "分かってるだろうな", "評価を下げ", "査定に響", "査定を下げ", "居場所はな", "居場所がなくな",
               "出世できな", "出世に響"),
    "demeaning": ("誰でもできる", "子供でもできる", "子どもでもできる", "小学生でも", "新人でもできる", "いる意味",
                  "存在価値", "頭悪い", "頭が悪い", "常識がな", "常識な"),
    "age": ("いい歳", "いい年", "その年で", "その歳で", "若いくせに", "若いんだから", "年なんだから"),
    "gender": ("女のくせに", "男のくせに", "女なんだから", "男なんだから", "女なのに", "男なのに", "女らしく",
               "男らしく", "女子力", "女の子なんだから", "女性なんだから", "男なら", "女は黙", "女は家"),
}  # fmt: skip
_PRIVATE_LIFE = frozenset({"結婚", "彼氏", "恋人", "独身", "妊娠", "出産", "離婚", "交際", "婚活", "子作り", "子供",
                           "子ども", "デート"})  # fmt: skip
_PRYING = ("まだ", "早く", "しないと", "したほうが", "した方が", "しないの", "いるの", "あるの", "予定は")
_FIRST_PERSON = frozenset({"私", "わたし", "僕", "ぼく", "俺", "おれ", "自分", "あたし", "うち", "我々", "弊社"})
_COMMAND_EXEMPT = frozenset({"くださる", "下さる", "いらっしゃる", "なさる", "頑張る", "召し上がる", "御覧"})


def _speaks_of_it(sentence: tuple[Word, ...]) -> bool:
    """The sentence speaks of a remark instead of making it: it sets a boundary, reports what was
    said (a passive, 「〜と言っていました」, a quotation) or says it hurt."""
    lemmas = _lemmas(sentence)
    surfaces = "".join(w.surface for w in sentence)
    passive = any(w.pos == "助動詞" and w.lemma in ("れる", "られる") for w in sentence)
    reported = any(mark in surfaces for mark in ("「", "『", "と言", "って言", "とおっしゃ"))
    return passive or reported or _is_boundary(sentence, lemmas) or bool(lemmas & _DISCOMFORT)


def _concern_ja(sentence: tuple[Word, ...]) -> str:
    """The kind of remark that may be harassment the sentence makes ("" for none)."""
    if _speaks_of_it(sentence):
        return ""
    lemmas = _lemmas(sentence)
    surfaces = "".join(w.surface for w in sentence)
    for kind in CONCERN_KINDS:
        if lemmas & _CONCERN_WORDS_JA.get(kind, frozenset()) or _has_any(surfaces, _CONCERN_PHRASES_JA.get(kind, ())):
            if kind == "body" and lemmas & _FIRST_PERSON:
                continue  # 「私も最近太ってしまって」 speaks of oneself
            return kind
    prying = _is_question(sentence) or _has_any(surfaces, _PRYING)
    if lemmas & _PRIVATE_LIFE and prying and not lemmas & _FIRST_PERSON:
        return "private_life"
    return ""


def _is_command(sentence: tuple[Word, ...]) -> bool:
    """An order: a verb in the imperative (「やれ」「しろ」, not 「ください」「頑張れ」) or a
    prohibition (「言い訳するな」)."""
    content = _content(sentence)
    if any(w.pos == "動詞" and w.conj_form.startswith("命令形") and w.lemma not in _COMMAND_EXEMPT for w in content):
        return True
    return (
        len(content) >= 2
        and content[-1].surface == "な"
        and content[-1].sub == "終助詞"
        and content[-2].pos == "動詞"
        and content[-2].conj_form.startswith("終止形")
    )


_CONCERN_PHRASES_EN: dict[str, tuple[str, ...]] = {
    "threat": ("you're fired", "you are fired", "fire you", "you'll regret", "you will regret", "or else",
               "your job is on the line", "lose your job", "your evaluation", "your review will", "watch yourself",
               "watch your back", "i'll make sure you", "career is over"),
    "insult": ("idiot", "stupid", "useless", "incompetent", "moron", "dumb", "pathetic", "worthless", "imbecile",
               "loser"),
    "demeaning": ("even a child", "anyone could do", "waste of space", "you people", "what's wrong with you",
                  "brain-dead", "clueless"),
    "body": ("your weight", "your body", "your figure", "your looks", "you look fat", "put on weight",
             "gained weight", "lose some weight", "lose weight", "ugly", "sexy", "you're fat", "too fat",
             "too skinny", "on a diet", "your legs"),
    "age": ("too old", "at your age", "old man", "old lady", "grandpa", "grandma", "past it", "over the hill",
            "too young to"),
    "gender": ("for a woman", "for a girl", "like a girl", "man up", "women can't", "women are", "girls are",
               "be a man", "a woman's job", "a man's job"),
    "private_life": ("married yet", "get married", "girlfriend", "boyfriend", "pregnant", "have kids yet",
                     "your love life", "are you dating", "still single", "having a baby"),
}  # fmt: skip
_EN_COMMANDS = ("shut up", "just do it", "do it now", "do as i say", "do what i say", "get it done now",
                "stop whining", "no excuses", "don't talk back", "get to work")  # fmt: skip
_EN_SPEAKS_OF_IT = ("stop ", "please don't", "not ok", "not okay", "uncomfortable", "upset", "hurt", "said ",
                    "told me", "called me", "was called", "were called", "about my", "about me", "\"")  # fmt: skip


def _concern_en(text: str, parts: list[str]) -> tuple[str, bool]:
    """(kind of remark that may be harassment, whether it gives an order) of an English line."""
    kind, command = "", False
    for part in parts:
        lowered = " " + part.lower().replace("’", "'") + " "
        if _has_any(lowered, _EN_SPEAKS_OF_IT):
            continue
        kind = kind or next((k for k in CONCERN_KINDS if _has_any(lowered, _CONCERN_PHRASES_EN.get(k, ()))), "")
        shouted = sum(1 for word in re.findall(r"[A-Za-z]{2,}", part) if word.isupper() and word != "OK") >= 2
        command = command or _has_any(lowered, _EN_COMMANDS) or shouted or part.rstrip().endswith("!!")
    return kind, command


# --- is it a sentence? -------------------------------------------------------------------------------
_FINAL_FORMS = ("終止形", "意志推量形", "命令形")


def sentence_problems(text: str) -> list[str]:
    """What the analyser finds wrong with ``text`` as Japanese sentences (empty when it reads well).

    Each sentence must end in a finished form (a final or volitional form, a sentence-final
    particle, an interjection, a noun or ください); unknown words, two copulas in a row
    (「ですでしょう」) and a copula after an interjection (「ありがとうございますでしょうか」) are flagged.
    """
    if not is_japanese(text):
        return []
    problems = []
    for sentence in sentences(text):
        content = _content(sentence)
        if any(w.oov and w.sub != "数詞" and is_japanese(w.surface) for w in content):
            problems.append("unknown word")
        if not _finished(content):
            problems.append("unfinished sentence")
        if _double_copula(content):
            problems.append("doubled copula")
    return problems


def _finished(content: list[Word]) -> bool:
    if not content:
        return True
    last = content[-1]
    if last.pos == "助詞":
        return last.sub == "終助詞" or last.surface in (
            "か",
            "って",
            "ね",
            "よ",
            "の",
            "けど",
            "が",
            "から",
            "し",
            "て",
            "で",
        )
    if last.pos in ("名詞", "代名詞", "感動詞", "接尾辞", "副詞", "形状詞"):
        return True
    return last.conj_form.startswith(_FINAL_FORMS) or last.surface in ("ください", "なさい")


def _double_copula(content: list[Word]) -> bool:
    copulas = ("助動詞-デス", "助動詞-ダ", "助動詞-マス")
    for before, after in zip(content, content[1:], strict=False):
        if after.conj_type == "助動詞-デス" and (before.conj_type in copulas or before.lemma in ("ござる", "御座る")):
            if before.conj_type == "助動詞-マス" and after.surface.startswith("でしょう"):
                return (
                    True  # 「ございますでしょうか」 is set phrase in service talk, but 「〜ますでしょう」 is not ours
                )
            if before.conj_type != "助動詞-マス":
                return True
        if before.pos == "感動詞" and after.pos == "助動詞":
            return True
    return False


def shared_nouns(text: str, other: str) -> set[str]:
    """Content words the two lines share (the learner taking up the partner's words)."""
    return read_line(text).nouns & read_line(other).nouns
