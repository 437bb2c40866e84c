# The KATalogus and Octopoes stand-ins and the setting that makes the OpenKAT catalogue read them.
from tests.support.openkat_fixtures import katalogus, octopoes, openkat_setting  # noqa: F401 - fixtures
