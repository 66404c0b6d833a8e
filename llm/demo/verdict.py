"""The offline judge's verdict: scores that follow measurable features of the learner's lines.

Per line (``analysis.read_line``): politeness and register against the partner's role, questions,
whether the first sentence carries the point, acknowledgement of the partner's words (set phrases
or taking up the partner's own nouns), concrete next steps (dates, numbers, promises), cushion
words, blame, absolute and hostile words. Each axis is a fixed sum of those features, so the same
transcript always gets the same scores. "Went well" lists lines for what they did well and "to
improve" lists other lines for what they lack; no line is in both. Better phrasings are model
sentences chosen by the flaw (or the learner's own polite sentence with a cushion before it),
each of which the analyser reads as finished Japanese (``analysis.sentence_problems``) or the
English tagger as English (``english.english_problems``). Lines that may be harassment (an insult,
a remark on someone's body, appearance, age, gender or private life, a threat, demeaning words,
an order barked at someone who is not the learner's senior) are listed as concerns, each with why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from llm.demo.analysis import LineReading, read_line, sentence_problems, shared_nouns
from llm.demo.english import english_problems
from llm.demo.reading import AXES, Transcript

_SENIOR = ("上司", "課長", "部長", "先輩", "社長", "役員", "取締役", "主任", "リーダー", "顧客", "お客", "取引先",
           "manager", "boss", "senior", "director", "executive", "customer", "client", "lead")  # fmt: skip


@dataclass
class LineVerdict:
    text: str
    reading: LineReading
    merits: list[str] = field(default_factory=list)
    flaws: list[str] = field(default_factory=list)
    concern: str = ""  # a key of ``_CONCERN_REASONS`` when the line may be harassment

    @property
    def balance(self) -> int:
        return len(self.merits) - 2 * len(self.flaws)


@dataclass
class Phrasing:
    original: str
    suggestion: str
    reason: str


@dataclass
class Verdict:
    lang: str
    lines: list[LineVerdict]
    scores: dict[str, int]
    went_well: list[tuple[str, str]]  # (quote, comment)
    to_improve: list[tuple[str, str]]
    phrasings: list[Phrasing]
    evidence: dict[str, list[str]]
    concerns: list[tuple[str, str]] = field(default_factory=list)  # (quote, reason): may be harassment

    @property
    def overall(self) -> int:
        return round(sum(self.scores.values()) / len(self.scores)) if self.scores else 0


def _clamp(value: float) -> int:
    return int(max(5, min(98, round(value))))


def judge(transcript: Transcript) -> Verdict:
    senior = any(word in transcript.partner_role.lower() for word in _SENIOR)
    lines = [_line(transcript, index, text, senior) for index, text in enumerate(transcript.learner)]
    scores = _scores(lines) if lines else dict.fromkeys(AXES, 0)
    well = _went_well(lines, transcript.lang)
    if well and _missing(lines) and not any(line.flaws for line in lines):
        open_lines = [
            line for line in lines if not (line.reading.thanks or line.reading.closing or line.reading.boundary)
        ]
        if len(well) > 1 and {line.text for line in open_lines} <= {quote for quote, _ in well}:
            well = well[:-1]  # leave the line that lacks something to "to improve"
    quoted = {quote for quote, _ in well}
    improve = _to_improve([line for line in lines if line.text not in quoted], transcript.lang)
    phrasings = [p for p in (_phrasing(line, lines, transcript.lang) for line in lines if line.flaws) if p][:3]
    phrasings = _distinct(phrasings or _completions(improve, lines, transcript.lang))
    evidence = {axis: _evidence(axis, lines, scores.get(axis, 0)) for axis in AXES}
    concerns = [(line.text, _CONCERN_REASONS[transcript.lang][line.concern]) for line in lines if line.concern]
    return Verdict(transcript.lang, lines, scores, well, improve, phrasings, evidence, concerns)


def _line(transcript: Transcript, index: int, text: str, senior: bool) -> LineVerdict:
    reading = read_line(text)
    verdict = LineVerdict(text, reading)
    before = transcript.before(index)
    took_up = bool(before) and bool(shared_nouns(text, before))
    merits = {
        "polite": reading.register == "polite" and reading.japanese or (not reading.japanese and reading.polite > 0),
        "cushion": reading.cushion > 0,
        "acknowledge": reading.acknowledge > 0 or took_up,
        "question": reading.questions > 0 and not reading.hostile,
        "next_step": reading.promise,
        "empathy": reading.empathy > 0 or reading.apology or reading.thanks,
        "proposal": reading.proposal,
        "specific": reading.numbers > 0 or len(reading.nouns) >= 3,
        "point": index == 0 and reading.first_point and not reading.attention and not reading.vague,
    }
    verdict.concern = reading.concern or ("command" if reading.command and not senior else "")
    flaws = {
        "harassment": bool(verdict.concern),
        "blame": reading.blame > 0,
        "absolute": reading.absolute > 0,
        "hostile": reading.hostile > 0,
        "too_casual": senior and reading.register == "casual",
        "no_point": index == 0 and not reading.first_point and not reading.attention,
        "vague": reading.vague,
        "off_topic": reading.off_topic,
        "dismissive": reading.dismissive,
    }
    verdict.merits = [name for name, present in merits.items() if present]
    verdict.flaws = [name for name, present in flaws.items() if present]
    return verdict


def _count(lines: list[LineVerdict], name: str, cap: int = 3) -> int:
    return min(sum(1 for line in lines if name in line.merits or name in line.flaws), cap)


def _scores(lines: list[LineVerdict]) -> dict[str, int]:
    n = len(lines)
    polite = sum(1 for line in lines if "polite" in line.merits) / n
    casual = _count(lines, "too_casual")
    rough = (
        _count(lines, "blame") + _count(lines, "hostile") + _count(lines, "dismissive") + _count(lines, "harassment")
    )
    first = int(any("point" in line.merits for line in lines[:1]))
    replies = sum(1 for line in lines if line.reading.positive) + sum(1 for line in lines if line.reading.thanks)
    numbers = min(sum(line.reading.numbers for line in lines), 2)
    no_point = int(any("no_point" in line.flaws for line in lines))
    empathy, listen = _count(lines, "empathy"), _count(lines, "acknowledge", 2)
    cushion, step, absolute = _count(lines, "cushion", 2), _count(lines, "next_step", 2), _count(lines, "absolute", 2)
    vague, off_topic, proposal = _count(lines, "vague"), _count(lines, "off_topic", 2), _count(lines, "proposal", 2)
    specific = _count(lines, "specific")
    scores = {
        "empathy": 42 + 12 * empathy + 8 * listen + 5 * cushion - 15 * rough - 4 * vague,
        "clarity": 40 + 12 * first + 10 * step + 4 * numbers + 5 * specific - 8 * absolute - 10 * no_point - 9 * vague,
        "active_listening": 38 + 13 * _count(lines, "question", 2) + 12 * listen + 4 * empathy - 10 * rough
        - 12 * off_topic,
        "adaptability": 50 + 10 * min(listen, 1) + 8 * min(step, 1) + 8 * min(cushion, 1) + 8 * proposal
        - 15 * casual - 6 * rough - 5 * absolute,
        "positivity": 48 + 7 * min(replies, 3) + 6 * min(step, 1) + 5 * proposal - 14 * rough - 6 * absolute
        - 4 * vague,
        "professionalism": 35 + 35 * polite + 6 * cushion - 18 * casual - 14 * rough - 6 * absolute,
    }  # fmt: skip
    return {name: _clamp(value) for name, value in scores.items()}


_AXIS_FEATURES = {
    "empathy": ("empathy", "acknowledge", "cushion"),
    "clarity": ("point", "next_step"),
    "active_listening": ("question", "acknowledge"),
    "adaptability": ("acknowledge", "cushion", "next_step"),
    "positivity": ("next_step", "empathy", "polite"),
    "professionalism": ("polite", "cushion"),
}


_AXIS_FLAWS = {
    "empathy": ("harassment", "blame", "hostile", "dismissive"),
    "clarity": ("vague", "no_point", "absolute"),
    "active_listening": ("off_topic", "hostile", "dismissive"),
    "adaptability": ("absolute", "too_casual"),
    "positivity": ("hostile", "blame", "absolute"),
    "professionalism": ("harassment", "too_casual", "blame", "hostile"),
}
_CONCERN_REASONS = {
    "ja": {
        "threat": "処分や評価をちらつかせて相手を従わせる言い方は、パワーハラスメントにあたるおそれがあります。",
        "insult": "相手を侮辱する言葉は、パワーハラスメントにあたるおそれがあります。",
        "demeaning": "相手をおとしめる言い方は、パワーハラスメントにあたるおそれがあります。",
        "body": "体型や容姿についての発言は、冗談のつもりでもセクシュアルハラスメントにあたるおそれがあります。",
        "age": "年齢を理由にした決めつけやからかいは、ハラスメントにあたるおそれがあります。",
        "gender": "性別を理由にした決めつけは、ハラスメントにあたるおそれがあります。",
        "private_life": "結婚や恋愛など私生活に立ち入る質問は、ハラスメントにあたるおそれがあります。",
        "command": "命令口調で一方的に指示する言い方は、パワーハラスメントにあたるおそれがあります。",
    },
    "en": {
        "threat": "Using punishment or evaluations to make someone comply may be power harassment.",
        "insult": "Insulting someone may be power harassment.",
        "demeaning": "Words that belittle someone may be power harassment.",
        "body": "Remarks on someone's body or looks may be sexual harassment, even when meant as a joke.",
        "age": "Teasing or judging someone for their age may be harassment.",
        "gender": "Judging someone by their gender may be harassment.",
        "private_life": "Prying questions about marriage, dating or family plans may be harassment.",
        "command": "Barking one-sided orders at someone may be power harassment.",
    },
}


def _evidence(axis: str, lines: list[LineVerdict], score: int) -> list[str]:
    """The learner's line behind the axis's score (one per score, as the judge is asked): for a
    low score the line that pulls it down, otherwise the line that shows it best."""
    wanted, unwanted = _AXIS_FEATURES[axis], _AXIS_FLAWS[axis]
    if score < 50 and any(f in unwanted for line in lines for f in line.flaws):
        ranked = sorted(lines, key=lambda line: -sum(f in unwanted for f in line.flaws))
    else:
        ranked = sorted(lines, key=lambda line: (-sum(m in wanted for m in line.merits), len(line.flaws)))
    return [ranked[0].text] if ranked else []


_MERIT_WORDS = {
    "ja": {
        "point": "最初の一文で要点が伝わっています。",
        "next_step": "日付や具体的な次の行動を示しており、話が前に進みます。",
        "acknowledge": "相手の言葉を受け止めてから話を進めています。",
        "question": "質問で相手の考えや事情を引き出しています。",
        "empathy": "相手の気持ちや立場に配慮する言葉があります。",
        "cushion": "クッション言葉で切り出しており、相手が受け止めやすい言い方です。",
        "polite": "相手との関係に合った丁寧な言葉づかいです。",
        "proposal": "代わりの案を自分から示しています。",
        "specific": "数字や具体的な事柄を挙げて伝えています。",
    },
    "en": {
        "point": "The first sentence gets the main point across.",
        "next_step": "It gives a date or a concrete next step, so the conversation moves forward.",
        "acknowledge": "It takes up what the other person said before moving on.",
        "question": "It asks a question that draws out the other person's view.",
        "empathy": "It shows consideration for the other person's feelings and position.",
        "cushion": "It opens with a softener, which makes it easier to hear.",
        "polite": "The wording is courteous and suits the relationship.",
        "proposal": "It offers an alternative of its own.",
        "specific": "It gives figures and specifics.",
    },
}
_FLAW_WORDS = {
    "ja": {
        "harassment": "相手の体型・年齢・性別・私生活に触れる言葉や、侮辱・脅し・命令口調は避け、仕事の事実と"
        "してほしいことだけを伝えましょう。",
        "blame": "相手を責める言い方になっています。事実と、これからどうしたいかを分けて伝えましょう。",
        "absolute": "「いつも」「絶対」のような言い切りは反発を招きやすいので、具体的な事実に置き換えましょう。",
        "hostile": "突き放す言い方になっています。まず相手の話を受け止める一言を入れましょう。",
        "too_casual": "相手の立場に対してくだけすぎた言い方です。です・ます調で伝えましょう。",
        "no_point": "最初の一文で要点（結論）を伝えると、相手がすぐに状況をつかめます。",
        "no_step": "次に何をいつまでにするかを添えると、話が前に進みます。",
        "no_question": "相手の考えを聞く質問を一つ入れると、対話になります。",
        "vague": "あいまいな言い方です。何が、いつ、どれだけかを具体的に伝えましょう。",
        "off_topic": "相手の質問に答えないまま話題を変えています。まず聞かれたことに答えましょう。",
        "dismissive": "相手の悩みを軽く扱う言い方です。まず、話してくれたことを受け止めましょう。",
    },
    "en": {
        "harassment": "Leave out remarks on the other person's body, age, gender or private life, insults, "
        "threats and barked orders; say only the facts and what you need.",
        "blame": "It puts the blame on the other person; separate the facts from what you want to happen next.",
        "absolute": "Absolute words such as 'always' or 'never' invite push-back; replace them with specific facts.",
        "hostile": "It shuts the other person out; acknowledge what they said first.",
        "too_casual": "It is too casual for the other person's position; use a more formal register.",
        "no_point": "Put the main point in the first sentence so the other person grasps the situation at once.",
        "no_step": "Add what you will do next and by when, so the conversation moves forward.",
        "no_question": "Ask one question about the other person's view to make it a dialogue.",
        "vague": "It is vague; say what, when and how much.",
        "off_topic": "It changes the subject without answering the question; answer what was asked first.",
        "dismissive": "It makes light of the other person's concern; acknowledge it first.",
    },
}
_MERIT_ORDER = ("point", "next_step", "acknowledge", "question", "proposal", "empathy", "specific", "cushion", "polite")


def _went_well(lines: list[LineVerdict], lang: str) -> list[tuple[str, str]]:
    good = [line for line in lines if line.merits and not line.flaws]
    good.sort(key=lambda line: -line.balance)
    chosen = []
    for line in good[:2]:
        order = ("empathy", *_MERIT_ORDER) if line.reading.empathy and not line.reading.trouble else _MERIT_ORDER
        merit = next(name for name in order if name in line.merits)
        chosen.append((line.text, _MERIT_WORDS[lang][merit]))
    return chosen


def _to_improve(lines: list[LineVerdict], lang: str) -> list[tuple[str, str]]:
    """Lines with a flaw first; then a line that lacks a next step or a question (never a line that went well)."""
    flawed = sorted((line for line in lines if line.flaws), key=lambda line: line.balance)
    chosen = [(line.text, _FLAW_WORDS[lang][line.flaws[0]]) for line in flawed[:2]]
    candidates = [line for line in lines if not (line.reading.thanks or line.reading.closing or line.reading.boundary)]
    if not chosen and candidates:
        missing = _missing(lines)
        plain = min(candidates, key=lambda line: (line.balance, len(line.text)))
        if missing:
            chosen.append((plain.text, _FLAW_WORDS[lang][missing]))
    return chosen


def _missing(lines: list[LineVerdict]) -> str:
    """What a flawless conversation still lacks: a next step where work was discussed, or any question."""
    work = any(line.reading.trouble or line.reading.request or line.reading.consult for line in lines)
    if work and not any(line.reading.promise for line in lines):
        return "no_step"
    return "" if any(line.reading.questions for line in lines) else "no_question"


_MODELS = {
    "ja": {
        "harassment": "今の言い方は取り消します。仕事の進め方について、一緒に確認させてください。",
        "blame": "原因を一緒に確認させてください。そのうえで、次にどうするかを決めましょう。",
        "absolute": "ここ最近、同じことが二回ありました。一度、やり方を一緒に見直しませんか。",
        "hostile": "お話はわかりました。こちらで確認して、本日中にご連絡します。",
        "too_casual": "恐れ入りますが、少しご相談してもよろしいでしょうか。",
        "no_point": "結論から申し上げます。",
        "vague": "具体的には、明日の15時までに対応します。",
        "off_topic": "ご質問の件ですが、確認してすぐにお答えします。",
        "dismissive": "話してくださってありがとうございます。詳しく聞かせていただけますか。",
    },
    "en": {
        "harassment": "I take that back. Let's go over how the work is going together.",
        "blame": "Let's look at what caused it together, and then decide what to do next.",
        "absolute": "This has happened twice recently. Could we look at how we handle it together?",
        "hostile": "I understand. I'll look into it and get back to you today.",
        "too_casual": "Sorry to bother you, but could I ask your advice on something?",
        "no_point": "Let me start with the main point.",
        "vague": "To be specific, I'll have it done by 3 pm tomorrow.",
        "off_topic": "About your question: let me check and answer right away.",
        "dismissive": "Thank you for telling me. Could you tell me more about it?",
    },
}
_REASONS = {
    "ja": {
        "harassment": "人柄や私生活ではなく仕事の中身に話を向けると、相手が安心して話せるためです。",
        "blame": "責める言葉を避け、原因と次の一手に話を向けると、相手が身構えずに聞けるためです。",
        "absolute": "言い切りを具体的な事実に置き換えると、相手が受け止めやすくなるためです。",
        "hostile": "受け止めの一言と次の連絡を示すと、相手が落ち着いて話せるためです。",
        "too_casual": "クッション言葉とです・ます調で、相手の立場に合った言い方になるためです。",
        "no_point": "最初に結論を置くと、相手が続きの説明を理解しやすくなるためです。",
        "vague": "日時や量を具体的に示すと、相手が次の判断をしやすくなるためです。",
        "off_topic": "聞かれたことに先に答えると、相手が話を聞いてもらえたと感じるためです。",
        "dismissive": "受け止めの言葉と質問で、相手が安心して話を続けられるためです。",
    },
    "en": {
        "harassment": "Talking about the work, not the person, lets the other person speak without fear.",
        "blame": "Moving from blame to causes and next steps lets the other person listen without getting defensive.",
        "absolute": "Specific facts are easier to accept than sweeping statements.",
        "hostile": "Acknowledging and promising a follow-up lets the other person calm down.",
        "too_casual": "A softener and a more formal register suit the other person's position.",
        "no_point": "Leading with the conclusion makes the rest easier to follow.",
        "vague": "Specific times and amounts let the other person plan.",
        "off_topic": "Answering first shows you heard the question.",
        "dismissive": "Acknowledging and asking lets the other person go on safely.",
    },
}


def _distinct(phrasings: list[Phrasing]) -> list[Phrasing]:
    """One phrasing per suggestion (two lines with the same flaw get the model sentence once)."""
    seen: set[str] = set()
    kept = []
    for phrasing in phrasings:
        if phrasing.suggestion not in seen:
            seen.add(phrasing.suggestion)
            kept.append(phrasing)
    return kept


def _phrasing(line: LineVerdict, lines: list[LineVerdict], lang: str) -> Phrasing | None:
    flaw = line.flaws[0]
    suggestion = _MODELS[lang][flaw]
    if flaw == "no_point":
        stated = next(
            (other.text for other in lines if other.reading.trouble and other.reading.register == "polite"), ""
        )
        if not stated:
            return None
        suggestion = suggestion + stated if lang == "ja" else f"{suggestion} {stated}"
    if sentence_problems(suggestion) if lang == "ja" else english_problems(suggestion):
        return None
    return Phrasing(line.text, suggestion, _REASONS[lang][flaw])


_ADDITIONS = {
    "ja": {
        "no_step": (
            "明日の午前中までに、進み具合をご連絡します。",
            "次の行動と期限を添えると、相手が安心して任せられるためです。",
        ),
        "no_question": ("ご意見をお聞かせいただけますか。", "質問で締めくくると、相手が考えを話しやすくなるためです。"),
    },
    "en": {
        "no_step": (
            "I'll update you on progress by tomorrow morning.",
            "A next step with a time lets the other person rely on you.",
        ),
        "no_question": ("What do you think?", "Ending with a question invites the other person's view."),
    },
}


def missing_example(lang: str, comments: list[str]) -> str:
    """A model sentence for the first thing the comments say is missing (a next step by default)."""
    for comment in comments:
        for key, words in _FLAW_WORDS[lang].items():
            if words == comment and key in _ADDITIONS[lang]:
                return _ADDITIONS[lang][key][0]
            if words == comment and key in _MODELS[lang] and key != "no_point":
                return _MODELS[lang][key]
    return _ADDITIONS[lang]["no_step"][0]


def _completions(improve: list[tuple[str, str]], lines: list[LineVerdict], lang: str) -> list[Phrasing]:
    """For a line that lacks something (a next step, a question), the line itself with it added,
    when the line reads as a finished polite sentence."""
    phrasings = []
    for quote, comment in improve:
        line = next((line for line in lines if line.text == quote), None)
        missing = next((key for key, words in _FLAW_WORDS[lang].items() if words == comment), "")
        if line is None or missing not in _ADDITIONS[lang]:
            continue
        if lang == "ja" and (line.reading.register != "polite" or sentence_problems(quote)):
            continue
        addition, reason = _ADDITIONS[lang][missing]
        joined = quote + addition if lang == "ja" else f"{quote} {addition}"
        if lang == "en" and english_problems(joined):
            continue  # the learner's own English is kept as a suggestion only when it reads as English
        phrasings.append(Phrasing(quote, joined, reason))
    return phrasings


# --- criteria (a scenario's feedback points, or a rubric's criteria) --------------------------------
@dataclass
class CriterionMatch:
    criterion: str
    passed: bool
    score: int
    quote: str  # the learner line that shows it ("" when none does)
    comment: str


_CRITERION_FEATURES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("最初", "結論", "一文目", "first sentence", "conclusion", "lead with"), "point"),
    (
        (
            "日付",
            "期限",
            "具体的な",
            "数字",
            "数量",
            "金額",
            "締切",
            "所要",
            "時間",
            "date",
            "deadline",
            "concrete",
            "timeline",
            "figure",
            "how long",
        ),
        "next_step",
    ),
    (("丁寧", "polite", "courteous"), "polite"),
    (("質問", "聞き", "確認", "意向", "question", "ask", "check what"), "question"),
    (("謝罪", "お詫び", "apolog"), "apology"),
    (("やめて", "要望", "はっきり", "stop", "clearly ask"), "boundary"),
    (("攻撃", "落ち着", "責め", "冷静", "calm", "attack", "blame", "without judging"), "calm"),
    (("原因", "事実", "cause", "fact"), "cause"),
    (("対応案", "代替", "代案", "提案", "解決", "fix", "alternative", "propos", "option"), "proposal"),
    (("気持ち", "安心", "共感", "寄り添", "feel", "safe", "empath"), "empathy"),
    (("再発", "防止", "prevent", "again"), "prevent"),
    (("引き下が", "繰り返", "hold your ground", "insist"), "insist"),
    (("受け止め", "感謝", "thank", "accept"), "acknowledge"),
)


_PREVENT_WORDS = ("再発", "次から", "今後", "二度と", "今月から", "来月から", "次回から", "からは", "ようにします",
                  "prevent", "again", "from now on", "in future")  # fmt: skip


def _shows(feature: str, line: LineVerdict) -> bool:
    r = line.reading
    checks = {
        "point": "point" in line.merits,
        "next_step": "next_step" in line.merits or r.numbers > 0,
        "question": r.questions > 0,
        "apology": r.apology,
        "boundary": r.boundary or (r.request and r.trouble),
        "calm": not line.flaws and r.register != "casual",
        "cause": any(word in r.text for word in ("原因", "ため", "because", "due to", "since")),
        "proposal": r.proposal or r.promise or any(word in r.text for word in ("案", "代わりに", "instead", "suggest")),
        "empathy": r.empathy > 0 or r.acknowledge > 0,
        "prevent": any(word in r.text for word in _PREVENT_WORDS),
        "polite": "polite" in line.merits or r.cushion > 0,
        "insist": r.boundary,
        "acknowledge": r.acknowledge > 0 or r.thanks,
    }
    return checks.get(feature, False)


def match_criterion(criterion: str, verdict: Verdict) -> CriterionMatch:
    """Whether the learner's lines meet ``criterion``, with the line that shows it as evidence.

    The criterion's words pick the features it is about (a date, a question, an apology, ...);
    "insist" needs the feature twice. A criterion none of whose words are known is met by a line
    that shares a content word with it.
    """
    lowered = criterion.lower()
    features = [feature for words, feature in _CRITERION_FEATURES if any(word in lowered for word in words)]
    lines = verdict.lines
    if features:
        showing = [line for line in lines if any(_shows(feature, line) for feature in features)]
        needed = 2 if features == ["insist"] else 1
        passed = len(showing) >= needed and not (features == ["calm"] and any(line.flaws for line in lines))
    else:
        showing = [line for line in lines if read_line(criterion).nouns & line.reading.nouns]
        passed = bool(showing)
    if "boundary" in features:
        showing.sort(key=lambda line: not line.reading.request)  # the line that asks, before the one that complains
    quote = showing[0].text if showing else ""
    score = _clamp(78 + 6 * min(len(showing), 3)) if passed else _clamp(30 + 8 * min(len(showing), 1))
    return CriterionMatch(criterion, passed, score, quote, _criterion_comment(verdict.lang, passed, quote))


def _criterion_comment(lang: str, passed: bool, quote: str) -> str:
    if lang == "ja":
        if passed:
            return f"「{quote}」の発言で満たしています。"
        return (
            "この点を示す発言は見当たりませんでした。"
            if not quote
            else f"「{quote}」で触れていますが、まだ十分ではありません。"
        )
    if passed:
        return f'Met by the line "{quote}".'
    return "No line shows this yet." if not quote else f'Touched on in "{quote}", but not yet enough.'
