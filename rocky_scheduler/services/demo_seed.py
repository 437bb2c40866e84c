"""The demo catalogue (DESIGN.md "Running it"), loaded idempotently."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from rocky_scheduler.models import Organisation, Plugin, PluginEnablement, PluginType
from rocky_scheduler.services.tokens import token_replace
from rocky_scheduler.services.users import user_ensure, user_ensure_role

# The demo's token has a name of its own, so seeding again replaces it and no other token of the user.
DEMO_TOKEN_NAME = "demo"  # noqa: S105 - a name, not a secret
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


def _login(name: str) -> str:
    """`name`, or an address where users log in by e-mail (Rocky)."""
    model = get_user_model()
    return f"{name}@example.com" if model.USERNAME_FIELD == model.get_email_field_name() else name


def demo_default_login() -> str:
    return _login("admin")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    # The password as set by this run; "(unchanged)" when the user existed (its password is not ours to show).
    password: str
    password_set: bool
    token: str
    # A boefje runner's account (role worker: pop, push, report) and a new token for it on each run.
    worker: str
    worker_token: str


@transaction.atomic
def demo_seed(*, username: str, password: str) -> DemoLogin:
    """Create (or bring back) the demo organisations, plugins, enablements and staff user; a new demo token."""
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
    user, created = user_ensure(username, is_staff=True, is_superuser=True)
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    # Only a digest is kept, so the banner can show a key only by making a new one.
    token = token_replace(user=user, name=DEMO_TOKEN_NAME)
    worker = user_ensure_role(login=_login("worker"), role="worker", email="worker@example.com").user
    return DemoLogin(
        username=username,
        password=password if created else "(unchanged)",
        password_set=created,
        token=token,
        worker=worker.get_username(),
        worker_token=token_replace(user=worker, name=DEMO_TOKEN_NAME),
    )
