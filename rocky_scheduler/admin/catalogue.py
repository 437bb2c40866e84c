"""The embedded catalogue in the admin: organisations, plugins, which plugin is on where, and OOIs.

Switching a plugin on and changing an OOI's scan level have consequences (new tasks), so those
go through the same services the events use."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.admin.common import ModelAdminMixin, ModelT, RefuseNulQueryMixin, run_each
from rocky_scheduler.admin.filters import ScanLevelFilter, VisibleOrganisationsFilter
from rocky_scheduler.admin.scoping import OrganisationScopedAdmin
from rocky_scheduler.catalogue import EmbeddedCatalogue, get_catalogue
from rocky_scheduler.errors import SchedulerError
from rocky_scheduler.messages import ScanProfileMutation
from rocky_scheduler.models import OOI, Organisation, Plugin, PluginEnablement
from rocky_scheduler.services.plugin_enablement import EnablementResult, plugin_enablement_set
from rocky_scheduler.services.scheduling import SchedulingOutcome, boefjes_schedule_for_mutation
from rocky_scheduler.services.scheduling.plugins import plugin_interval, plugin_interval_apply

DEFERRED = _("{plugin} enabled for {organisation}; its tasks are being scheduled in the background (django-q2).")
SCHEDULED = _("{plugin} enabled for {organisation}: {scheduled} tasks queued, {skipped} skipped.")
OOI_SCHEDULED = _("{ooi}: {scheduled} tasks queued, {skipped} skipped, {cancelled} cancelled.")


class EmbeddedCatalogueOnlyMixin(ModelAdminMixin[ModelT]):
    """The embedded catalogue's tables are what the scheduler reads only while that catalogue is chosen.
    With another (OpenKAT's KATalogus and Octopoes) they would be a second, dead list of organisations and
    plugins beside the host's own, so the admin hides them and refuses their pages."""

    def _catalogue_is_embedded(self) -> bool:
        return isinstance(get_catalogue(), EmbeddedCatalogue)

    def has_view_permission(self, request: HttpRequest, obj: ModelT | None = None) -> bool:
        return self._catalogue_is_embedded() and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._catalogue_is_embedded() and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: ModelT | None = None) -> bool:
        return self._catalogue_is_embedded() and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: ModelT | None = None) -> bool:
        return self._catalogue_is_embedded() and super().has_delete_permission(request, obj)


