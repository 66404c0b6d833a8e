from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScenariosConfig(AppConfig):
    name = "scenarios"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Scenarios")

    def ready(self) -> None:
        from accounts.signals import demo_data_requested
        from scenarios import play, signals

        signals.connect()
        play.connect()
        demo_data_requested.connect(signals.load_builtin_scenarios, dispatch_uid="scenarios-builtin-demo-data")
