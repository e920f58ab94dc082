"""The unit-file model and systemd's escaping rules."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unitgen.errors import UnsafeValue
from unitgen.unitfile import (
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
