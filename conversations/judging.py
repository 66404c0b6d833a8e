"""Asking the judge model: its prompts (all in this module), structured feedback, and hints.

The judge is asked once per ended session, with one prompt (``feedback_task``) whose answer holds
everything the product shows: the six axes with the learner's quoted lines as evidence, what went
well and what to improve, better phrasings, the top strengths, the lines that may be harassment
(``concerns``) and the scenario's feedback points. Every quote is checked against the learner's
own lines (``conversations.feedback.report_schema``), for chat, scenarios and watch step-in alike.
The answer is stored as the session's feedback; the strength analysis copies it.
"""

from pydantic import BaseModel, Field

from conversations import services
from conversations.anchors import CRITERION_LEVELS, anchors_text
from conversations.feedback import AXIS_NAMES, FeedbackReport, axis_label, report_schema, rubric_report_schema
from conversations.models import Conversation, Feedback
from conversations.personas import feedback_brief_for, rubric_for
from conversations.selectors import conversation_history, feedback_get
from core.db import db_call
from llm import JsonResult, Purpose, complete_json
from llm.prompts import judge_messages

FEEDBACK_TASK_JA = (
    "あなたは職場コミュニケーションの指導者です。以下の会話記録のうち、学習者（user）の発言だけを評価し、"
    "JSONで返してください。summary に具体的で前向きな総評を2〜3文で書き、良かった点と改善点には学習者自身の"
    "発言をそのまま引用し、より良い言い方を提案してください。6つの軸（共感力 empathy、明確な伝達力 clarity、"
    "傾聴力 active_listening、適応力 adaptability、前向きさ positivity、プロフェッショナリズム professionalism）"
    "を0〜100で採点し、evidence に各軸の点数の根拠として学習者自身の発言を必ず1つ以上そのまま引用してください"
    "（低い点数なら、その点数の理由になった発言です）。引用は、良かった点・改善点・より良い言い方の元の発言・強み・"
    "懸念のどれも、学習者が実際に言った発言だけです。top_strengths に特に優れていた強みを1〜3つ、理由と引用つきで"
    "挙げてください。"
)
CONCERNS_TASK_JA = (
    "学習者の発言のうち、ハラスメントにあたるおそれのあるもの（相手をおとしめる言葉や侮辱、体型・容姿・年齢・性別・"
    "私生活についての発言、脅しや圧力、後輩や部下への怒鳴るような命令など）があれば、concerns にその発言をそのまま"
    "引用し、reason に理由を1文で書いてください。なければ空のリストにしてください。"
)
FEEDBACK_TASK_EN = (
    "You are a workplace communication coach. Assess only the learner's (user) lines of the transcript below "
    "and answer in JSON. Write two or three sentences of concrete, encouraging feedback in summary, quote the "
    "learner's own lines exactly in what went well and what to improve, and suggest better phrasings. Score the "
    "six axes (empathy, clarity, active_listening, adaptability, positivity, professionalism) from 0 to 100 and, "
    "as evidence for each axis quote at least one of the learner's own lines exactly, the line behind its score "
    "(for a low score, the line that pulls it down). Every quote, in what went well, what to improve, the "
    "original of a better phrasing, a strength or a concern, must be a line the learner really said. Name one "
    "to three top strengths in top_strengths, each with a reason and a quote."
)
CONCERNS_TASK_EN = (
    "If any of the learner's lines may be harassment (demeaning words or insults, remarks on someone's body, "
    "appearance, age, gender or private life, threats or pressure, shouting orders at a junior), quote each such "
    "line exactly in concerns with a one-sentence reason; otherwise leave concerns an empty list."
)
JUDGED_IN_ROLE_JA = (
    "学習者は「{role}」として話しています。その立場にふさわしい言動か（指示・判断・配慮など）を評価してください。"
)
JUDGED_IN_ROLE_EN = (
    'The learner speaks as "{role}". Judge whether what they say fits that position (instructions, decisions, '
    "care for the other person)."
)
RUBRIC_TASK_JA = (
    "このシナリオのルーブリックです。各評価基準には、約20・50・80がどう見えるかの目安と短い発言例があります"
    "（発言例は目安を示すためのもので、学習者の発言ではありません）。目安に照らして各評価基準を criterion_scores で"
    "0〜100で採点してください。criterion には基準名をそのまま書き、evidence に根拠となる学習者自身の発言をそのまま"
    "引用し、comment に短い理由を書いてください。引用できる発言がない基準は0点です。"
)
RUBRIC_TASK_EN = (
    "This scenario's rubric follows. Each criterion comes with what roughly 20, 50 and 80 look like and a short "
    "example line for each (the examples illustrate the anchors; the learner did not say them). Score every "
    "criterion against its anchors from 0 to 100 in criterion_scores: write the criterion's name unchanged in "
    "criterion, quote the learner's own lines exactly as evidence and give a short reason in comment. A criterion "
    "no line of the learner shows scores 0."
)
# One line per criterion: its name, then each anchor it has (about 20, 50, 80), each with its example
# line when it has one. The offline demo judge (llm.demo.rubric) reads this shape back.
RUBRIC_LINE = "* {name}｜{anchors}"
RUBRIC_ANCHOR = {"ja": "約{score}: {looks}", "en": "~{score}: {looks}"}
RUBRIC_EXAMPLE = {"ja": "（例「{example}」）", "en": ' (e.g. "{example}")'}
RUBRIC_SEPARATOR = "｜"
HINT_TASK_JA = "学習者が次に言うとよい発言の方向性を、ロールプレイのネタばらしをせずに短く助言してください。"
HINT_TASK_EN = "Briefly suggest a direction for the learner's next line without spoiling the role-play."


