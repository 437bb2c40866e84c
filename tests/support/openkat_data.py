"""A realistic OpenKAT catalogue, generated the same way every time (seeded): what the KATalogus and
Octopoes stand-ins serve, and what the embedded catalogue is filled with for the contract test.

3 organisations, 20 plugins (14 boefjes with scan levels 1-4, intervals, crons and run_on; 6
normalizers), 10,000 objects spread over the organisations, part of them held by two or three
organisations (as a shared hosting provider's addresses are), at scan levels 0-4.
"""

import random
from dataclasses import dataclass, field
from functools import cache

ORGANISATIONS = {"acme": "Acme B.V.", "globex": "Globex Corporation", "initech": "Initech"}

# id, type, scan_level, consumes, produces, interval (minutes), cron, run_on
_PLUGINS = [
    ("dns-records", "boefje", 1, ["Hostname"], ["boefje/dns-records"], 1440, None, None),
    ("dns-zone", "boefje", 1, ["DNSZone"], ["boefje/dns-zone"], 1440, None, None),
    ("rpki", "boefje", 1, ["IPAddressV4", "IPAddressV6"], ["boefje/rpki"], 720, None, None),
    ("shodan", "boefje", 1, ["IPAddressV4", "IPAddressV6"], ["boefje/shodan"], None, None, None),
    ("leakix", "boefje", 1, ["IPAddressV4", "Hostname"], ["boefje/leakix"], None, "0 3 * * *", None),
    ("security_txt_downloader", "boefje", 2, ["Website"], ["boefje/security_txt_downloader"], 2880, None, None),
    ("ssl-version", "boefje", 2, ["Website"], ["boefje/ssl-version"], 1440, None, ["create"]),
    ("ssl-certificates", "boefje", 2, ["Website"], ["boefje/ssl-certificates"], 1440, None, None),
    ("webpage-analysis", "boefje", 2, ["HTTPResource"], ["boefje/webpage-analysis"], None, None, None),
    ("nmap", "boefje", 2, ["IPAddressV4", "IPAddressV6"], ["boefje/nmap"], 60, None, None),
    ("nmap-udp", "boefje", 3, ["IPAddressV4", "IPAddressV6"], ["boefje/nmap-udp"], 240, None, None),
    ("testssl-sh-ciphers", "boefje", 3, ["IPService"], ["boefje/testssl-sh-ciphers"], None, "30 2 * * 1", None),
    ("nuclei", "boefje", 3, ["Hostname", "URL"], ["boefje/nuclei"], 10080, None, ["create", "update"]),
    ("masscan", "boefje", 4, ["IPV4NetBlock"], ["boefje/masscan"], 10080, None, None),
    ("kat_dns_normalize", "normalizer", None, ["boefje/dns-records"], ["Hostname", "DNSARecord"], None, None, None),
    ("kat_nmap_normalize", "normalizer", None, ["boefje/nmap", "boefje/nmap-udp"], ["IPPort"], None, None, None),
    ("kat_ssl_normalize", "normalizer", None, ["boefje/ssl-version"], ["Finding"], None, None, None),
    ("kat_rpki_normalize", "normalizer", None, ["boefje/rpki"], ["Finding"], None, None, None),
    ("kat_webpage_normalize", "normalizer", None, ["boefje/webpage-analysis"], ["HTTPHeader"], None, None, None),
    ("kat_manual_csv", "normalizer", None, ["manual/csv"], ["Hostname", "IPAddressV4"], None, None, None),
]

OBJECT_TYPES = ["Hostname", "IPAddressV4", "IPAddressV6", "Website", "HTTPResource", "IPService", "URL", "DNSZone"]
OBJECT_COUNT = 10_000
SEED = 4191


@dataclass(frozen=True)
class OpenKATData:
    organisations: dict[str, str]
    # As KATalogus serves them (without `enabled`, which is per organisation).
    plugins: list[dict]
    # organisation -> ids of its enabled plugins
    enabled: dict[str, set[str]]
    # organisation -> primary key -> OOI as Octopoes serialises it
    objects: dict[str, dict[str, dict]] = field(default_factory=dict)

    def object_count(self) -> int:
        return sum(len(objects) for objects in self.objects.values())

    def boefjes_for(self, organisation: str, object_type: str, level: int) -> set[str]:
        """The enabled boefjes of `organisation` that may scan an object of that type and level."""
        return {
            plugin["id"]
            for plugin in self.plugins
            if plugin["type"] == "boefje"
            and plugin["id"] in self.enabled[organisation]
            and object_type in plugin["consumes"]
            and plugin["scan_level"] <= level
        }


