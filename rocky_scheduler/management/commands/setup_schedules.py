from django.core.management.base import BaseCommand

from rocky_scheduler.services.background import background_schedules_declare


class Command(BaseCommand):
    help = "Declare the scheduler's background jobs as django-q2 schedules (idempotent)."

    def handle(self, *args, **options) -> None:
        for name, created in background_schedules_declare():
            self.stdout.write(f"{'created' if created else 'updated'} {name}")
