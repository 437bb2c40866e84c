"""What every catalogue answers, the same for the same data: the embedded one filled from the
generated OpenKAT catalogue, and the OpenKAT one reading it from the KATalogus and Octopoes stand-ins."""

import datetime
import itertools

import pytest

from rocky_scheduler.catalogue import OOIInfo, PluginInfo
from tests.support.openkat_data import ORGANISATIONS, openkat_data

DATA = openkat_data()
PLUGINS = {plugin["id"]: plugin for plugin in DATA.plugins}


def expected_plugin(plugin_id: str) -> PluginInfo:
    plugin = PLUGINS[plugin_id]
    return PluginInfo(
        id=plugin["id"],
        type=plugin["type"],
        name=plugin["name"],
        version="",
        oci_image=plugin.get("oci_image") or "",
        scan_level=plugin.get("scan_level") or 0,
        consumes=tuple(plugin["consumes"]),
        interval=datetime.timedelta(minutes=plugin["interval"]) if plugin.get("interval") else None,
        cron=plugin.get("cron"),
        produces=tuple(plugin["produces"]),
        run_on=tuple(plugin["run_on"]) if plugin.get("run_on") is not None else None,
    )


def level(ooi: dict) -> int:
    return (ooi["scan_profile"] or {}).get("level", 0)


def shared_objects() -> list[str]:
    """Primary keys held by more than one organisation."""
    holders: dict[str, int] = {}
    for objects in DATA.objects.values():
        for primary_key in objects:
            holders[primary_key] = holders.get(primary_key, 0) + 1
    return sorted(primary_key for primary_key, count in holders.items() if count > 1)


def test_the_generated_catalogue_is_the_size_the_issue_asks_for():
    assert len(DATA.organisations) == 3
    assert len(DATA.plugins) == 20
    assert DATA.object_count() == 10_000
    assert {plugin["scan_level"] for plugin in DATA.plugins if plugin["type"] == "boefje"} == {1, 2, 3, 4}
    assert len(shared_objects()) > 100


@pytest.mark.parametrize("plugin_type", ["boefje", "normalizer"])
def test_enabled_plugins_are_the_organisations_enabled_plugins_of_that_type_by_id(any_catalogue, plugin_type):
    for organisation in ORGANISATIONS:
        expected = [
            expected_plugin(plugin_id)
            for plugin_id in sorted(DATA.enabled[organisation])
            if PLUGINS[plugin_id]["type"] == plugin_type
        ]
        assert expected
        assert any_catalogue.enabled_plugins(organisation=organisation, plugin_type=plugin_type) == expected


def test_an_unknown_organisation_has_no_enabled_plugins(any_catalogue):
    assert any_catalogue.enabled_plugins(organisation="umbrella", plugin_type="boefje") == []
    assert not any_catalogue.plugin_enabled(organisation="umbrella", plugin_id="dns-records")


def test_plugin_gives_the_definition_or_none(any_catalogue):
    for plugin_id in ("nmap", "leakix", "nuclei", "masscan", "kat_nmap_normalize"):
        assert any_catalogue.plugin(plugin_id) == expected_plugin(plugin_id)
    assert any_catalogue.plugin("no-such-boefje") is None


def test_plugin_enabled_is_per_organisation(any_catalogue):
    assert any_catalogue.plugin_enabled(organisation="acme", plugin_id="nmap")
    assert not any_catalogue.plugin_enabled(organisation="initech", plugin_id="nmap")
    for organisation, plugin in itertools.product(ORGANISATIONS, DATA.plugins):
        enabled = any_catalogue.plugin_enabled(organisation=organisation, plugin_id=plugin["id"])
        assert enabled == (plugin["id"] in DATA.enabled[organisation]), (organisation, plugin["id"])


def test_ooi_gives_the_object_with_its_scan_level_in_that_organisation(any_catalogue):
    for organisation, objects in DATA.objects.items():
        for ooi in list(objects.values())[::250]:
            assert any_catalogue.ooi(organisation=organisation, primary_key=ooi["primary_key"]) == OOIInfo(
                organisation=organisation,
                primary_key=ooi["primary_key"],
                object_type=ooi["object_type"],
                scan_level=level(ooi),
            )


def test_an_object_without_a_scan_profile_has_level_zero(any_catalogue):
    organisation, ooi = next(
        (code, ooi) for code, objects in DATA.objects.items() for ooi in objects.values() if ooi["scan_profile"] is None
    )
    assert any_catalogue.ooi(organisation=organisation, primary_key=ooi["primary_key"]).scan_level == 0