@admin.register(Organisation)
class OrganisationAdmin(
    EmbeddedCatalogueOnlyMixin[Organisation],
    OrganisationScopedAdmin[Organisation],
    RefuseNulQueryMixin[Organisation],
    admin.ModelAdmin,
):
    organisation_field = "code"
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Plugin)
class PluginAdmin(EmbeddedCatalogueOnlyMixin[Plugin], RefuseNulQueryMixin[Plugin], admin.ModelAdmin):
    list_display = ("id", "type", "name", "version", "scan_level", "consumes_list", "interval", "cron")
    list_filter = ("type", "scan_level")
    search_fields = ("id", "name")

    @admin.display(description=_("consumes"))
    def consumes_list(self, plugin: Plugin) -> str:
        return ", ".join(plugin.consumes or ()) or "–"

    def save_model(self, request: HttpRequest, obj: Plugin, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "interval" in form.changed_data:
            catalogue = get_catalogue()
            if isinstance(catalogue, EmbeddedCatalogue):
                # This process's cached definition would hand the old interval to the next push.
                catalogue.clear_cache()
            # Its schedules carry the interval (the next finish reads it from there): refreshed together.
            plugin_interval_apply(plugin_id=obj.pk, interval=plugin_interval(obj))


class PluginEnablementForm(forms.ModelForm):
    class Meta:
        model = PluginEnablement
        fields = ("organisation", "plugin", "enabled")


@admin.register(PluginEnablement)
class PluginEnablementAdmin(
    EmbeddedCatalogueOnlyMixin[PluginEnablement],
    OrganisationScopedAdmin[PluginEnablement],
    RefuseNulQueryMixin[PluginEnablement],
    admin.ModelAdmin,
):
    organisation_field = "organisation__code"
    form = PluginEnablementForm
    list_display = ("plugin", "plugin_type", "organisation", "enabled", "modified_at")
    list_select_related = ("plugin", "organisation")
    list_filter = ("enabled", "plugin__type", ("organisation", VisibleOrganisationsFilter))
    search_fields = ("plugin__id", "plugin__name", "organisation__code")
    actions = ("enable", "disable")
    autocomplete_fields = ("organisation", "plugin")

    def get_readonly_fields(self, request: HttpRequest, obj: PluginEnablement | None = None) -> tuple[str, ...]:
        # Which plugin for which organisation is the row's identity; switch it, or add another.
        return ("organisation", "plugin", "modified_at") if obj is not None else ("modified_at",)

    @admin.display(description=_("type"), ordering="plugin__type")
    def plugin_type(self, enablement: PluginEnablement) -> str:
        return enablement.plugin.get_type_display()

    def save_model(self, request: HttpRequest, obj: PluginEnablement, form: forms.ModelForm, change: bool) -> None:
        # Not obj.save(): enabling a boefje must schedule it for the objects it may scan.
        result = plugin_enablement_set(
            organisation=obj.organisation.code, plugin_id=obj.plugin_id, enabled=form.cleaned_data["enabled"]
        )
        # The admin's redirect and log entry need the row the service wrote.
        obj.pk = result.enablement.pk
        obj.modified_at = result.enablement.modified_at
        self._report(request, result)

    def _report(self, request: HttpRequest, result: EnablementResult) -> None:
        enablement = result.enablement
        names = {"plugin": enablement.plugin_id, "organisation": enablement.organisation.code}
        if result.deferred:
            self.message_user(request, DEFERRED.format(**names), messages.INFO)
        elif result.outcome is not None and result.changed and enablement.enabled:
            outcome = result.outcome
            self.message_user(
                request,
                SCHEDULED.format(**names, scheduled=len(outcome.scheduled), skipped=len(outcome.skipped)),
                messages.INFO,
            )

    @admin.action(description=_("Enable (and schedule)"), permissions=["change"])
    def enable(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_enabled(request, queryset, enabled=True)

    @admin.action(description=_("Disable"), permissions=["change"])
    def disable(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_enabled(request, queryset, enabled=False)

    def _set_enabled(self, request: HttpRequest, queryset: QuerySet, *, enabled: bool) -> None:
        rows = dict(queryset.values_list("pk", "organisation__code"))
        plugins = dict(queryset.values_list("pk", "plugin_id"))
        scheduled, deferred = 0, 0

        def operation(pk: int) -> bool:
            nonlocal scheduled, deferred
            result = plugin_enablement_set(organisation=rows[pk], plugin_id=plugins[pk], enabled=enabled)
            scheduled += len(result.outcome.scheduled) if result.outcome else 0
            deferred += int(result.deferred)
            return result.changed

        report = run_each(self, request, queryset, operation)
        if report is None:
            return
        if enabled and (scheduled or deferred):
            report.notes.append(
                _("{scheduled} tasks queued; {deferred} handed to the background (django-q2).").format(
                    scheduled=scheduled, deferred=deferred
                )
            )
        report.send(
            self,
            request,
            done=_("Enabled {count} {name}.") if enabled else _("Disabled {count} {name}."),
            unchanged=_("{count} {name} already enabled.") if enabled else _("{count} {name} already disabled."),
        )


class OOIForm(forms.ModelForm):
    class Meta:
        model = OOI
        fields = ("organisation", "primary_key", "object_type", "scan_level", "scan_profile_type")


@admin.register(OOI)
class OOIAdmin(
    EmbeddedCatalogueOnlyMixin[OOI], OrganisationScopedAdmin[OOI], RefuseNulQueryMixin[OOI], admin.ModelAdmin
):
    """The local projection of Octopoes' objects. A save here is a scan-profile mutation."""

    organisation_field = "organisation__code"

    form = OOIForm
    list_display = ("primary_key", "object_type", "scan_level", "organisation", "modified_at")
    list_select_related = ("organisation",)
    list_filter = (ScanLevelFilter, ("organisation", VisibleOrganisationsFilter))
    search_fields = ("primary_key", "object_type")
    show_full_result_count = False
    autocomplete_fields = ("organisation",)

    def get_readonly_fields(self, request: HttpRequest, obj: OOI | None = None) -> tuple[str, ...]:
        return ("organisation", "primary_key", "modified_at") if obj is not None else ("modified_at",)

    def save_model(self, request: HttpRequest, obj: OOI, form: forms.ModelForm, change: bool) -> None:
        mutation = ScanProfileMutation(
            operation="update" if change else "create",
            organisation=obj.organisation.code,
            primary_key=obj.primary_key,
            object_type=obj.object_type,
            scan_level=obj.scan_level,
        )
        outcome = self._mutate(request, mutation)
        if outcome is None:
            return
        saved = OOI.objects.get(organisation=obj.organisation, primary_key=obj.primary_key)
        if obj.scan_profile_type != saved.scan_profile_type:
            # Not part of a mutation message; the projection keeps it for display.
            OOI.objects.filter(pk=saved.pk).update(scan_profile_type=obj.scan_profile_type)
        obj.pk = saved.pk
        obj.modified_at = saved.modified_at
        self._report(request, obj.primary_key, outcome)

    def delete_model(self, request: HttpRequest, obj: OOI) -> None:
        # A delete mutation also cancels the object's queued tasks.
        mutation = ScanProfileMutation("delete", obj.organisation.code, obj.primary_key, None, None)
        outcome = self._mutate(request, mutation)
        if outcome is not None:
            self._report(request, obj.primary_key, outcome)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for organisation, primary_key in queryset.values_list("organisation__code", "primary_key"):
            self._mutate(request, ScanProfileMutation("delete", organisation, primary_key, None, None))

    def _mutate(self, request: HttpRequest, mutation: ScanProfileMutation) -> SchedulingOutcome | None:
        try:
            return boefjes_schedule_for_mutation(mutation=mutation)
        except SchedulerError as error:
            self.message_user(request, f"{mutation.primary_key}: {error.message}", messages.ERROR)
            return None

    def _report(self, request: HttpRequest, primary_key: str, outcome: SchedulingOutcome) -> None:
        if outcome.scheduled or outcome.skipped or outcome.cancelled:
            message = OOI_SCHEDULED.format(
                ooi=primary_key,
                scheduled=len(outcome.scheduled),
                skipped=len(outcome.skipped),
                cancelled=outcome.cancelled,
            )
            self.message_user(request, message, messages.INFO)
