"""Browser-side clients: staff sessions by group, a superuser session, and our admin's change lists."""

from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from tests.support.api_clients import ContractClient

LOGIN = "/admin/login/"
APP = "rocky_scheduler"
OUR_ADMINS = sorted(
    ((model, model_admin) for model, model_admin in admin.site._registry.items() if model._meta.app_label == APP),
    key=lambda item: item[0]._meta.model_name,
)


def staff_client(username: str, *groups: str, is_staff: bool = True, enforce_csrf: bool = False) -> Client:
    user = User.objects.create_user(username, password=f"pw-{username}-long", is_staff=is_staff)
    user.groups.add(*Group.objects.filter(name__in=groups))
    client = Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(user)
    return client


def superuser_client(*, enforce_csrf: bool = False, api: bool = False) -> Client:
    user = User.objects.create_superuser("operator", "", "pw-operator-long")
    client = ContractClient(enforce_csrf_checks=enforce_csrf) if api else Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(user)
    return client


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
