"""API tokens in the admin: who holds one, what it is called, when it was last used; deleting one revokes it.

Read-only, and no key or digest is shown: keys are issued by `manage.py scheduler_token` and shown once there.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.admin.common import RefuseNulQueryMixin
from rocky_scheduler.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(RefuseNulQueryMixin[ApiToken], admin.ModelAdmin):
    list_display = ("user", "name", "created", "last_used")
    list_select_related = ("user",)
    list_filter = ("name",)
    search_fields = (f"user__{get_user_model().USERNAME_FIELD}", "name")
    search_help_text = _("The holder's login or the token's name.")
    ordering = ("-created", "-id")
    # The digest stays out of every page: it is not the key, but nothing about the key belongs on a screen.
    fields = readonly_fields = ("user", "name", "created", "last_used")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A key is shown only when it is made, which the admin cannot do safely: manage.py scheduler_token does.
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False
