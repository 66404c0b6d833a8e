from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WatchConfig(AppConfig):
    name = "watch"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Watch mode")

    def ready(self) -> None:
        from conversations.sweeps import register_stale_reply_sweep
        from watch import dispatch, runner, tasks
        from watch.services import turns_interrupt_stale

        register_stale_reply_sweep("watch", turns_interrupt_stale)
        dispatch.register_drivers(drive=runner.drive, task=tasks.watch_drive)
