"""The demo catalogue (DESIGN.md "Running it"), loaded idempotently."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token

from rocky_scheduler.models import Organisation, Plugin, PluginEnablement, PluginType

DEMO_ORGANISATIONS = (("acme", "Acme Corporation"), ("globex", "Globex Corporation"))
DEMO_PLUGINS = (
    {"id": "dns-records", "type": PluginType.BOEFJE, "name": "DNS records", "scan_level": 1, "consumes": ["Hostname"]},
    {
        "id": "nmap",
        "type": PluginType.BOEFJE,
        "name": "Nmap",
        "scan_level": 2,
        "consumes": ["IPAddressV4", "IPAddressV6"],
    },
    {
        "id": "ssl-certificates",
        "type": PluginType.BOEFJE,
        "name": "SSL certificates",
        "scan_level": 2,
        "consumes": ["Website"],
    },
    {
        "id": "nuclei",
        "type": PluginType.BOEFJE,
        "name": "Nuclei",
        "scan_level": 3,
        "consumes": ["Website", "HostnameHTTPURL"],
    },
    {
        "id": "kat_dns_normalize",
        "type": PluginType.NORMALIZER,
        "name": "DNS normalizer",
        "scan_level": 0,
        "consumes": ["boefje/dns-records"],
    },
    {
        "id": "kat_nmap_normalize",
        "type": PluginType.NORMALIZER,
        "name": "Nmap normalizer",
        "scan_level": 0,
        "consumes": ["boefje/nmap"],
    },
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    token: str


@transaction.atomic
def demo_seed(*, username: str, password: str) -> DemoLogin:
    """Create (or bring back) the demo organisations, plugins, enablements and staff user."""
    organisations = [
        Organisation.objects.update_or_create(code=code, defaults={"name": name})[0]
        for code, name in DEMO_ORGANISATIONS
    ]
    for values in DEMO_PLUGINS:
        plugin, _ = Plugin.objects.update_or_create(
            id=values["id"],
            defaults={**{k: v for k, v in values.items() if k != "id"}, "version": "1.0", "oci_image": ""},
        )
        for organisation in organisations:
            PluginEnablement.objects.update_or_create(
                organisation=organisation, plugin=plugin, defaults={"enabled": True}
            )
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username, defaults={"is_staff": True})
    if created:
        user.is_superuser = True
        user.set_password(password)
        user.save()
    token, _ = Token.objects.get_or_create(user=user)
    return DemoLogin(username=username, password=password if created else "(unchanged)", token=token.key)