ANCHORS_HEADING = {
    "ja": (
        "採点の目安（各軸で約20・50・80がどう見えるか、発言例つき）。この目安に照らして採点し、各軸の evidence "
        "には、その点数の根拠となる学習者の発言を必ず1つ以上そのまま引用してください:"
    ),
    "en": (
        "Scoring anchors (what roughly 20, 50 and 80 look like on each axis, with an example line). Score against "
        "them, and for every axis quote at least one learner line exactly in evidence as the reason for its score:"
    ),
}
CRITERIA_ANCHORS = {
    "ja": (
        "各評価ポイントは、満たしている（約80）・一部だけ（約50）・満たしていない（約20）で採点し、"
        "根拠の発言を comment に引用してください。"
    ),
    "en": (
        "Score each feedback point as met (about 80), partly met (about 50) or not met (about 20), "
        "quoting the line that shows it in comment."
    ),
}


def _rubric_text(text: str) -> str:
    """One line of a criterion's text (the separator cannot appear inside it)."""
    return " ".join(str(text or "").split()).replace(RUBRIC_SEPARATOR, "/")


def rubric_line(criterion: dict[str, str], *, language: str) -> str:
    """One criterion as the judge reads it (``RUBRIC_LINE``); anchors left blank are left out."""
    lang = "en" if language == "en" else "ja"
    anchors = []
    for level, score in CRITERION_LEVELS:
        looks = _rubric_text(criterion.get(level, ""))
        if not looks:
            continue
        anchor = RUBRIC_ANCHOR[lang].format(score=score, looks=looks)
        if example := _rubric_text(criterion.get(f"{level}_example", "")):
            anchor += RUBRIC_EXAMPLE[lang].format(example=example)
        anchors.append(anchor)
    name = _rubric_text(criterion.get("name", ""))
    return RUBRIC_LINE.format(name=name, anchors=RUBRIC_SEPARATOR.join(anchors))


def rubric_task(*, language: str, rubric: list[dict[str, str]]) -> str:
    """The rubric part of the judge's task: each criterion with its anchors and example lines."""
    lang = "en" if language == "en" else "ja"
    lines = [rubric_line(criterion, language=lang) for criterion in rubric]
    return "\n".join([RUBRIC_TASK_EN if lang == "en" else RUBRIC_TASK_JA, *lines])


def feedback_task(*, language: str, points: list[str], rubric: list[dict[str, str]] | None = None) -> str:
    """The judge's one task for an ended session: the axes with their anchors, the scenario's rubric
    (criteria with what good and poor look like) and its feedback points, if any. The scenario's
    roles and goals come as context."""
    lang = "en" if language == "en" else "ja"
    task = FEEDBACK_TASK_JA if lang == "ja" else FEEDBACK_TASK_EN
    concerns = CONCERNS_TASK_JA if lang == "ja" else CONCERNS_TASK_EN
    task = f"{task}\n{concerns}\n\n{ANCHORS_HEADING[lang]}\n{anchors_text(lang)}"
    if rubric:
        task = f"{task}\n{rubric_task(language=language, rubric=rubric)}"
    if points:
        listed = "\n".join(f"- {point}" for point in points)
        heading = (
            "次の評価ポイントごとにも point_scores で採点してください:"
            if language == "ja"
            else ("Also score each of these feedback points in point_scores:")
        )
        task = f"{task}\n\n{heading}\n{listed}\n{CRITERIA_ANCHORS[lang]}"
    return task


def judged_in_role(role: str, *, language: str) -> str:
    """The line telling the judge which role the learner plays (a manager's instruction is judged as a manager's)."""
    if not role.strip():
        return ""
    return (JUDGED_IN_ROLE_EN if language == "en" else JUDGED_IN_ROLE_JA).format(role=role.strip())


