"""The embedded catalogue: what KATalogus and Octopoes tell the scheduler in OpenKAT."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    code = models.CharField(
        max_length=255, unique=True, help_text=_("As Rocky's Organization.code."), verbose_name=_("code")
    )
    name = models.CharField(max_length=255, verbose_name=_("name"))

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class PluginType(models.TextChoices):
    BOEFJE = "boefje", _("Boefje")
    NORMALIZER = "normalizer", _("Normalizer")


class Plugin(models.Model):
    id = models.CharField(primary_key=True, max_length=255, verbose_name=_("ID"))
    type = models.CharField(max_length=16, choices=PluginType.choices, verbose_name=_("type"))
    name = models.CharField(max_length=255, verbose_name=_("name"))
    version = models.CharField(max_length=64, blank=True, default="", verbose_name=_("version"))
    oci_image = models.CharField(max_length=255, blank=True, default="", verbose_name=_("OCI image"))
    description = models.TextField(blank=True, default="", verbose_name=_("description"))
    scan_level = models.PositiveSmallIntegerField(
        default=1, help_text=_("Lowest OOI level this boefje may run on."), verbose_name=_("scan level")
    )
    consumes = models.JSONField(
        default=list,
        blank=True,
        help_text=_("OOI types (boefje) or mime types (normalizer)."),
        verbose_name=_("consumes"),
    )
    produces = models.JSONField(default=list, blank=True, verbose_name=_("produces"))
    interval = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Minutes between runs on one OOI."), verbose_name=_("interval")
    )
    cron = models.CharField(max_length=255, null=True, blank=True, verbose_name=_("cron"))  # noqa: DJ001 - null: no cron, as KATalogus
    run_on = models.JSONField(
        null=True, blank=True, help_text=_('Report plugins: ["create", "update"].'), verbose_name=_("run on")
    )

    class Meta:
        verbose_name = _("plugin")
        verbose_name_plural = _("plugins")
        ordering = ["type", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(scan_level__lte=4), name="plugin_scan_level_max_4"),
        ]

    def __str__(self) -> str:
        return self.id


class PluginEnablement(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="enablements", verbose_name=_("organisation")
    )
    plugin = models.ForeignKey(Plugin, on_delete=models.CASCADE, related_name="enablements", verbose_name=_("plugin"))
    enabled = models.BooleanField(default=True, verbose_name=_("enabled"))
    modified_at = models.DateTimeField(default=timezone.now, verbose_name=_("modified at"))

    class Meta:
        verbose_name = _("plugin enablement")
        verbose_name_plural = _("plugin enablements")
        constraints = [models.UniqueConstraint(fields=["organisation", "plugin"], name="one_enablement_per_plugin")]

    def __str__(self) -> str:
        return f"{self.plugin_id} for {self.organisation.code}: {'on' if self.enabled else 'off'}"


class OOI(models.Model):
    """Local projection of an object with its scan-profile level, kept current from mutation events."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="oois", verbose_name=_("organisation")
    )
    primary_key = models.CharField(max_length=1024, verbose_name=_("primary key"))
    object_type = models.CharField(max_length=255, verbose_name=_("object type"))
    scan_level = models.PositiveSmallIntegerField(default=0, verbose_name=_("scan level"))
    scan_profile_type = models.CharField(max_length=32, blank=True, default="", verbose_name=_("scan profile type"))
    modified_at = models.DateTimeField(default=timezone.now, verbose_name=_("modified at"))

    class Meta:
        verbose_name = _("OOI")
        verbose_name_plural = _("OOIs")
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
