"""The YAML writer: any string, as key or value, reads back as itself (PyYAML is the judge)."""

from __future__ import annotations

import yaml
from hypothesis import given
from hypothesis import strategies as st

from unitgen.export.yaml_text import Node, comment, dump

# Any Unicode but lone surrogates, which no UTF-8 file can hold.
TEXT = st.text(st.characters(exclude_categories=["Cs"]))


@given(st.dictionaries(TEXT, st.one_of(TEXT, st.lists(TEXT), st.booleans(), st.integers())))
def test_any_key_and_value_read_back_as_written(document: dict[str, Node]) -> None:
    assert yaml.safe_load(dump({"root": document})) == {"root": document}


@given(st.lists(st.dictionaries(TEXT, st.one_of(TEXT, st.lists(TEXT)))))
def test_mappings_in_lists_read_back_as_written(items: list[dict[str, Node]]) -> None:
    assert yaml.safe_load(dump({"root": items})) == {"root": items}


def test_a_mapping_in_a_list_starts_on_the_dash_line() -> None:
    assert dump({"ports": [{"target": 80, "mode": "host"}]}) == (
        'ports:\n  - target: 80\n    mode: "host"\n'
    )


@given(TEXT)
def test_a_comment_is_one_line_whatever_it_holds(text: str) -> None:
    line = comment(text)
    assert line.endswith("\n") and yaml.safe_load(line + "a: 1\n") == {"a": 1}
    assert len((line + "a: 1\n").splitlines()) == 2


def test_yaml_11_words_and_numbers_stay_strings() -> None:
    words = ["yes", "no", "on", "off", "y", "n", "true", "null", "~", "0x1f", "1e3", "012", ""]
    assert dump({w: w for w in words}).splitlines()[:3] == [
        '"yes": "yes"',
        '"no": "no"',
        '"on": "on"',
    ]
    assert yaml.safe_load(dump({w: w for w in words})) == {w: w for w in words}


def test_empty_lists_and_mappings_are_written_in_flow_style() -> None:
    assert dump({"a": [], "b": {}, "c": None}) == "a: []\nb: {}\nc: null\n"
