"""Whether a JSON document unitgen printed is the one unitgen.schemas describes: the
tests' check of every `--json` output against its documentation."""

from __future__ import annotations

from unitgen.schemas import Document


def json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def problems(document: Document, value: object) -> list[str]:
    """Where VALUE breaks DOCUMENT: a field emitted but not documented, of another type than
    documented, or documented as required and missing. [] when it conforms."""
    found: list[str] = []

    def walk(path: str, node: object) -> None:
        if isinstance(node, dict):
            for f in document.fields:
                key = f.path.rpartition(".")[2]
                if f.parent == path and f.required and not key.endswith("[]") and key not in node:
                    found.append(f"{f.path}: documented as required, not emitted")
            for key, child in node.items():
                check(f"{path}.{key}" if path else key, child)
        elif isinstance(node, list):
            for child in node:
                check(f"{path}[]", child)

    def check(path: str, node: object) -> None:
        documented = document.field(path)
        if documented is None:
            found.append(f"{path}: emitted, not documented")
            return
        if json_type(node) not in documented.types:
            found.append(f"{path}: {json_type(node)}, documented as {documented.type}")
            return
        walk(path, node)

    if json_type(value) != "object":
        return [f"the document is {json_type(value)}, not an object"]
    walk("", value)
    return found
