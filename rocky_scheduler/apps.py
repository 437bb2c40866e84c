from django.apps import AppConfig


class RockySchedulerConfig(AppConfig):
    name = "rocky_scheduler"
    label = "rocky_scheduler"
    verbose_name = "Scheduler"
    default_auto_field = "django.db.models.BigAutoField"
