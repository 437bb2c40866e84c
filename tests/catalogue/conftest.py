"""Both catalogues over the same generated OpenKAT data: the embedded one filled from it, and the
OpenKAT one reading the KATalogus and Octopoes stand-ins that serve it."""

import pytest

from rocky_scheduler.catalogue import EmbeddedCatalogue
from rocky_scheduler.models import OOI, Organisation, Plugin, PluginEnablement
from tests.support.openkat_data import OpenKATData, openkat_data
from tests.support.openkat_fixtures import katalogus, octopoes, openkat_catalogue, openkat_setting  # noqa: F401


def fill_embedded(data: OpenKATData) -> None:
    organisations = Organisation.objects.bulk_create(
        [Organisation(code=code, name=name) for code, name in data.organisations.items()]
    )
    Plugin.objects.bulk_create(
        [
            Plugin(
                id=plugin["id"],
                type=plugin["type"],
                name=plugin["name"],
                oci_image=plugin.get("oci_image") or "",
                description=plugin["description"],
                scan_level=plugin.get("scan_level") or 0,
                consumes=plugin["consumes"],
                produces=plugin["produces"],
                interval=plugin.get("interval"),
                cron=plugin.get("cron"),
                run_on=plugin.get("run_on"),
            )
            for plugin in data.plugins
        ]
    )
    PluginEnablement.objects.bulk_create(
        [
            PluginEnablement(organisation=organisation, plugin_id=plugin["id"], enabled=True)
            for organisation in organisations
            for plugin in data.plugins
            if plugin["id"] in data.enabled[organisation.code]
        ]
    )
    OOI.objects.bulk_create(
        [
            OOI(
                organisation=organisation,
                primary_key=ooi["primary_key"],
                object_type=ooi["object_type"],
                scan_level=(ooi["scan_profile"] or {}).get("level", 0),
                scan_profile_type=(ooi["scan_profile"] or {}).get("scan_profile_type", ""),
            )
            for organisation in organisations
            for ooi in data.objects[organisation.code].values()
        ],
        batch_size=2000,
    )


@pytest.fixture(params=["embedded", "openkat"])
def any_catalogue(request, db):
    """Each catalogue in turn, holding the same generated data."""
    if request.param == "embedded":
        fill_embedded(openkat_data())
        return EmbeddedCatalogue()
    return request.getfixturevalue("openkat_catalogue")
