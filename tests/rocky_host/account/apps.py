from django.apps import AppConfig


class AccountConfig(AppConfig):
    # Rocky's label: its tables are account_katuser, account_organizationmember, ...
    name = "tests.rocky_host.account"
    label = "account"
    default_auto_field = "django.db.models.BigAutoField"
