"""The unit-file model and systemd's escaping rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import FIXTURES
from unitgen.errors import UnsafeValue
from unitgen.units.unitfile import (
    UnitFile,
    escape_specifiers,
    escape_unit_name_part,
    exec_line,
    quote_exec_arg,
    quote_path_list_item,
)

NASTY = [
    "",
    " ",
    "a b",
    "%b",
    "%%",
    "$HOME",
    "${HOME}",
    "$$",
    "'",
    '"',
    "\\",
    "\\n",
    ";",
    "a;b",
    "-x",
    "@x",
    ":x",
    "+x",
    "!x",
    "!!x",
    "\t",
    "\n",
    "line1\nline2",
    "é ü 中文 🐳",
    "x" * 5000,
    "\x7f",
    "\x01",
    "%n$n\\\"'",
    "a\\",
    "}",
    "{{ x }}",
]


def systemd_unquote_words(line: str) -> list[str]:
    """A test oracle for how systemd splits an Exec line (extract_first_word with UNQUOTE,
    CUNESCAPE, after specifier and $$ expansion), for the escapes unitgen emits."""
    words: list[str] = []
    i = 0
    while i < len(line):
        while i < len(line) and line[i] == " ":
            i += 1
        if i >= len(line):
            break
        word: list[str] = []
        quote = None
        while i < len(line):
            c = line[i]
            if quote is None and c == " ":
                break
            if c in "\"'" and quote is None:
                quote = c
            elif c == quote:
                quote = None
            elif c == "\\":
                nxt = line[i + 1]
                i += 1
                if nxt == "x":
                    word.append(chr(int(line[i + 1 : i + 3], 16)))
                    i += 2
                else:
                    word.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
            elif c in "%$" and line[i + 1] == c:
                word.append(c)
                i += 1
            else:
                assert c not in "%$", f"unescaped {c} in {line!r}"
                word.append(c)
            i += 1
        words.append("".join(word))
    return words


@pytest.mark.parametrize("value", NASTY)
def test_exec_arguments_come_back_exactly_as_given(value: str) -> None:
    line = exec_line(["/bin/echo", value, "after"], "test")
    assert "\n" not in line
    assert systemd_unquote_words(line) == ["/bin/echo", value, "after"]


@given(st.text(alphabet=st.characters(blacklist_characters="\x00")))
def test_any_text_without_nul_survives_exec_quoting(value: str) -> None:
    line = exec_line(["/bin/echo", value], "test")
    assert "\n" not in line and "\r" not in line
    assert systemd_unquote_words(line)[1] == value


def test_nul_is_refused_in_exec_arguments() -> None:
    with pytest.raises(UnsafeValue, match="NUL"):
        quote_exec_arg("a\x00b", "container x: command")


def test_a_lone_semicolon_is_quoted_so_it_does_not_split_the_command() -> None:
    assert quote_exec_arg(";", "x") == '";"'


def test_percent_is_doubled_in_plain_settings() -> None:
    assert escape_specifiers("50%b off", "label") == "50%%b off"


@pytest.mark.parametrize("value", ["a\nb", "a\rb", "a\x00b", " lead", "trail "])
def test_plain_settings_refuse_what_would_change_or_add_a_line(value: str) -> None:
    with pytest.raises(UnsafeValue, match="label"):
        escape_specifiers(value, "label")


def test_a_plain_setting_ending_in_a_backslash_is_refused_as_it_would_continue_the_line() -> None:
    with pytest.raises(UnsafeValue, match=re.escape("container web: image ends in a backslash")):
        escape_specifiers("img\\", "container web: image")
    # An escaped backslash does not continue the line: systemd reads it as written.
    assert escape_specifiers("img\\\\", "image") == "img\\\\"


def test_a_path_ending_in_a_backslash_is_quoted_and_does_not_continue_the_line() -> None:
    written = quote_path_list_item("/srv/a\\", "bind")
    assert written == '"/srv/a\\\\"'
    unit = UnitFile.parse(f"[Unit]\nRequiresMountsFor={written}\nAfter=x\n")
    assert unit.get("Unit", "After") == "x"


def test_paths_with_spaces_and_percent_are_quoted_for_requires_mounts_for() -> None:
    assert quote_path_list_item("/srv/a b%c", "bind") == '"/srv/a b%%c"'
    assert quote_path_list_item("/srv/data", "bind") == "/srv/data"


def test_relative_or_multiline_paths_are_refused() -> None:
    with pytest.raises(UnsafeValue, match="absolute"):
        quote_path_list_item("srv", "bind")
    with pytest.raises(UnsafeValue, match="control character"):
        quote_path_list_item("/srv/a\nb", "bind")


@given(st.text(), st.text())
def test_unit_name_escaping_is_injective_and_valid(a: str, b: str) -> None:
    ea, eb = escape_unit_name_part(a), escape_unit_name_part(b)
    assert all(c.isascii() and (c.isalnum() or c in ":_.-\\") for c in ea)
    assert (ea == eb) == (a == b)


def test_parse_then_dump_gives_the_input_back() -> None:
    text = "# header\n[Unit]\nDescription=x\n\n# note\n[Service]\nExecStart=/bin/true\n"
    unit = UnitFile.parse(text)
    assert unit.dump() == text
    assert unit.get("Service", "ExecStart") == "/bin/true"
    assert list(unit.directives()) == [
        ("Unit", "Description", "x"),
        ("Service", "ExecStart", "/bin/true"),
    ]


def test_a_directive_outside_a_section_is_an_error_naming_the_line() -> None:
    with pytest.raises(UnsafeValue, match=re.escape("u.service:1: directive outside any section")):
        UnitFile.parse("Foo=bar\n", where="u.service")


# ---------------------------------------------------------------------------------------------
# Parsing what systemd accepts (systemd.syntax(7), src/shared/conf-parser.c)

GOLDEN_UNITS = sorted((FIXTURES / "golden").glob("*.service"))


def test_a_backslash_continues_the_line_and_becomes_a_space() -> None:
    text = "[Service]\nExecStartPost=/bin/true \\\n   arg\nType=exec\n"
    unit = UnitFile.parse(text)
    # "/bin/true " + the backslash as a space + "   arg": systemd keeps the inner spaces.
    assert unit.get("Service", "ExecStartPost") == "/bin/true     arg"
    assert unit.get("Service", "Type") == "exec"
    assert list(unit.continued()) == [("Service", "ExecStartPost")]
    assert unit.dump() == text


def test_comment_lines_inside_a_continuation_are_skipped() -> None:
    text = "[Unit]\nDescription=one \\\n# a note\n  ; another\n  two\nDocumentation=man:x\n"
    unit = UnitFile.parse(text)
    assert list(unit.directives()) == [
        ("Unit", "Description", "one    two"),
        ("Unit", "Documentation", "man:x"),
    ]
    assert unit.dump() == text


def test_an_escaped_backslash_at_the_end_does_not_continue() -> None:
    unit = UnitFile.parse("[Unit]\nA=x\\\\\nB=y \\\\\\\nz\n")
    assert unit.get("Unit", "A") == "x\\\\"
    assert unit.get("Unit", "B") == "y \\\\ z"


def test_a_blank_line_ends_a_continuation_and_so_does_the_end_of_the_file() -> None:
    assert UnitFile.parse("[Unit]\nA=x \\\n\nB=y\n").get("Unit", "A") == "x"
    assert UnitFile.parse("[Unit]\nA=x \\\n\nB=y\n").get("Unit", "B") == "y"
    assert UnitFile.parse("[Unit]\nA=x \\").get("Unit", "A") == "x"


def test_a_section_header_inside_a_continuation_is_part_of_the_value() -> None:
    # As systemd reads it: the header is swallowed, and what follows stays in [Install].
    unit = UnitFile.parse("[Install]\nWantedBy=multi-user.target \\\n[X-Unitgen]\nA=b\n")
    assert [s.name for s in unit.sections] == ["Install"]
    assert unit.get("Install", "WantedBy") == "multi-user.target  [X-Unitgen]"
    assert unit.get("Install", "A") == "b"


def test_white_space_around_headers_keys_and_values_is_not_part_of_them() -> None:
    text = "  [Unit]  \n  Description =\tweb\u00a0 \n\t# indented comment\n\n"
    unit = UnitFile.parse(text)
    # A no-break space is not systemd white space: it stays in the value.
    assert list(unit.directives()) == [("Unit", "Description", "web\u00a0")]
    assert unit.dump() == text


def test_line_ends_are_systemds_and_come_back_as_read() -> None:
    text = "\ufeff# bom\r\n[Unit]\r\nA=b \\\r\n c\r\nB=d\rC=e"
    unit = UnitFile.parse(text)
    assert list(unit.directives()) == [
        ("Unit", "A", "b   c"),
        ("Unit", "B", "d"),
        ("Unit", "C", "e"),
    ]
    assert unit.dump() == text


def test_an_entry_added_after_a_last_line_without_newline_starts_a_line() -> None:
    unit = UnitFile.parse("[Unit]\nA=b")
    section = unit.section("Unit")
    assert section is not None
    section.add("C", "d")
    assert unit.dump() == "[Unit]\nA=b\nC=d\n"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[Unit]\njunk\n", "u.service:2: not a Key=value line: 'junk'"),
        ("[Unit]\n=x\n", "u.service:2: not a Key=value line: '=x'"),
        ("[Unit\nA=b\n", "u.service:1: not a section header: '[Unit'"),
        ("[Un\\it]\n", "u.service:1: bad characters in the section header '[Un\\\\it]'"),
        ("[Unit]\nno equals \\\n[S]\n", "u.service:2: not a Key=value line: 'no equals  [S]'"),
        ("Foo=bar\n[Unit]\n", "u.service:1: directive outside any section"),
    ],
)
def test_what_systemd_warns_about_or_refuses_is_an_error_naming_the_line(
    text: str, problem: str
) -> None:
    with pytest.raises(UnsafeValue, match=re.escape(problem)):
        UnitFile.parse(text, where="u.service")
    assert UnitFile.parse(text, lenient=True).dump() == text


def test_a_lenient_parse_keeps_the_directives_around_a_damaged_line() -> None:
    unit = UnitFile.parse("Stray=1\n[X-Unitgen]\nbroken\nContainer=web\n", lenient=True)
    assert list(unit.directives()) == [("X-Unitgen", "Container", "web")]


@pytest.mark.parametrize("path", GOLDEN_UNITS, ids=[p.name for p in GOLDEN_UNITS])
def test_every_golden_unit_round_trips_byte_for_byte(path: Path) -> None:
    text = path.read_bytes().decode()
    unit = UnitFile.parse(text)
    assert unit.dump() == text
    # Only a network's ExecStart= is written over several lines, one create member a line.
    continued = [] if path.name.startswith("docker-") else [("Service", "ExecStart")]
    assert list(unit.continued()) == continued


@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_a_lenient_parse_of_any_text_gives_it_back(text: str) -> None:
    assert UnitFile.parse(text, lenient=True).dump() == text


# Pieces of a continued value: no line end, none ends in a backslash (that would continue it
# further), and none reads as a comment line (systemd would skip it).
PIECE = st.text(alphabet=st.sampled_from(list("ab %$\"'\\=[]#;\t"))).filter(
    lambda p: not p.endswith("\\") and not p.lstrip(" \t").startswith(("#", ";"))
)
SPACE = st.sampled_from(["", " ", "\t", "  "])
COMMENT = st.sampled_from(["", "# note", "; note", "   # indented", "#\\"])


@st.composite
def directive(draw: st.DrawFn) -> tuple[str, str, str]:
    """(key, value as systemd reads it, text as written)."""
    key = draw(st.sampled_from(["ExecStart", "Description", "X-Note"]))
    first = draw(
        st.text(alphabet=st.sampled_from(list("ab %$=[]\t"))).filter(lambda p: not p.endswith("\\"))
    )
    rest = draw(st.lists(PIECE, max_size=3))
    pieces = [first, *rest]
    lines = [f"{draw(SPACE)}{key}{draw(SPACE)}={pieces[0]}"]
    for piece in pieces[1:]:
        lines[-1] += "\\"
        lines += [c for c in [draw(COMMENT)] if c] + [piece]
    value = " ".join(pieces).strip(" \t")
    return key, value, "".join(line + "\n" for line in lines)


@given(st.lists(st.tuples(SPACE, st.lists(st.one_of(directive(), COMMENT)), SPACE), max_size=4))
def test_generated_units_parse_as_systemd_reads_them_and_round_trip(
    sections: list[tuple[str, list[tuple[str, str, str] | str], str]],
) -> None:
    text, expected = "# header\n", []
    for number, (before, items, after) in enumerate(sections):
        text += f"{before}[S{number}]{after}\n"
        for item in items:
            if isinstance(item, str):
                text += item + "\n"
            else:
                key, value, written = item
                text += written
                expected.append((f"S{number}", key, value))
    unit = UnitFile.parse(text)
    assert list(unit.directives()) == expected
    assert unit.dump() == text
