"""The embedded catalogue: what KATalogus and Octopoes tell the scheduler in OpenKAT."""

from django.db import models
from django.utils import timezone


class Organisation(models.Model):
    code = models.CharField(max_length=255, unique=True, help_text="As Rocky's Organization.code.")
    name = models.CharField(max_length=255)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class PluginType(models.TextChoices):
    BOEFJE = "boefje", "Boefje"
    NORMALIZER = "normalizer", "Normalizer"


class Plugin(models.Model):
    id = models.CharField(primary_key=True, max_length=255)
    type = models.CharField(max_length=16, choices=PluginType.choices)
    name = models.CharField(max_length=255)
    version = models.CharField(max_length=64, blank=True, default="")
    oci_image = models.CharField(max_length=255, blank=True, default="")
    description = models.TextField(blank=True, default="")
    scan_level = models.PositiveSmallIntegerField(default=1, help_text="Lowest OOI level this boefje may run on.")
    consumes = models.JSONField(default=list, blank=True, help_text="OOI types (boefje) or mime types (normalizer).")
    produces = models.JSONField(default=list, blank=True)
    interval = models.PositiveIntegerField(null=True, blank=True, help_text="Minutes between runs on one OOI.")
    cron = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001 - null: no cron, as KATalogus
    run_on = models.JSONField(null=True, blank=True, help_text='Report plugins: ["create", "update"].')

    class Meta:
        ordering = ["type", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(scan_level__lte=4), name="plugin_scan_level_max_4"),
        ]

    def __str__(self) -> str:
        return self.id


class PluginEnablement(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="enablements")
    plugin = models.ForeignKey(Plugin, on_delete=models.CASCADE, related_name="enablements")
    enabled = models.BooleanField(default=True)
    modified_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "plugin"], name="one_enablement_per_plugin")]

    def __str__(self) -> str:
        return f"{self.plugin_id} for {self.organisation.code}: {'on' if self.enabled else 'off'}"


class OOI(models.Model):
    """Local projection of an object with its scan-profile level, kept current from mutation events."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="oois")
    primary_key = models.CharField(max_length=1024)
    object_type = models.CharField(max_length=255)
    scan_level = models.PositiveSmallIntegerField(default=0)
    scan_profile_type = models.CharField(max_length=32, blank=True, default="")
    modified_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "OOI"
        ordering = ["organisation", "primary_key"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "primary_key"], name="one_ooi_per_organisation"),
            models.CheckConstraint(condition=models.Q(scan_level__lte=4), name="ooi_scan_level_max_4"),
        ]
        indexes = [
            models.Index(fields=["organisation", "object_type", "scan_level"], name="ooi_type_level"),
            # A deduplicating push looks up every organisation that holds the same object.
            models.Index(fields=["primary_key"], name="ooi_primary_key"),
        ]

    def __str__(self) -> str:
        return self.primary_key
