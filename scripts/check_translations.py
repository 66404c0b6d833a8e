"""Fail when a user-facing string has no Japanese translation.

Runs ``makemessages -l ja`` over the source into a temporary copy of ``locale/`` (the repository's
catalogue is never written), then lists every entry whose Japanese ``msgstr`` is empty or fuzzy,
unless an installed package (Django, DRF, ...) already translates it. Tests, benchmarks and
scripts are not scanned. Usage: ``python scripts/check_translations.py`` (exit status 1 when
something is missing).
"""

from __future__ import annotations

import ast
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
IGNORE = ["*/tests/*", "tests/*", "bench/*", "scripts/*", "static/*", "staticfiles/*", "deploy/*", "conftest.py"]


@dataclass(frozen=True)
class Entry:
    msgid: str
    plural: str = ""
    context: str = ""
    where: str = ""
    fuzzy: bool = False


def _unquote(line: str) -> str:
    return str(ast.literal_eval(line.strip()))


def _parse_block(block: list[str]) -> tuple[Entry, list[str]] | None:
    """One .po entry: (the entry, its msgstr values); None for the header."""
    fields: dict[str, str] = {}
    flags, where, key = "", "", ""
    for line in block:
        if line.startswith("#,"):
            flags += line
        elif line.startswith("#:"):
            where = where or line[2:].strip()
        elif line.startswith('"') and key:
            fields[key] += _unquote(line)
        elif not line.startswith("#") and " " in line:
            key, _, value = line.partition(" ")
            fields[key] = _unquote(value)
    if not fields.get("msgid"):
        return None
    strings = [value for name, value in fields.items() if name.startswith("msgstr")]
    entry = Entry(fields["msgid"], fields.get("msgid_plural", ""), fields.get("msgctxt", ""), where, "fuzzy" in flags)
    return entry, strings


def untranslated(po_text: str) -> list[Entry]:
    """The entries of a .po file with an empty or fuzzy translation (obsolete ones are skipped)."""
    found, block = [], []
    for line in [*po_text.splitlines(), ""]:
        if line.strip():
            if not line.startswith("#~"):
                block.append(line)
            continue
        parsed = _parse_block(block) if block else None
        block = []
        if parsed is not None and (parsed[0].fuzzy or not all(parsed[1])):
            found.append(parsed[0])
    return found


def translated_elsewhere(entry: Entry) -> bool:
    """True when an installed package's catalogue gives the entry a Japanese translation."""
    from django.utils import translation

    with translation.override("ja"):
        if entry.plural:
            return translation.npgettext(entry.context, entry.msgid, entry.plural, 2) != entry.plural
        if entry.context:
            return translation.pgettext(entry.context, entry.msgid) != entry.msgid
        return translation.gettext(entry.msgid) != entry.msgid


@contextmanager
def _inside(path: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def extract(source: Path, locale_copy: Path) -> Path:
    """``makemessages -l ja`` over ``source``, written into ``locale_copy``; the merged .po's path."""
    from django.core.management import call_command
    from django.core.management.commands import makemessages

    class IntoCopy(makemessages.Command):
        def find_files(self, root: str) -> list[Any]:
            files = super().find_files(root)
            self.locale_paths = [str(locale_copy)]
            for file in files:
                file.locale_dir = str(locale_copy)
            return files

    with _inside(source):
        call_command(IntoCopy(), locale=["ja"], ignore_patterns=IGNORE, no_obsolete=True, verbosity=0)
    return locale_copy / "ja" / "LC_MESSAGES" / "django.po"


def check(source: Path = ROOT) -> list[Entry]:
    """Every user-facing string of ``source`` that has no Japanese translation."""
    with tempfile.TemporaryDirectory() as temporary:
        locale_copy = Path(temporary) / "locale"
        if (source / "locale").is_dir():
            shutil.copytree(source / "locale", locale_copy)
        else:
            locale_copy.mkdir()
        po_text = extract(source, locale_copy).read_text(encoding="utf-8")
    return [entry for entry in untranslated(po_text) if not translated_elsewhere(entry)]


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workplace_roleplay.settings.base")
    import django

    django.setup()
    missing = check()
    for entry in missing:
        state = "fuzzy" if entry.fuzzy else "no Japanese translation"
        print(f"{entry.where or '?'}: {state}: {entry.msgid!r}", file=sys.stderr)
    if missing:
        print(f"{len(missing)} string(s) need a Japanese msgstr in locale/ja/LC_MESSAGES/django.po", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
