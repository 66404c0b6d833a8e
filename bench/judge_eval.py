"""Is the feedback right? The judge scores pairs of transcripts written for this
(``bench/data/judge_eval/*.yaml``: the same conversation in a strong and a weak version, in chat
and in scenarios, including reverse-role and harassment-prevention ones, some with known flaws).

Reports:
- pairwise accuracy: the share of pairs whose strong version scores higher overall and on every
  axis the pair was written to differ on;
- criterion agreement: the share of labelled criteria (a scenario's feedback points) judged as
  labelled (score >= 60 is a pass);
- rubric agreement: for the pairs played in a built-in scenario (``scenario:`` its key), the judge
  is given that scenario's rubric as the product gives it, and the weighted total of its criterion
  scores (no quote, no credit) must pass the scenario's threshold for the strong version and not
  for the weak one;
- quote validity: the share of quoted lines (went well, to improve, better phrasings, evidence,
  top strengths, concerns) that are the learner's own (``conversations.feedback.learner_said``);
  the answer is validated as in the product, against the learner's lines (``report_schema``), so
  a model's answer with an unsaid quote is repaired once or rejected;
- repeatability: each transcript judged 3 times, the largest spread of any axis;
- cost: judge calls and tokens per session.

Offline (default) it asks the offline judge (``llm.demo``) directly, in well under a second.
``--model provider/model`` (e.g. ``--model gemini/gemini-2.5-flash`` with ``GEMINI_API_KEY`` set)
asks that model through the gateway instead, with the product's own prompt.

Run: ``.venv/bin/python bench/judge_eval.py`` (``--model``, ``--runs``, ``--json``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data" / "judge_eval"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

AXES = ("empathy", "clarity", "active_listening", "adaptability", "positivity", "professionalism")


def load_pairs() -> list[dict[str, Any]]:
    pairs: list[dict[str, Any]] = []
    for path in sorted(DATA.glob("*.yaml")):
        pairs += [{**pair, "set": path.stem} for pair in yaml.safe_load(path.read_text(encoding="utf-8"))["pairs"]]
    return pairs


def transcript_of(pair: dict[str, Any], version: str) -> list[dict[str, str]]:
    turns = []
    for index, line in enumerate(pair[version]):
        partner = pair["partner"][index] if index < len(pair["partner"]) else ""
        if partner:
            turns.append({"role": "assistant", "content": partner})
        turns.append({"role": "user", "content": line})
    return turns


_RUBRICS: dict[str, Any] = {}


def builtin_rubric(slug: str) -> Any:
    """The built-in scenario ``slug`` as the importer reads it (its rubric and pass threshold)."""
    if not _RUBRICS:
        from scenarios.importer import parse_sources, read_paths
        from scenarios.services import BUILTIN_SCENARIOS_FILE

        _RUBRICS.update({data.slug: data for _, data in parse_sources(read_paths([BUILTIN_SCENARIOS_FILE]))})
    return _RUBRICS[slug]


def rubric_of(pair: dict[str, Any]) -> list[dict[str, str]]:
    """The rubric the product gives the judge for the pair's scenario, in the pair's language."""
    from scenarios.models import CRITERION_TEXTS

    if not pair.get("scenario"):
        return []
    english = pair["lang"] == "en"
    criteria = builtin_rubric(pair["scenario"]).rubric or []
    return [
        {name: (getattr(c, f"{name}_en") if english else "") or getattr(c, name) for name in CRITERION_TEXTS}
        for c in criteria
    ]


def prompt_of(pair: dict[str, Any], version: str) -> list[dict[str, str]]:
    from conversations.judging import feedback_task
    from llm.prompts import judge_messages

    points = [criterion["text"] for criterion in pair.get("criteria") or []]
    task = feedback_task(language=pair["lang"], points=points, rubric=rubric_of(pair))
    return judge_messages(task, transcript_of(pair, version), context=pair.get("context", ""), language=pair["lang"])


def schema_of(pair: dict[str, Any], version: str) -> Any:
    """The product's schema: every quote the learner's own and every axis quoted; with a rubric, known criteria too."""
    from conversations.feedback import report_schema, rubric_report_schema

    rubric, learner = rubric_of(pair), list(pair[version])
    return rubric_report_schema([c["name"] for c in rubric], learner) if rubric else report_schema(learner)


def judge_offline(messages: list[dict[str, str]], schema: Any) -> tuple[Any, int, int]:
    from llm import demo
    from llm.prompts import estimate_tokens

    response_format = {
        "type": "json_schema",
        "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema()},
    }
    text = demo.json_answer(messages, response_format)
    tokens_in = sum(estimate_tokens(m["content"]) for m in messages)
    return schema.model_validate_json(text), tokens_in, estimate_tokens(text)


_LOOP: asyncio.AbstractEventLoop | None = None


def judge_with_model(messages: list[dict[str, str]], model: str, schema: Any) -> tuple[Any, int, int]:
    """One judge call through the gateway (one event loop for the whole run: the gateway keeps its
    HTTP sessions between calls)."""
    from llm import Purpose, complete_json

    global _LOOP
    _LOOP = _LOOP or asyncio.new_event_loop()
    call = complete_json(messages, schema=schema, purpose=Purpose.JUDGE, mode="bench")
    result = _LOOP.run_until_complete(call)
    return result.value, result.stats.tokens_in, result.stats.tokens_out


@dataclass
class Figures:
    pairs: int = 0
    pairs_right: int = 0
    criteria: int = 0
    criteria_agreed: int = 0
    rubric_verdicts: int = 0
    rubric_agreed: int = 0
    rubric_misses: list[str] = field(default_factory=list)
    quotes: int = 0
    quotes_valid: int = 0
    spread: int = 0
    calls: int = 0
    tokens: int = 0
    sessions: int = 0
    misses: list[str] = field(default_factory=list)
    by_set: dict[str, list[int]] = field(default_factory=dict)  # set -> [pairs, right]
    rubric_by_set: dict[str, list[int]] = field(default_factory=dict)  # set -> [verdicts, agreed]

    def summary(self) -> dict[str, Any]:
        ratio = lambda a, b: round(a / b, 3) if b else None  # noqa: E731
        return {
            "transcripts": self.pairs * 2,
            "pairwise_accuracy": ratio(self.pairs_right, self.pairs),
            "criterion_agreement": ratio(self.criteria_agreed, self.criteria),
            "rubric_agreement": ratio(self.rubric_agreed, self.rubric_verdicts),
            "rubric_verdicts": self.rubric_verdicts,
            "rubric_agreement_by_set": {
                name: ratio(agreed, n) for name, (n, agreed) in sorted(self.rubric_by_set.items())
            },
            "rubric_misses": self.rubric_misses,
            "quote_validity": ratio(self.quotes_valid, self.quotes),
            "repeatability_max_spread": self.spread,
            "calls_per_session": ratio(self.calls, self.sessions),
            "tokens_per_session": ratio(self.tokens, self.sessions),
            "pairwise_accuracy_by_set": {name: ratio(right, n) for name, (n, right) in sorted(self.by_set.items())},
            "missed_pairs": self.misses,
        }


def _quotes(report: Any) -> list[str]:
    quotes = [p.quote for p in report.went_well + report.to_improve] + [p.original for p in report.better_phrasings]
    quotes += [quote for axis in AXES for quote in report.evidence_for(axis)]
    return quotes + [strength.quote for strength in report.top_strengths] + [c.quote for c in report.concerns]


def learner_said(quote: str, learner: list[str]) -> bool:
    from conversations.feedback import learner_said as said

    return said(quote, learner)


def _overall(report: Any) -> float:
    return sum(getattr(report.scores, axis) for axis in AXES) / len(AXES)


def evaluate(*, model: str | None = None, runs: int = 3) -> Figures:
    figures = Figures()
    for pair in load_pairs():
        reports = {}
        for version in ("strong", "weak"):
            messages, schema, learner = prompt_of(pair, version), schema_of(pair, version), list(pair[version])
            judged = [
                judge_with_model(messages, model, schema) if model else judge_offline(messages, schema)
                for _ in range(runs)
            ]
            figures.sessions += 1
            figures.calls += runs
            figures.tokens += sum(tokens_in + tokens_out for _, tokens_in, tokens_out in judged)
            reports[version] = judged[0][0]
            for axis in AXES:
                values = [getattr(report.scores, axis) for report, _, _ in judged]
                figures.spread = max(figures.spread, max(values) - min(values))
            for report, _, _ in judged[:1]:
                quotes = _quotes(report)
                figures.quotes += len(quotes)
                figures.quotes_valid += sum(1 for quote in quotes if learner_said(quote, learner))
            _criteria(figures, pair, version, reports[version])
            _rubric(figures, pair, version, reports[version])
        figures.pairs += 1
        strong, weak = reports["strong"], reports["weak"]
        right = _overall(strong) > _overall(weak) and all(
            getattr(strong.scores, axis) > getattr(weak.scores, axis) for axis in pair.get("differ_on", [])
        )
        figures.pairs_right += right
        counts = figures.by_set.setdefault(pair["set"], [0, 0])
        counts[0], counts[1] = counts[0] + 1, counts[1] + right
        if not right:
            figures.misses.append(pair["id"])
    figures.calls //= runs  # a session is judged once in the product; the repeats only measure spread
    figures.tokens //= runs
    return figures


def _criteria(figures: Figures, pair: dict[str, Any], version: str, report: Any) -> None:
    scored = {item.point: item.score for item in report.point_scores}
    for criterion in pair.get("criteria") or []:
        figures.criteria += 1
        passed = scored.get(criterion["text"], 0) >= 60
        figures.criteria_agreed += passed == (criterion[version] == "pass")


def rubric_total(pair: dict[str, Any], report: Any) -> int:
    """The weighted total of the report's criterion scores for the pair's rubric (no quote, no credit)."""
    from scenarios.rubric import weighted_total

    scored = {item.criterion: item for item in report.criterion_scores}
    pairs = []
    for criterion, weight in zip(rubric_of(pair), _weights(pair), strict=True):
        item = scored.get(criterion["name"])
        pairs.append((item.score if item is not None and item.evidence else 0, weight))
    return weighted_total(pairs)


def _weights(pair: dict[str, Any]) -> list[int]:
    return [criterion.weight for criterion in builtin_rubric(pair["scenario"]).rubric or []]


def _rubric(figures: Figures, pair: dict[str, Any], version: str, report: Any) -> None:
    if not pair.get("scenario"):
        return
    passed = rubric_total(pair, report) >= builtin_rubric(pair["scenario"]).pass_threshold
    figures.rubric_verdicts += 1
    agreed = passed == (version == "strong")
    figures.rubric_agreed += agreed
    counts = figures.rubric_by_set.setdefault(pair["set"], [0, 0])
    counts[0], counts[1] = counts[0] + 1, counts[1] + agreed
    if not agreed:
        figures.rubric_misses.append(f"{pair['id']}:{version}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="provider/model to judge with (its key must be set); default: offline judge")
    parser.add_argument("--runs", type=int, default=3, help="times each transcript is judged (repeatability)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workplace_roleplay.settings.base")
    if args.model:
        os.environ["LLM_JUDGE_MODEL"] = args.model
    import django

    django.setup()
    print(json.dumps(evaluate(model=args.model, runs=args.runs).summary(), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
