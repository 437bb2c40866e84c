"""What the scheduler last did about the catalogue, so a repeated signal does no work twice."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PluginSync(models.Model):
    """Whether the scheduler last scheduled (enabled) or stopped (disabled) a plugin for an organisation.

    The catalogue (KATalogus, or the embedded tables) is the truth; this row is what the scheduler acted
    on. An event or the reconciliation acts only when the two differ, so the same event twice, or an
    event followed by the reconciliation, schedules once.
    """

    organisation = models.CharField(max_length=255, verbose_name=_("organisation"))
    plugin_id = models.CharField(max_length=255, verbose_name=_("plugin"))
    enabled = models.BooleanField(verbose_name=_("enabled"))
    modified_at = models.DateTimeField(default=timezone.now, verbose_name=_("modified at"))

    class Meta:
        verbose_name = _("plugin sync state")
        verbose_name_plural = _("plugin sync states")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "plugin_id"], name="pluginsync_organisation_plugin")
        ]

    def __str__(self) -> str:
        return f"{self.plugin_id} for {self.organisation}: {'enabled' if self.enabled else 'disabled'}"


class JobCursor(models.Model):
    """Where a round-robin background job stopped, so its next run goes on from there."""

    name = models.CharField(primary_key=True, max_length=64, verbose_name=_("name"))
    position = models.CharField(max_length=255, blank=True, default="", verbose_name=_("position"))
    modified_at = models.DateTimeField(default=timezone.now, verbose_name=_("modified at"))

    class Meta:
        verbose_name = _("job cursor")
        verbose_name_plural = _("job cursors")

    def __str__(self) -> str:
        return f"{self.name} at {self.position!r}"