def test_ooi_is_none_for_an_unknown_object_or_another_organisations_object(any_catalogue):
    assert any_catalogue.ooi(organisation="acme", primary_key="Hostname|internet|nowhere.example") is None
    only_globex = next(pk for pk in DATA.objects["globex"] if pk not in DATA.objects["acme"])
    assert any_catalogue.ooi(organisation="acme", primary_key=only_globex) is None
    assert any_catalogue.ooi(organisation="umbrella", primary_key=only_globex) is None


@pytest.mark.parametrize(("plugin_id", "min_level"), [("dns-records", 1), ("nmap", 2), ("nuclei", 0), ("nmap-udp", 3)])
def test_organisations_holding_are_those_with_the_object_at_level_and_the_plugin_enabled(
    any_catalogue, plugin_id, min_level
):
    checked = 0
    for primary_key in shared_objects()[:40]:
        expected = sorted(
            code
            for code, objects in DATA.objects.items()
            if primary_key in objects
            and level(objects[primary_key]) >= max(min_level, 1)
            and plugin_id in DATA.enabled[code]
        )
        holding = any_catalogue.organisations_holding(primary_key=primary_key, plugin_id=plugin_id, min_level=min_level)
        assert sorted(holding) == expected, primary_key
        checked += bool(expected)
    assert checked, "the data should give some organisations to find"


def test_organisations_holding_an_unknown_object_is_empty(any_catalogue):
    assert (
        any_catalogue.organisations_holding(primary_key="Hostname|internet|x.invalid", plugin_id="nmap", min_level=1)
        == []
    )


@pytest.mark.parametrize(
    ("object_types", "min_level"), [(["IPAddressV4", "IPAddressV6"], 2), (["Hostname"], 0), (["Website"], 4)]
)
def test_oois_for_plugin_gives_every_matching_object_once_in_bounded_batches(any_catalogue, object_types, min_level):
    for organisation, objects in DATA.objects.items():
        expected = {
            OOIInfo(organisation, ooi["primary_key"], ooi["object_type"], level(ooi))
            for ooi in objects.values()
            if ooi["object_type"] in object_types and level(ooi) >= max(min_level, 1)
        }
        batches = list(
            any_catalogue.oois_for_plugin(
                organisation=organisation, object_types=object_types, min_level=min_level, batch_size=97
            )
        )
        assert all(0 < len(batch) <= 97 for batch in batches)
        found = [ooi for batch in batches for ooi in batch]
        assert len(found) == len(set(found))
        assert set(found) == expected
        assert expected


def test_oois_for_plugin_without_object_types_gives_nothing(any_catalogue):
    assert list(any_catalogue.oois_for_plugin(organisation="acme", object_types=[], min_level=1, batch_size=50)) == []


def test_record_ooi_answers_what_was_known_before_and_forget_ooi_forgets(any_catalogue):
    first = OOIInfo("acme", "Hostname|internet|new.example.nl", "Hostname", 1)
    assert any_catalogue.record_ooi(first) is None
    assert any_catalogue.record_ooi(OOIInfo("acme", first.primary_key, "Hostname", 3)) == first
    assert any_catalogue.record_ooi(OOIInfo("acme", first.primary_key, "Hostname", 2)).scan_level == 3
    any_catalogue.forget_ooi(organisation="acme", primary_key=first.primary_key)
    assert any_catalogue.record_ooi(first) is None


def test_health_names_only_healthy_externals_when_all_answer(any_catalogue):
    # The embedded catalogue has no externals; the OpenKAT one names KATalogus and Octopoes.
    assert all(state["healthy"] for state in any_catalogue.health().values())


def test_enabled_pairs_answers_a_set_as_plugin_enabled_answers_each(any_catalogue):
    pairs = [(organisation, plugin["id"]) for organisation in (*ORGANISATIONS, "umbrella") for plugin in DATA.plugins]
    expected = {
        (organisation, plugin_id)
        for organisation, plugin_id in pairs
        if plugin_id in DATA.enabled.get(organisation, ())
    }
    assert expected
    assert any_catalogue.enabled_pairs([*pairs, ("acme", "no-such-boefje")]) == expected
    assert any_catalogue.enabled_pairs([]) == set()


def test_oois_many_answers_a_set_as_ooi_answers_each(any_catalogue):
    keys = [
        (organisation, primary_key)
        for organisation, objects in DATA.objects.items()
        for primary_key in list(objects)[::500]
    ]
    only_globex = next(pk for pk in DATA.objects["globex"] if pk not in DATA.objects["acme"])
    missing = [("acme", "Hostname|internet|nowhere.example"), ("acme", only_globex), ("umbrella", only_globex)]
    found = any_catalogue.oois_many([*keys, *missing])
    assert found == {key: any_catalogue.ooi(organisation=key[0], primary_key=key[1]) for key in keys}
    assert any_catalogue.oois_many([]) == {}
