"""An order-preserving unit-file model, and systemd's quoting and escaping rules (pure).

`UnitFile.parse(text).dump() == text` byte for byte, for every unit systemd reads (with
`lenient`, for any text), so drift compares parsed units, and a hand-edited unit can be read
back without losing anything: each entry keeps its text as read, comments and continuation
lines included, while `get()` and `directives()` give values as systemd reads them.

Escaping follows systemd.unit(5) and systemd.service(5):
- `%` starts a specifier in (nearly) every setting, so it is doubled everywhere;
- in Exec lines `$` starts a variable, so it is doubled, and each argument is double-quoted
  with C-style escapes for backslash, quote and control characters (single-quoted when it
  holds double quotes and nothing that needs an escape: a JSON body);
- a newline can never be written raw: it would start a new directive; nor can a value end in
  a backslash: systemd would join the next line onto it.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from unitgen.errors import UnsafeValue

# Unit names: systemd's alphabet is [a-zA-Z0-9:_.\\-@]; the whole name stays within 255 bytes.
UNIT_NAME_MAX = 255
_UNIT_SAFE = re.compile(r"[a-zA-Z0-9:_.\-]")
_SIMPLE_WORD = re.compile(r"[A-Za-z0-9_./:=,+@-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NEEDS_DOUBLE = re.compile(r"[\x00-\x1f\x7f'\\]")


# systemd.syntax(7), as src/shared/conf-parser.c and read_line() implement it: a line ends at
# \n, \r or NUL, or a combination of different ones (\r\n, \n\r, \r\n\0); white space is
# systemd's WHITESPACE, not Python's (a no-break space is part of a value).
_EOL = re.compile(r"\r\n?\x00?|\n\r?\x00?|\x00")
_WHITESPACE = " \t\n\r"
_COMMENT = ("#", ";")
_BOM = "\ufeff"
_UNSAFE_SECTION = re.compile(r"[\x00-\x1f\x7f\"'\\]")


@dataclass
class Entry:
    """A directive (`key`, and its value as systemd reads it), or text systemd ignores (key
    None: a comment or blank line; in a lenient parse also a line systemd warns about).

    `raw` is the entry's exact text as read, line ends and continuation lines included, so that
    `dump()` gives the file back byte for byte; None for an entry made in code.
    """

    key: str | None
    value: str
    raw: str | None = None

    @property
    def lines(self) -> int:
        """How many lines it takes in the file: more than one for a continued directive."""
        return 1 if self.raw is None else sum(1 for _ in _physical_lines(self.raw))

    def text(self) -> str:
        if self.raw is not None:
            return self.raw
        return (self.value if self.key is None else f"{self.key}={self.value}") + "\n"


@dataclass
class Section:
    name: str
    entries: list[Entry] = field(default_factory=list)
    raw: str | None = None  # the header line as read, `[name]` when None

    def get_all(self, key: str) -> list[str]:
        return [e.value for e in self.entries if e.key == key]

    def get(self, key: str) -> str | None:
        values = self.get_all(key)
        return values[-1] if values else None

    def add(self, key: str, value: str) -> None:
        self.entries.append(Entry(key, value))

    def text(self) -> str:
        return self.raw if self.raw is not None else f"[{self.name}]\n"


def _physical_lines(text: str) -> Iterator[tuple[str, str]]:
    """(line without its end, line as read) for each line of TEXT."""
    pos = 0
    while pos < len(text):
        end = _EOL.search(text, pos)
        if end is None:
            yield text[pos:], text[pos:]
            return
        yield text[pos : end.start()], text[pos : end.end()]
        pos = end.end()


def _continues(line: str) -> bool:
    """An odd run of trailing backslashes: the last one is not escaped, so the line goes on."""
    return (len(line) - len(line.rstrip("\\"))) % 2 == 1


def _section_problem(stripped: str) -> str:
    """Why systemd refuses a line starting with `[` as a section header; empty when it is one."""
    if len(stripped) < 2 or not stripped.endswith("]"):
        return f"not a section header: {stripped!r}"
    if _UNSAFE_SECTION.search(stripped[1:-1]):
        return f"bad characters in the section header {stripped!r}"
    return ""


def _logical_lines(text: str) -> Iterator[tuple[int, str, str]]:
    """(number of the first line, logical line, text as read) in file order.

    A line ending in a backslash is joined with the next, the backslash replaced by a space; a
    comment line inside such a continuation is skipped by systemd, so it is only kept in the
    text as read (systemd.syntax(7)). A comment line on its own is a logical line of its own.
    """
    joined: str | None = None
    raw = ""
    first = 0
    for number, (line, read) in enumerate(_physical_lines(text), start=1):
        if number == 1:
            line = line.removeprefix(_BOM)
        if line.lstrip(_WHITESPACE).startswith(_COMMENT):
            if joined is None:
                yield number, line, read
            else:
                raw += read
            continue
        if joined is None:
            joined, raw, first = "", "", number
        raw += read
        if _continues(line):
            joined += line[:-1] + " "
            continue
        yield first, joined + line, raw
        joined = None
    if joined is not None:  # the file ended in a continuation: systemd parses what it has
        yield first, joined, raw


@dataclass
class UnitFile:
    """Leading comment lines, then sections in file order."""

    header: list[Entry] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str, *, where: str = "<unit>", lenient: bool = False) -> UnitFile:
        """Parse TEXT as systemd does (systemd.syntax(7)): comments and blank lines anywhere,
        backslash continuations, white space around keys, values and section names.

        A line systemd ignores with a warning (no `=`, an empty key, a directive before the
        first section) and a section header it refuses raise UnsafeValue: unitgen never writes
        them, and the renderer relies on that to catch a value that broke a line. With
        `lenient`, they are kept like a comment instead, so that a damaged unit can still be
        read back and shown.
        """
        unit = cls()
        current: Section | None = None
        for number, logical, raw in _logical_lines(text):
            stripped = logical.strip(_WHITESPACE)
            entry = Entry(None, logical, raw)  # a comment or a blank line, unless a directive
            problem = ""
            if stripped.startswith("["):
                problem = _section_problem(stripped)
                if not problem:
                    current = Section(stripped[1:-1], raw=raw)
                    unit.sections.append(current)
                    continue
            elif stripped and not stripped.startswith(_COMMENT):
                key, equals, value = (part.strip(_WHITESPACE) for part in stripped.partition("="))
                if current is None:
                    problem = "directive outside any section"
                elif not (equals and key):
                    problem = f"not a Key=value line: {logical!r}"
                else:
                    entry = Entry(key, value, raw)
            if problem and not lenient:
                raise UnsafeValue(f"{where}:{number}: {problem}")
            (current.entries if current is not None else unit.header).append(entry)
        return unit

    def dump(self) -> str:
        parts = [entry.text() for entry in self.header]
        for section in self.sections:
            parts.append(section.text())
            parts.extend(entry.text() for entry in section.entries)
        # A file read without a final newline gives it back so; anything added after such a
        # last line starts on a line of its own.
        out: list[str] = []
        for part in parts:
            if out and not out[-1].endswith(("\n", "\r", "\x00")):
                out.append("\n")
            out.append(part)
        return "".join(out)

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
        """(section, key, value) for every directive, in file order; values as systemd reads
        them (continuations joined)."""
        for section in self.sections:
            for entry in section.entries:
                if entry.key is not None:
                    yield section.name, entry.key, entry.value

    def continued(self) -> Iterator[tuple[str, str]]:
        """(section, key) of every directive written over more than one line."""
        for section in self.sections:
            for entry in section.entries:
                if entry.key is not None and entry.lines > 1:
                    yield section.name, entry.key


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
    _refuse_continuation(value, what, value)
    return value.replace("%", "%%")


def _refuse_continuation(written: str, what: str, value: str) -> None:
    """A written value ending in an unescaped backslash would swallow the next line."""
    if _continues(written):
        raise UnsafeValue(
            f"{what} ends in a backslash: {value!r}",
            "systemd would join the next line onto it; remove the trailing backslash",
        )


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


CONTINUATION = " \\\n    "


def exec_line_continued(argv: Sequence[str], what: str, *, head: int) -> str:
    """An Exec line whose arguments after the first HEAD words each stand on a continuation
    line of their own (systemd joins them with a space): long lines a person can read."""
    first = exec_line(argv[:head], what)
    return CONTINUATION.join([first, *(quote_exec_arg(arg, what) for arg in argv[head:])])


def quote_path_list_item(path: str, what: str) -> str:
    """A path in RequiresMountsFor=: quoted word, backslash-escaped, `%` doubled.

    These settings unquote but do not C-unescape, so control characters are refused.
    """
    _refuse_control(path, what)
    if not path.startswith("/"):
        raise UnsafeValue(f"{what} is not an absolute path: {path!r}")
    if _SIMPLE_WORD.fullmatch(path):
        written = path.replace("%", "%%")
    else:
        body = path.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
        written = f'"{body}"'
    # A backslash always gets quoted, so this only guards the quoting itself.
    _refuse_continuation(written, what, path)
    return written


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
