"""`pip install <checkout>` installs the app alone, with dependency ranges a host such as Rocky can share.

The wheel is built offline (no index, no build isolation: setuptools comes from requirements.txt)
from a copy of the checkout, since an in-tree build leaves build/ and *.egg-info behind.
"""

import ast
import json
import shlex
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from email.parser import HeaderParser
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.doc_snippets import snippet
from tests.support.processes import ROOT

APP = ROOT / "rocky_scheduler"
DIST_INFO = "rocky_scheduler-0.1.0.dist-info"
# What a working checkout holds beside its tracked files.
UNTRACKED = ".git .venv __pycache__ *.pyc build dist *.egg-info .run .staticfiles db.sqlite3*".split()
# Translations ship with the app once they exist; the build is given one to prove it.
LOCALE_FILES = ("rocky_scheduler/locale/nl/LC_MESSAGES/django.po", "rocky_scheduler/locale/nl/LC_MESSAGES/django.mo")
# Imported only when the host hands the app something built with it, so the host's own dependency, not ours.
HOST_PROVIDED = {"pydantic": "rocky_scheduler.client builds Rocky's pydantic models only when given Rocky's module"}
# What Rocky pins today (Django 5.1, DRF 3.16) and the oldest releases the ranges promise to admit.
HOST_VERSIONS = {
    "django": ["5.1", "5.1.14", "5.2"],
    "djangorestframework": ["3.15.0", "3.16.1"],
    "django-q2": ["1.10.0", "1.11.1"],  # 1.10: the last release for Django 5.1
    "django-filter": ["25.1", "26.2"],  # 25.1: the Django 5.1 job's (.ci/django51.txt)
}


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("checkout") / "rocky-scheduler"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*UNTRACKED))
    for name in LOCALE_FILES:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_bytes(b"")
    return source


@pytest.fixture(scope="module")
def wheel(checkout, tmp_path_factory) -> Iterator[zipfile.ZipFile]:
    source = checkout
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index"]
        + ["--disable-pip-version-check", "--quiet", "--wheel-dir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (path,) = out.glob("*.whl")
    with zipfile.ZipFile(path) as archive:
        yield archive


def metadata(wheel: zipfile.ZipFile):
    return HeaderParser().parsestr(wheel.read(f"{DIST_INFO}/METADATA").decode())


def declared(wheel: zipfile.ZipFile) -> dict[str, Requirement]:
    requirements = [Requirement(line) for line in metadata(wheel).get_all("Requires-Dist") or []]
    return {canonicalize_name(requirement.name): requirement for requirement in requirements}


def pinned(section: str) -> dict[str, str]:
    """requirements.txt's `name==version` lines under the `# <section>` comment."""
    pins, current = {}, None
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.strip()
        if line.startswith("#"):
            current = line.lstrip("#").strip()
        elif line and current == section:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    return pins


def third_party_imports() -> set[str]:
    """Top-level modules outside the standard library that the app's code imports, anywhere in a module."""
    modules = set()
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.partition(".")[0])
    return {module for module in modules if module not in sys.stdlib_module_names and module != "rocky_scheduler"}


def test_the_wheel_holds_the_app_and_nothing_else(wheel):
    names = set(wheel.namelist())
    outside = sorted(name for name in names if name.partition("/")[0] not in {"rocky_scheduler", DIST_INFO})
    assert outside == [], "the standalone project, tests, benchmarks and top-level templates/static stay out"
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_the_wheel_holds_every_module_migration_template_static_file_and_translation(wheel):
    names = set(wheel.namelist())
    source_files = {
        path.relative_to(ROOT).as_posix()
        for path in APP.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    assert sorted(source_files - names) == []
    assert "rocky_scheduler/migrations/0001_initial.py" in names
    assert "rocky_scheduler/templates/rocky_scheduler/dashboard/index.html" in names
    assert "rocky_scheduler/static/rocky_scheduler/dashboard/dashboard.js" in names
    assert set(LOCALE_FILES) <= names


def test_the_declared_dependencies_are_exactly_what_the_app_imports(wheel):
    distributions = packages_distributions()
    imported = {canonicalize_name(dist) for module in third_party_imports() for dist in distributions[module]}
    assert sorted(declared(wheel)) == sorted(imported - set(HOST_PROVIDED))
    assert not set(declared(wheel)) & set(pinned("Tests and tooling")), "pip install . pulls no test tools"


def test_the_ranges_admit_rocky_s_pins_and_the_standalone_project_s_pins(wheel):
    requirements = declared(wheel)
    for name, versions in HOST_VERSIONS.items():
        for version in versions:
            assert requirements[name].specifier.contains(version), f"{name} {version} not in {requirements[name]}"
    assert not requirements["django"].specifier.contains("5.0.14")
    assert not requirements["django"].specifier.contains("6.0")
    for name, version in pinned("Runtime").items():
        if name in requirements:
            assert requirements[name].specifier.contains(version), f"requirements.txt's {name}=={version}"


def test_the_guides_install_line_adds_the_app_and_changes_none_of_the_hosts_packages(checkout):
    """docs/rocky-integration.md step 1, run by pip as a dry run in an environment that already holds the
    host's packages (this one: the standalone pins, Django 5.2; the Django 5.1 job installs the wheel into a
    Django 5.1 environment): pip would install the app and nothing else, upgrading and downgrading nothing."""
    (line,) = snippet("install").splitlines()
    command = shlex.split(line.replace("/path/to/rocky-scheduler", str(checkout)))
    assert command[:2] == ["pip", "install"]
    dry_run = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-build-isolation", "--quiet", "--report", "-"]
        + command[2:],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert dry_run.returncode == 0, dry_run.stderr
    report = json.loads(dry_run.stdout)
    assert [(item["metadata"]["name"], item["metadata"]["version"]) for item in report["install"]] == [
        ("rocky-scheduler", "0.1.0")
    ]
