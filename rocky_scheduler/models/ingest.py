from django.db import models
from django.utils import timezone


class ProcessedMessage(models.Model):
    """Digest of an ingested message, committed with its tasks, so a redelivery schedules nothing twice."""

    digest = models.CharField(max_length=64, unique=True)
    queue = models.CharField(max_length=255)
    processed_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.queue}:{self.digest}"
