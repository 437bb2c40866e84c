from django.apps import AppConfig


class ToolsConfig(AppConfig):
    # Rocky's label: its organisations are tools.Organization, its permissions tools.can_scan_organization, ...
    name = "tests.rocky_host.tools"
    label = "tools"
    default_auto_field = "django.db.models.BigAutoField"
