from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ProcessedMessage(models.Model):
    """Digest of an ingested message, committed with its tasks, so a redelivery schedules nothing twice."""

    digest = models.CharField(max_length=64, unique=True, verbose_name=_("digest"))
    queue = models.CharField(max_length=255, verbose_name=_("queue"))
    processed_at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("processed at"))

    class Meta:
        verbose_name = _("processed message")
        verbose_name_plural = _("processed messages")

    def __str__(self) -> str:
        return f"{self.queue}:{self.digest}"
