"""An order-preserving unit-file model, and systemd's quoting and escaping rules (pure).

`UnitFile.parse(text).dump() == text` for every file unitgen writes, so drift compares parsed
units, and a hand-edited unit can be read back without losing anything.

Escaping follows systemd.unit(5) and systemd.service(5):
- `%` starts a specifier in (nearly) every setting, so it is doubled everywhere;
- in Exec lines `$` starts a variable, so it is doubled, and each argument is double-quoted
  with C-style escapes for backslash, quote and control characters (single-quoted when it
  holds double quotes and nothing that needs an escape: a JSON body);
- a newline can never be written raw: it would start a new directive.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from unitgen.errors import UnsafeValue

# Unit names: systemd's alphabet is [a-zA-Z0-9:_.\\-@]; the whole name stays within 255 bytes.
UNIT_NAME_MAX = 255
_UNIT_SAFE = re.compile(r"[a-zA-Z0-9:_.\-]")
_SIMPLE_WORD = re.compile(r"[A-Za-z0-9_./:=,+@-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NEEDS_DOUBLE = re.compile(r"[\x00-\x1f\x7f'\\]")


@dataclass
class Entry:
    """One `Key=value` line, or a comment or blank line (key is None) kept for round-tripping."""

    key: str | None
    value: str


@dataclass
class Section:
    name: str
    entries: list[Entry] = field(default_factory=list)

    def get_all(self, key: str) -> list[str]:
        return [e.value for e in self.entries if e.key == key]

    def get(self, key: str) -> str | None:
        values = self.get_all(key)
        return values[-1] if values else None

    def add(self, key: str, value: str) -> None:
        self.entries.append(Entry(key, value))


@dataclass
class UnitFile:
    """Leading comment lines, then sections in file order."""

    header: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str, *, where: str = "<unit>") -> UnitFile:
        unit = cls()
        current: Section | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if stripped.startswith("[") and stripped.endswith("]"):
                current = Section(stripped[1:-1])
                unit.sections.append(current)
            elif current is None:
                if stripped and not stripped.startswith(("#", ";")):
                    raise UnsafeValue(f"{where}:{number}: directive outside any section")
                unit.header.append(line)
            elif not stripped or stripped.startswith(("#", ";")):
                current.entries.append(Entry(None, line))
            elif "=" in line:
                key, _, value = line.partition("=")
                current.entries.append(Entry(key.strip(), value.strip()))
            else:
                raise UnsafeValue(f"{where}:{number}: not a Key=value line: {line!r}")
        return unit

    def dump(self) -> str:
        lines = list(self.header)
        for section in self.sections:
            lines.append(f"[{section.name}]")
            for entry in section.entries:
                lines.append(entry.value if entry.key is None else f"{entry.key}={entry.value}")
        return "\n".join(lines) + "\n"

    def section(self, name: str) -> Section | None:
        for section in self.sections:
            if section.name == name:
                return section
        return None

    def get(self, section: str, key: str) -> str | None:
        found = self.section(section)
        return found.get(key) if found else None

    def get_all(self, section: str, key: str) -> list[str]:
        found = self.section(section)
        return found.get_all(key) if found else []

    def directives(self) -> Iterator[tuple[str, str, str]]:
        """(section, key, value) for every directive, in file order."""
        for section in self.sections:
            for entry in section.entries:
                if entry.key is not None:
                    yield section.name, entry.key, entry.value


# ---------------------------------------------------------------------------------------------
# Escaping


def _refuse_control(value: str, what: str, *, allow: str = "") -> None:
    for char in _CONTROL.findall(value):
        if char not in allow:
            raise UnsafeValue(
                f"{what} contains the control character {char!r}: {value!r}",
                "rename it or remove that character; unitgen never writes control characters",
            )


def escape_specifiers(value: str, what: str) -> str:
    """A plain setting value (Description=, X-Unitgen values): one line, `%` doubled."""
    _refuse_control(value, what)
    if value != value.strip():
        raise UnsafeValue(
            f"{what} has leading or trailing white space: {value!r}",
            "systemd strips it, so the value would change; remove it",
        )
    return value.replace("%", "%%")


def quote_exec_arg(value: str, what: str) -> str:
    """One argument of an Exec line, such that systemd hands exactly `value` to the program.

    Simple words stay bare; everything else is double-quoted with C escapes. `%` and `$`
    are doubled in both cases. NUL cannot be passed in argv at all and is refused.
    """
    if "\x00" in value:
        raise UnsafeValue(f"{what} contains a NUL byte", "NUL cannot be passed as an argument")
    return _quoted(value)


# Inside double quotes: C escapes for backslash, quote and control characters; specifier
# and variable signs doubled.
_EXEC_ESCAPES = {
    **{code: f"\\x{code:02x}" for code in [*range(0x20), 0x7F]},
    ord("\\"): "\\\\",
    ord('"'): '\\"',
    ord("%"): "%%",
    ord("$"): "$$",
    ord("\n"): "\\n",
    ord("\t"): "\\t",
}


@functools.lru_cache(maxsize=1024)
def _quoted(value: str) -> str:
    """Cached: the same values (paths, verbs) are quoted for every container."""
    if value and _SIMPLE_WORD.fullmatch(value) and value != ";":
        return value.replace("%", "%%")
    if '"' in value and not _NEEDS_DOUBLE.search(value):
        # JSON reads better single-quoted: nothing inside needs a C escape.
        return "'" + value.replace("%", "%%").replace("$", "$$") + "'"
    return '"' + value.translate(_EXEC_ESCAPES) + '"'


def exec_line(argv: Sequence[str], what: str) -> str:
    """A whole Exec line. argv[0] is an absolute path chosen by unitgen, never by a container."""
    if not argv or not argv[0].startswith("/"):
        raise ValueError(f"exec_line needs an absolute program path, got {argv!r}")
    return " ".join([argv[0], *(quote_exec_arg(arg, what) for arg in argv[1:])])


def quote_path_list_item(path: str, what: str) -> str:
    """A path in RequiresMountsFor=: quoted word, backslash-escaped, `%` doubled.

    These settings unquote but do not C-unescape, so control characters are refused.
    """
    _refuse_control(path, what)
    if not path.startswith("/"):
        raise UnsafeValue(f"{what} is not an absolute path: {path!r}")
    if _SIMPLE_WORD.fullmatch(path):
        return path.replace("%", "%%")
    body = path.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    return f'"{body}"'


def escape_unit_name_part(value: str) -> str:
    """Map any string injectively into systemd's unit-name alphabet (\\xNN like systemd-escape)."""
    out = []
    for char in value:
        if _UNIT_SAFE.fullmatch(char):
            out.append(char)
        else:
            out.extend(f"\\x{byte:02x}" for byte in char.encode("utf-8"))
    escaped = "".join(out)
    if escaped.startswith("."):
        escaped = "\\x2e" + escaped[1:]
    return escaped


def check_unit_name(name: str) -> str:
    if len(name.encode()) > UNIT_NAME_MAX:
        raise UnsafeValue(
            f"unit name {name[:40]}... is {len(name.encode())} bytes long",
            f"systemd allows {UNIT_NAME_MAX}; use a shorter container or network name",
        )
    return name


def content_hash(text: str, hash_key: str) -> str:
    """sha256 of a unit's text with its own `hash_key=` line left out."""
    kept = [line for line in text.splitlines() if not line.startswith(f"{hash_key}=")]
    return "sha256:" + hashlib.sha256("\n".join(kept).encode()).hexdigest()


def joined(values: Iterable[str]) -> str:
    return " ".join(values)
