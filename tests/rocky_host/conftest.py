"""These tests need the Rocky-shaped host's settings: `make test` runs them in its second pass
(`pytest --ds=tests.rocky_host.settings`); in the standalone pass they are not collected."""

from django.conf import settings

from tests.support.openkat_fixtures import katalogus, octopoes  # noqa: F401 - fixtures

collect_ignore_glob = [] if settings.ROOT_URLCONF == "tests.rocky_host.urls" else ["test_*.py"]
