"""The French catalogue is complete: every string in the code has a translation.

The catalogue is rebuilt from the current sources in a scratch copy (so the
working tree is never touched) and every entry must be translated, not fuzzy.
"""

import ast
import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]


def parse_po(text: str) -> list[dict]:
    """Entries of a .po file as dicts: msgid, msgstr (list), fuzzy, context, plural.

    An entry starts at its first comment or keyword after a blank line; flags
    (`#, fuzzy`) and `msgctxt` belong to the entry that follows them, and every
    field may continue on further quoted lines. Obsolete entries (`#~`) are skipped.
    """
    entries, current, field = [], None, None

    def entry() -> dict:
        nonlocal current
        if current is None:
            current = {"msgid": "", "msgstr": [], "fuzzy": False, "context": None, "plural": None}
            entries.append(current)
        return current

    for line in text.splitlines():
        if not line.strip():
            current, field = None, None
        elif line.startswith("#~"):
            continue
        elif line.startswith("#,"):
            flags = {flag.strip() for flag in line[2:].split(",")}
            entry()["fuzzy"] = entry()["fuzzy"] or "fuzzy" in flags
        elif line.startswith("#"):
            entry()
        elif line.startswith("msgctxt "):
            field = "context"
            entry()["context"] = ast.literal_eval(line[8:])
        elif line.startswith("msgid_plural "):
            field = "plural"
            entry()["plural"] = ast.literal_eval(line[13:])
        elif line.startswith("msgid "):
            field = "msgid"
            entry()["msgid"] = ast.literal_eval(line[6:])
        elif line.startswith("msgstr"):
            field = "msgstr"
            entry()["msgstr"].append(ast.literal_eval(line.split(" ", 1)[1]))
        elif line.startswith('"') and current is not None and field is not None:
            value = ast.literal_eval(line)
            if field == "msgstr":
                current["msgstr"][-1] += value
            else:
                current[field] += value
    return [e for e in entries if e["msgid"]]


def test_the_parser_reads_flags_contexts_plurals_and_continued_lines():
    po = (
        '# header\n#, fuzzy\nmsgid ""\nmsgstr ""\n"Language: fr\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\nmsgctxt "door"\nmsgid "Open"\nmsgstr "Ouverte"\n\n'
        '#: a.py:2\nmsgctxt ""\n"promise"\nmsgid ""\n"Kept"\nmsgstr ""\n"Tenue"\n\n'
        '#, python-format\nmsgid "%(n)d case"\nmsgid_plural ""\n"%(n)d cases"\n'
        'msgstr[0] "%(n)d dossier"\nmsgstr[1] ""\n\n'
        '#~ msgid "Gone"\n#~ msgstr "Parti"\n'
    )
    door, kept, cases = parse_po(po)
    assert door == {
        "msgid": "Open",
        "msgstr": ["Ouverte"],
        "fuzzy": True,
        "context": "door",
        "plural": None,
    }
    assert (kept["context"], kept["msgid"], kept["msgstr"]) == ("promise", "Kept", ["Tenue"])
    assert not kept["fuzzy"]
    assert (cases["plural"], cases["msgstr"]) == ("%(n)d cases", ["%(n)d dossier", ""])


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext")
def test_french_catalogue_is_complete_and_up_to_date(tmp_path):
    copy = tmp_path / "filrouge"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "django", "makemessages", "-l", "fr", "--no-obsolete", "-v0"],
        cwd=copy,
        check=True,
        env={"DJANGO_SETTINGS_MODULE": "", "PATH": "/usr/bin:/bin"},
    )
    po = (copy / "locale/fr/LC_MESSAGES/django.po").read_text()
    entries = parse_po(po)
    missing = [e["msgid"] for e in entries if e["fuzzy"] or not all(e["msgstr"])]
    assert entries, "the catalogue is empty"
    assert missing == [], f"{len(missing)} string(s) without a French translation: {missing[:20]}"


def test_compiled_catalogue_matches_the_sources():
    """django.mo is committed (no gettext needed to run); it must say what django.po says."""
    folder = PACKAGE / "locale/fr/LC_MESSAGES"
    with (folder / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    entries = parse_po((folder / "django.po").read_text())
    # msgfmt leaves out fuzzy and untranslated entries; the other test reports those.
    translated = [e for e in entries if not e["fuzzy"] and all(e["msgstr"])]
    stale = [e["msgid"] for e in translated if _compiled(compiled, e) != e["msgstr"]]
    assert stale == [], f"run `make messages`: django.mo is stale for {stale[:10]}"


def _compiled(compiled: gettext.GNUTranslations, entry: dict) -> list[str]:
    """What django.mo says for a .po entry, in the shape of its msgstr list."""
    context, msgid, plural = entry["context"], entry["msgid"], entry["plural"]
    if plural is None:
        if context is None:
            return [compiled.gettext(msgid)]
        return [compiled.pgettext(context, msgid)]
    # French has two forms: 1 (and 0) is singular, 2 and more plural.
    if context is None:
        return [compiled.ngettext(msgid, plural, 1), compiled.ngettext(msgid, plural, 2)]
    return [compiled.npgettext(context, msgid, plural, n) for n in (1, 2)]
