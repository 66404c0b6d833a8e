from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Progress and reports")

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from accounts.selectors import register_history_provider, register_trainee_provider
        from analytics import receivers, services, tasks
        from analytics.models import StrengthAnalysis
        from analytics.selectors import team_learners_of
        from analytics.sources import CONVERSATION_SOURCE, register_source, watch_source
        from conversations.signals import practice_ended

        services.register_analysis_task(tasks.analyse_session)
        register_source(CONVERSATION_SOURCE)
        register_source(watch_source())
        practice_ended.connect(receivers.on_practice_ended, dispatch_uid="analytics.practice_ended")
        post_delete.connect(
            receivers.on_analysis_deleted, sender=StrengthAnalysis, dispatch_uid="analytics.analysis_deleted"
        )
        register_history_provider(receivers.conversation_history_items)
        register_trainee_provider(team_learners_of)
