"""The app ships a complete Dutch catalogue, and the dashboard speaks Dutch when the browser asks for it."""

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import rocky_scheduler
from tests.support.pages import page_url

APP = Path(rocky_scheduler.__file__).parent
PO = APP / "locale" / "nl" / "LC_MESSAGES" / "django.po"
MO = APP / "locale" / "nl" / "LC_MESSAGES" / "django.mo"


def _entries(po_text: str) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for every entry but the header."""
    entries = []
    for block in po_text.split("\n\n"):
        fuzzy = "#, fuzzy" in block or re.search(r"^#,.*\bfuzzy\b", block, re.M) is not None
        parts = re.split(r"^msgstr ", block, flags=re.M)
        if len(parts) != 2 or "msgid " not in parts[0]:
            continue
        msgid = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', parts[0].split("msgid ", 1)[1]))
        msgstr = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', parts[1]))
        if msgid:
            entries.append((msgid, msgstr, fuzzy))
    return entries


def _source_msgids(tmp_path: Path) -> set[str]:
    """Every string the app's sources mark for translation, extracted the way makemessages does."""
    copy = tmp_path / "rocky_scheduler"
    shutil.copytree(APP, copy, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.rmtree(copy / "locale")
    (copy / "locale").mkdir()
    # Without the test settings: makemessages then works on the copied folder alone, as a maintainer runs it.
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    # The script, not `python -m django`: the copied app folder holds modules (queue) that would shadow the stdlib.
    command = [str(Path(sys.executable).parent / "django-admin"), "makemessages", "-l", "nl"]
    subprocess.run(command, cwd=copy, check=True, capture_output=True, env=env)
    return {msgid for msgid, _, _ in _entries((copy / "locale/nl/LC_MESSAGES/django.po").read_text())}


# The catalogue does not depend on the project: checked in the standalone pass only.
@pytest.mark.standalone
def test_every_marked_string_has_a_dutch_translation(tmp_path):
    entries = {msgid: (msgstr, fuzzy) for msgid, msgstr, fuzzy in _entries(PO.read_text())}
    marked = _source_msgids(tmp_path)
    assert marked, "makemessages found no marked strings at all"
    missing = sorted(marked - entries.keys())
    assert not missing, f"marked for translation but absent from nl/django.po: {missing}"
    untranslated = sorted(m for m in marked if not entries[m][0] or entries[m][1])
    assert not untranslated, f"empty or fuzzy in nl/django.po: {untranslated}"


@pytest.mark.standalone
def test_the_compiled_catalogue_matches_the_po_file():
    catalogue = gettext.GNUTranslations(MO.open("rb"))
    for msgid, msgstr, _ in _entries(PO.read_text()):
        unescape = lambda s: s.encode().decode("unicode_escape").encode("latin-1").decode()  # noqa: E731
        assert catalogue.gettext(unescape(msgid)) == unescape(msgstr), f"django.mo is stale for {msgid!r}"


# In Rocky's host the bare path redirects to /nl/... or /en/... (i18n_patterns); follow=True reads the page there.
def test_the_dashboard_speaks_dutch_when_the_browser_asks(staff_client):
    page = page_url("rocky_scheduler_dashboard:index")
    dutch = staff_client.get(page, HTTP_ACCEPT_LANGUAGE="nl", follow=True).content.decode()
    assert 'lang="nl"' in dutch
    for text in ("Wachtrijen", "Organisaties met de grootste achterstand", "Recent mislukt", "Vastgelopen taken"):
        assert text in dutch
    assert "Recently failed" not in dutch
    english = staff_client.get(page, follow=True).content.decode()
    assert "Recently failed" in english and "Recent mislukt" not in english


def test_the_dashboard_speaks_dutch_when_the_site_language_is_dutch(staff_client, settings):
    settings.LANGUAGE_CODE = "nl"
    page = page_url("rocky_scheduler_dashboard:index")
    assert "Wachtrijen" in staff_client.get(page, follow=True).content.decode()
