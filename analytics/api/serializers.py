"""API shapes for analytics: query parameters (validated: 400 with field errors) and documented answers."""

from __future__ import annotations

from rest_framework import serializers

from analytics.export import FORMATS
from analytics.periods import DEFAULT_PERIOD, PERIODS


class PeriodQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(
        choices=PERIODS,
        default=DEFAULT_PERIOD,
        help_text="week (7 days), month (30 days), quarter (13 weeks), year (12 months)",
    )


class ExportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=FORMATS, default="json", help_text="json, or csv (a zip of CSV files)")


class AxisSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


AxisValues = serializers.DictField(
    child=serializers.FloatField(allow_null=True), help_text="axis name -> value or null"
)


class TopStrengthSerializer(serializers.Serializer):
    axis = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    reason = serializers.CharField()
    quote = serializers.CharField(help_text="The learner's own line")


class AnalysisSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    source = serializers.CharField()  # type: ignore[assignment]
    mode = serializers.CharField()
    session_title = serializers.CharField()
    session_url = serializers.CharField()
    session_started_at = serializers.DateTimeField()
    analyzed_at = serializers.DateTimeField()
    scores = serializers.DictField(help_text='axis -> {"score": 0-100, "evidence": [the learner\'s own lines]}')
    top_strengths = TopStrengthSerializer(many=True)
    feedback = serializers.CharField()


class HistoryPointSerializer(serializers.Serializer):
    analysis_id = serializers.IntegerField()
    at = serializers.DateTimeField()
    score = serializers.IntegerField()


class StrengthsSerializer(serializers.Serializer):
    axes = AxisSerializer(many=True)
    latest = AnalysisSerializer(allow_null=True)
    history = serializers.DictField(child=HistoryPointSerializer(many=True), help_text="axis -> points, oldest first")


class ProgressPointSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    sessions = serializers.IntegerField()
    minutes = serializers.IntegerField()
    scores = serializers.DictField(child=serializers.FloatField(allow_null=True))


class ProgressSerializer(serializers.Serializer):
    period = serializers.CharField()
    axes = AxisSerializer(many=True)
    points = ProgressPointSerializer(many=True)


class ScoredAxisSerializer(serializers.Serializer):
    axis = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    score = serializers.FloatField()


class SuggestedScenarioSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    difficulty = serializers.CharField()
    url = serializers.CharField()


class WeakestAxisSerializer(serializers.Serializer):
    axis = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


class ReportSummarySerializer(serializers.Serializer):
    period = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField(help_text="Last day included")
    axes = AxisSerializer(many=True)
    sessions = serializers.IntegerField()
    minutes = serializers.IntegerField()
    analysed = serializers.IntegerField()
    averages = serializers.DictField(child=serializers.FloatField(allow_null=True))
    previous = serializers.DictField(child=serializers.FloatField(allow_null=True), help_text="The period before")
    deltas = serializers.DictField(child=serializers.FloatField(allow_null=True))
    top_strengths = ScoredAxisSerializer(many=True)
    weakest = WeakestAxisSerializer(allow_null=True, help_text="The axis with the most room to grow")
    suggested_scenarios = SuggestedScenarioSerializer(many=True)


class WeekSerializer(serializers.Serializer):
    week = serializers.DateField(help_text="Monday")
    sessions = serializers.IntegerField()
    minutes = serializers.IntegerField()


class TeamScenarioSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    sessions = serializers.IntegerField()
    learners = serializers.IntegerField()


class TeamOverviewSerializer(serializers.Serializer):
    team = serializers.DictField()
    axes = AxisSerializer(many=True)
    members = serializers.IntegerField()
    min_learners = serializers.IntegerField(help_text="Smallest team (and group of analysed learners) shown")
    withheld = serializers.BooleanField(
        help_text="The team has fewer than `min_learners` members: no figures, weekly or scenarios are given"
    )
    notice = serializers.CharField(
        allow_blank=True, help_text="Why figures are not shown, in the caller's language; empty if nothing is held back"
    )
    active_learners = serializers.IntegerField(
        allow_null=True, help_text="Members who practised in the last 30 days (null when withheld)"
    )
    figures = serializers.DictField(
        allow_null=True,
        help_text="sessions, minutes, averages, previous, deltas (last 30 days); null when withheld. Averages of a "
        "period with fewer than `min_learners` analysed learners are null.",
    )
    weekly = WeekSerializer(many=True)
    scenarios = TeamScenarioSerializer(many=True)
