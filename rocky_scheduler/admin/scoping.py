"""The access policy (rocky_scheduler.access) in the admin: lists, pages, filters and actions of only the
organisations a user may see; edits and actions only where they may change.

Under the default policy every method here returns at once, without a query.
"""

import functools
from typing import Any

from django.contrib import admin, messages
from django.db.models import ForeignKey, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest

from rocky_scheduler.access import (
    MAY_NOT_CHANGE_ORGANISATION,
    request_may_change,
    request_scope,
    user_may_change_everywhere,
)
from rocky_scheduler.admin.common import REFUSED, ModelAdminMixin, ModelT


class OrganisationScopedAdmin(ModelAdminMixin[ModelT]):
    """A ModelAdmin mixin (before ModelAdmin in the bases). `organisation_field`: the path to the organisation's
    code (`organisation` on tasks and schedules, `organisation__code` in the catalogue, `task__organisation`)."""

    organisation_field = "organisation"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Lists, change pages (another organisation's object is "not found"), history and actions all start here.
        return request_scope(request).filter(super().get_queryset(request), self.organisation_field)

    def organisation_of(self, obj: ModelT) -> str:
        value: Any = obj
        for part in self.organisation_field.split("__"):
            value = getattr(value, part)
        return value

    def may_change_object(self, request: HttpRequest, obj: ModelT | None) -> bool:
        return obj is None or request_may_change(request, self.organisation_of(obj))

    def has_change_permission(self, request: HttpRequest, obj: ModelT | None = None) -> bool:
        return super().has_change_permission(request, obj) and self.may_change_object(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: ModelT | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self.may_change_object(request, obj)

    def get_action(self, action: Any) -> tuple | None:
        found = super().get_action(action)
        if found is None:
            return None
        func, name, description = found

        # wraps() keeps `allowed_permissions`, which the admin reads off the action.
        @functools.wraps(func)
        def changeable_only(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> Any:
            changeable = self.exclude_unchangeable(request, queryset)
            if changeable is not None:
                return func(modeladmin, request, changeable)
            return None

        return changeable_only, name, description

    def exclude_unchangeable(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        """The selected rows the user may change; the others refused with a message (None when none is left)."""
        if user_may_change_everywhere(request.user):
            return queryset
        field = self.organisation_field
        organisations = set(queryset.order_by().values_list(field, flat=True).distinct())
        closed = sorted(code for code in organisations if not request_may_change(request, code))
        opts = queryset.model._meta
        for code in closed:
            count = queryset.filter(**{field: code}).count()
            # As ActionReport words a refusal: "2 tasks refused: <reason>".
            name = opts.verbose_name if count == 1 else opts.verbose_name_plural
            reason = MAY_NOT_CHANGE_ORGANISATION.format(organisation=code)
            self.message_user(request, REFUSED.format(count=count, name=name, reason=reason), messages.WARNING)
        if not closed:
            return queryset
        remaining = queryset.exclude(**{f"{field}__in": closed})
        return remaining if remaining.exists() else None

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> "ModelChoiceField[Any] | None":  # subscripted for the type checker only
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        # A foreign key's form field always has a queryset: `field.queryset is not None` is for the type checker.
        scoped = db_field.name == "organisation" and self.organisation_field == "organisation__code"
        if scoped and field is not None and field.queryset is not None:
            # A catalogue row is added only for an organisation the user may see.
            field.queryset = request_scope(request).filter(field.queryset, "code")
        return field
