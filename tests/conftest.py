import os
from pathlib import Path

import pytest

import rocky_scheduler
from rocky_scheduler.caches import clear_process_caches
from tests.support.api_clients import admin_api, analyst_api, anonymous_api, readonly_api, worker_api  # noqa: F401 - fixtures


def pytest_sessionstart(session):
    """.ci/django51.sh runs the suite against the installed wheel on Django 5.1; a run that silently imported
    the checkout's app, or another Django, would prove nothing, so it stops before the first test."""
    import django

    installed_in = os.environ.get("ROCKY_SCHEDULER_EXPECT_INSTALLED_IN")
    app = Path(rocky_scheduler.__file__).resolve()
    if installed_in and not app.is_relative_to(Path(installed_in).resolve()):
        pytest.exit(f"rocky_scheduler was imported from {app.parent}, not from {installed_in}", returncode=3)
    expected_django = os.environ.get("ROCKY_SCHEDULER_EXPECT_DJANGO")
    if expected_django and not f"{django.get_version()}.".startswith(f"{expected_django}."):
        pytest.exit(f"Django {django.get_version()} is installed, not Django {expected_django}", returncode=3)


def pytest_collection_modifyitems(config, items):
    """On SQLite, tests marked `postgresql_only` are deselected, not skipped: they test what SQLite cannot do
    (docs/architecture.md "What SQLite cannot do"), so they are not run there at all. Each must say why."""
    from django.conf import settings

    unexplained = [item.nodeid for item in items if _postgresql_only(item) is not None and not _postgresql_only(item)]
    if unexplained:
        raise pytest.UsageError(f"postgresql_only needs reason=...: {', '.join(unexplained)}")
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        return
    deselected = [item for item in items if _postgresql_only(item) is not None]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if _postgresql_only(item) is None]


def _postgresql_only(item) -> str | None:
    """The marker's reason ("" when it has none), None when the test is not marked."""
    marker = item.get_closest_marker("postgresql_only")
    return None if marker is None else marker.kwargs.get("reason", "")


@pytest.fixture(autouse=True)
def _fresh_heap_cache():
    # Each test starts with empty process-local caches, as a freshly started server would.
    clear_process_caches()
    yield
    clear_process_caches()


@pytest.fixture(autouse=True)
def _as_in_the_rocky_host():
    """Under the Rocky-shaped host, every user a test makes is onboarded in an organisation, as Rocky's users are
    (its onboarding middleware otherwise sends them to onboarding from every page but the admin and the API),
    and may access all organisations (scope_to narrows one);
    tests/rocky_host/test_pages.py shows the redirect for a user who is not. And each test starts in English:
    a request under /nl/ leaves Dutch active in the thread, and reverse() would follow it into the next test."""
    from django.conf import settings

    if settings.AUTH_USER_MODEL != "account.KATUser":
        yield
        return
    from django.db.models.signals import post_save
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)

    from django.contrib.auth.models import Permission

    from tests.rocky_host.account.models import KATUser
    from tests.rocky_host.tools.models import Organization, OrganizationMember

    def onboard(sender, instance, created, **kwargs):
        if created and not getattr(instance, "_not_onboarded", False):
            organization, _ = Organization.objects.get_or_create(code="acme", defaults={"name": "Acme"})
            OrganizationMember.objects.create(user=instance, organization=organization, onboarded=True)
            # The host chooses Rocky's organisation access; the people tests make are Rocky's global staff, who
            # see and scan every organisation. tests/support/access.py narrows one to its memberships.
            instance.user_permissions.add(
                *Permission.objects.filter(
                    codename__in=["can_access_all_organizations", "can_scan_organization"],
                    content_type__app_label="tools",
                )
            )

    post_save.connect(onboard, sender=KATUser, dispatch_uid="rocky_host_onboard")
    yield
    post_save.disconnect(sender=KATUser, dispatch_uid="rocky_host_onboard")


@pytest.fixture
def scope_to(settings):
    """`scope_to(user, ["acme"], change=True)`: the user sees (and changes) only those organisations, under the
    standalone project's test policy or the Rocky-shaped host's Rocky policy (tests/support/access.py)."""
    from tests.support.access import scoping

    return scoping(settings)
