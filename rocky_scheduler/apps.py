from django.apps import AppConfig


class RockySchedulerConfig(AppConfig):
    name = "rocky_scheduler"
    label = "rocky_scheduler"
    verbose_name = "Scheduler"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rocky_scheduler.conf import app_settings

        if app_settings.API_ALLOW_ANONYMOUS:
            import logging

            logging.getLogger("rocky_scheduler").warning(
                "Anonymous API access is ON (SCHEDULER_API_ALLOW_ANONYMOUS): anyone who reaches this server "
                "can push, pop and change tasks. Use it only on a trusted network."
            )
