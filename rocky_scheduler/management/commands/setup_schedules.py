from typing import Any

from django.utils.translation import gettext_lazy as _

from rocky_scheduler.management.base import TranslatedCommand
from rocky_scheduler.services.background import background_schedules_declare


class Command(TranslatedCommand):
    help = _("Declare the scheduler's background jobs as django-q2 schedules (idempotent).")

    def handle(self, *args: Any, **options: Any) -> None:
        for name, created in background_schedules_declare():
            self.stdout.write((_("created {name}") if created else _("updated {name}")).format(name=name))
