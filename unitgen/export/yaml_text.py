"""A small YAML writer for the Compose export (pure; no PyYAML at run time).

Safe by construction rather than by cleverness: every string is a double-quoted scalar with
every character a reader might take for something else escaped, so no value can become a
number, a boolean, a comment, a key or a new line. Keys are plain only when nothing can read
them otherwise (lowercase words that are not YAML 1.1's booleans or null). Block style, two
spaces, so a person can read and diff the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TypeAlias

Node: TypeAlias = "str | int | bool | Sequence[Node] | Mapping[str, Node] | None"

_PLAIN_KEY = re.compile(r"[a-z][a-z0-9_]*")
# YAML 1.1 (PyYAML, docker-compose v1) reads these as booleans or null, even unquoted keys.
_SPECIAL_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def _needs_escape(char: str) -> bool:
    code = ord(char)
    return (
        code < 0x20
        or 0x7F <= code <= 0x9F  # DEL and the C1 controls: not printable in YAML
        or code in (0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF)  # line breaks to YAML 1.1; BOM
        or 0xD800 <= code <= 0xDFFF  # a lone surrogate (from JSON) has no UTF-8 form
    )


def quote(text: str) -> str:
    """`text` as a double-quoted YAML scalar that reads back as exactly `text`."""
    out = ['"']
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif _needs_escape(char):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def key(text: str) -> str:
    if _PLAIN_KEY.fullmatch(text) and text not in _SPECIAL_WORDS:
        return text
    return quote(text)


def scalar(value: Node) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return quote(value)
    raise TypeError(f"not a scalar: {value!r}")


def _lines(node: Node, indent: str) -> list[str]:
    """The block lines of a mapping or a list, each at `indent`."""
    lines: list[str] = []
    if isinstance(node, Mapping):
        for name, value in node.items():
            lines += _entry(f"{indent}{key(name)}:", value, indent)
        return lines
    assert isinstance(node, Sequence) and not isinstance(node, str)
    for item in node:
        if isinstance(item, Mapping) and item:
            # "- key: value", the mapping's other keys aligned under the first.
            inner = _lines(item, indent + "  ")
            lines += [f"{indent}- {inner[0][len(indent) + 2 :]}", *inner[1:]]
        else:
            lines += _entry(f"{indent}-", item, indent)
    return lines


def _entry(head: str, value: Node, indent: str) -> list[str]:
    if isinstance(value, Mapping | Sequence) and not isinstance(value, str):
        if not value:
            return [f"{head} {{}}" if isinstance(value, Mapping) else f"{head} []"]
        return [head, *_lines(value, indent + "  ")]
    return [f"{head} {scalar(value)}"]


def dump(document: Mapping[str, Node]) -> str:
    """A mapping as a YAML document (block style), ending in a newline."""
    return "".join(line + "\n" for line in _lines(document, ""))


def comment(text: str) -> str:
    """A comment line for `text`, whatever it holds: a line break cannot end the comment."""
    safe = "".join(f"\\x{ord(c):02x}" if _needs_escape(c) else c for c in text)
    return f"# {safe}".rstrip() + "\n"
