"""List filters with fixed or catalogue choices: the default ones run a DISTINCT over the whole table."""

from django.contrib import admin
from django.db.models import QuerySet
from django.db.models.fields.related import RelatedField
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.access import OrganisationScope, request_scope
from rocky_scheduler.errors import StrOrPromise
from rocky_scheduler.models import Organisation, TaskStatus


class OrganisationFilter(admin.SimpleListFilter):
    """Organisations from the catalogue: a DISTINCT over the task table would scan all of it."""

    title = _("organisation")
    parameter_name = "organisation"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        scope = request_scope(request)
        choices = [(code, name if name and name != code else code) for code, name in _organisations(scope)]
        current = self.value()
        if current and current not in {code for code, _ in choices} and scope.includes(current):
            # Rocky's organisations need not be in the embedded catalogue; a link may still name one.
            choices.append((current, current))
        return choices

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(organisation=value) if value else queryset


def _organisations(scope: OrganisationScope) -> list[tuple[str, str]]:
    return list(scope.filter(Organisation.objects.order_by("code"), "code").values_list("code", "name"))


class VisibleOrganisationsFilter(admin.RelatedFieldListFilter):
    """The catalogue's organisation filter, listing only the organisations the user may see."""

    def field_choices(self, field: RelatedField, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        ordering = self.field_admin_ordering(field, request, model_admin)
        # A list already (without a blank choice); list() for the type, which also allows other sequences.
        return list(
            field.get_choices(include_blank=False, ordering=ordering, limit_choices_to=request_scope(request).q("code"))
        )


class ToStatusFilter(admin.SimpleListFilter):
    """The status a history row moved to, from the fixed list of statuses."""

    title = _("to status")
    parameter_name = "to_status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, StrOrPromise]]:
        return list(TaskStatus.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(to_status=value) if value else queryset


class ScanLevelFilter(admin.SimpleListFilter):
    """OOI scan levels 0-4."""

    title = _("scan level")
    parameter_name = "scan_level"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(str(level), f"L{level}") for level in range(5)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(scan_level=int(value)) if value in {str(level) for level in range(5)} else queryset