def hint_task(*, language: str) -> str:
    return HINT_TASK_JA if language == "ja" else HINT_TASK_EN


def commentary_task(*, language: str, first: str, second: str) -> str:
    """The judge's commentary on a watched conversation between ``first`` and ``second``."""
    axes = ", ".join(f"{name} ({axis_label(name, 'ja')})" for name in AXIS_NAMES)
    if language == "en":
        return (
            "You are a workplace communication coach. Two people talked; the transcript calls the first "
            f'"learner" ({first}) and the second "partner" ({second}). In JSON, give a short overview and, for '
            f"each of them, what they did well, each point tied to one of the six axes: {axes}."
        )
    return (
        "あなたは職場コミュニケーションの指導者です。二人の会話記録で、"
        f"「learner」は{first}、「partner」は{second}です。JSONで、短い総評と、二人それぞれの良かった点を、"
        f"6つの軸（{axes}）のいずれかに結びつけて述べてください。"
    )


class NoLearnerLinesError(Exception):
    """Feedback needs at least one line from the learner."""


class Hint(BaseModel):
    hint: str = Field(max_length=400, description="A suggestion for the learner's next line, not a full script")
    example: str = Field(max_length=300, description="One short example phrase")


def _language(conversation: Conversation) -> str:
    return "en" if (conversation.metadata or {}).get("language") == "en" else "ja"


async def feedback_report(
    transcript: list[dict[str, str]],
    *,
    language: str,
    mode: str,
    points: list[str] | None = None,
    context: str = "",
    rubric: list[dict[str, str]] | None = None,
) -> JsonResult[FeedbackReport]:
    """Ask the judge to score the learner's (``user``) lines of ``transcript``; validated, not stored.

    Every quote must be the learner's own line and every axis needs one (``report_schema``); with a
    ``rubric`` (criteria with ``name`` and their anchors, see ``rubric_line``) every criterion score
    must also name a criterion given and quote the learner's own lines (``rubric_report_schema``)."""
    learner = [turn["content"] for turn in transcript if turn["role"] == "user"]
    if not learner:
        raise NoLearnerLinesError
    task = feedback_task(language=language, points=points or [], rubric=rubric)
    prompt = judge_messages(task, transcript, context=context, language=language)
    schema = rubric_report_schema([c["name"] for c in rubric], learner) if rubric else report_schema(learner)
    result = await complete_json(prompt, schema=schema, purpose=Purpose.JUDGE, mode=mode)
    if not points:  # nothing was asked to be scored beyond the six axes
        result.value.point_scores = []
    if not rubric:
        result.value.criterion_scores = []
    return result


async def feedback_generate(
    conversation: Conversation, *, points: list[str] | None = None, context: str = ""
) -> Feedback:
    """The conversation's feedback: the stored one, or end the conversation, ask the judge once and store it.

    The end is announced (``practice_ended``: the strength analysis) once the feedback is stored,
    so the analysis copies it instead of asking the judge again. The conversation stays ended when
    the judge fails (the end is announced then, and the analysis asks the judge in the background);
    asking again retries only the feedback.
    """
    stored = await db_call(feedback_get)(conversation_id=conversation.id)
    if stored is not None:
        return stored
    transcript = await db_call(conversation_history)(conversation_id=conversation.id)
    if not any(turn["role"] == "user" for turn in transcript):
        raise NoLearnerLinesError
    ending = conversation.ended_at is None
    await db_call(services.conversation_end)(conversation=conversation, announce=False)
    try:
        return await _judge_and_store(conversation, transcript, points=points, context=context)
    finally:
        if ending:
            await db_call(services.conversation_announce_end)(conversation=conversation)


async def _judge_and_store(
    conversation: Conversation, transcript: list[dict[str, str]], *, points: list[str] | None, context: str
) -> Feedback:
    if points is None:
        points, context = await db_call(feedback_brief_for)(conversation)
    rubric = await db_call(rubric_for)(conversation)
    result = await feedback_report(
        transcript,
        language=_language(conversation),
        mode=conversation.mode,
        points=points,
        context=context,
        rubric=rubric,
    )
    return await db_call(services.feedback_store)(
        conversation=conversation, report=result.value, metadata=result.stats.as_metadata()
    )


async def hint_generate(conversation: Conversation, *, context: str = "") -> Hint:
    language = _language(conversation)
    task = hint_task(language=language)
    transcript = await db_call(conversation_history)(conversation_id=conversation.id)
    if not context:
        _, context = await db_call(feedback_brief_for)(conversation)
    prompt = judge_messages(task, transcript, context=context, language=language)
    result = await complete_json(prompt, schema=Hint, purpose=Purpose.JUDGE, mode=conversation.mode)
    return result.value