def _primary_key(object_type: str, number: int) -> str:
    host = f"host{number}.example{number % 37}.nl"
    address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
    return {
        "Hostname": f"Hostname|internet|{host}",
        "IPAddressV4": f"IPAddressV4|internet|{address}",
        "IPAddressV6": f"IPAddressV6|internet|2001:db8::{number:x}",
        "Website": f"Website|internet|{address}|tcp|443|https|internet|{host}",
        "HTTPResource": f"HTTPResource|internet|{address}|tcp|443|https|internet|{host}|https|internet|{host}|443|/",
        "IPService": f"IPService|internet|{address}|tcp|443|https",
        "URL": f"URL|internet|https://{host}/",
        "DNSZone": f"DNSZone|internet|example{number}.nl",
    }[object_type]


def octopoes_object(primary_key: str, object_type: str, level: int | None) -> dict:
    """An OOI as Octopoes serialises it (`OOI.serialize()` plus its scan profile)."""
    profile = None
    if level is not None:
        profile = {
            "scan_profile_type": "declared" if level >= 2 else "inherited",
            "reference": primary_key,
            "level": level,
            "user_id": None,
        }
    return {"object_type": object_type, "primary_key": primary_key, "scan_profile": profile, "user_id": None}


@cache
def openkat_data() -> OpenKATData:
    rng = random.Random(SEED)
    plugins = []
    for plugin_id, plugin_type, level, consumes, produces, interval, cron, run_on in _PLUGINS:
        plugin = {
            "id": plugin_id,
            "name": plugin_id.replace("-", " ").replace("_", " ").title(),
            "version": None,
            "created": None,
            "description": f"The {plugin_id} {plugin_type}.",
            "static": True,
            "type": plugin_type,
            "consumes": consumes,
            "produces": produces,
        }
        if plugin_type == "boefje":
            plugin |= {
                "scan_level": level,
                "boefje_schema": None,
                "cron": cron,
                "interval": interval,
                "run_on": run_on,
                "runnable_hash": None,
                "oci_image": f"ghcr.io/minvws/openkat/{plugin_id}:latest",
                "oci_arguments": [],
                "deduplicate": True,
            }
        plugins.append(plugin)
    ids = [plugin["id"] for plugin in plugins]
    enabled = {code: {plugin_id for plugin_id in ids if rng.random() < 0.7} for code in ORGANISATIONS}
    # Every organisation has the plugins the tests lean on; one organisation lacks nmap.
    for code in ORGANISATIONS:
        enabled[code] |= {"dns-records", "kat_dns_normalize", "ssl-version"}
    enabled["initech"].discard("nmap")
    enabled["acme"].add("nmap")
    enabled["globex"].add("nmap")
    objects: dict[str, dict[str, dict]] = {code: {} for code in ORGANISATIONS}
    codes = list(ORGANISATIONS)
    number = 0
    while sum(len(held) for held in objects.values()) < OBJECT_COUNT:
        number += 1
        object_type = rng.choice(OBJECT_TYPES)
        primary_key = _primary_key(object_type, number)
        # Mostly one organisation, some shared by two or three (each with its own scan level).
        holders = rng.sample(codes, k=rng.choices([1, 2, 3], weights=[80, 15, 5])[0])
        for code in holders:
            if sum(len(held) for held in objects.values()) >= OBJECT_COUNT:
                break
            level = rng.choices([None, 0, 1, 2, 3, 4], weights=[3, 12, 30, 30, 15, 10])[0]
            objects[code][primary_key] = octopoes_object(primary_key, object_type, level)
    return OpenKATData(organisations=dict(ORGANISATIONS), plugins=plugins, enabled=enabled, objects=objects)


def demo_data() -> OpenKATData:
    """The demo catalogue (`services/demo_seed.py`: acme and globex, four boefjes and two normalizers, all
    enabled) as KATalogus serves it, and no objects yet: tests put them into the stand-in Octopoes."""
    from rocky_scheduler.services.demo_seed import DEMO_ORGANISATIONS, DEMO_PLUGINS

    plugins = [
        {
            "id": plugin["id"],
            "name": plugin["name"],
            "version": "1.0",
            "type": str(plugin["type"]),
            "consumes": list(plugin["consumes"]),
            "produces": [],
            **(
                {"scan_level": plugin["scan_level"], "interval": None, "cron": None, "run_on": None, "oci_image": None}
                if plugin["type"] == "boefje"
                else {}
            ),
        }
        for plugin in DEMO_PLUGINS
    ]
    return OpenKATData(
        organisations=dict(DEMO_ORGANISATIONS),
        plugins=plugins,
        enabled={code: {plugin["id"] for plugin in plugins} for code, _ in DEMO_ORGANISATIONS},
        objects={code: {} for code, _ in DEMO_ORGANISATIONS},
    )
