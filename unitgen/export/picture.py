"""The boot-order graph as a picture: text, Graphviz DOT or Mermaid (pure).

Each arrow goes from a container to what it needs, labelled by the relation it comes from
(link, network, netns, volumes-from, compose, label, mount) and by its strength, the unit
dependency it becomes (README, "Dependencies"): BindsTo= and Requires= are drawn solid,
Wants= dashed, RequiresMountsFor= dotted. Dependencies are listed before what needs them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from unitgen.graph import Graph
from unitgen.model import Edge
from unitgen.units.render import REQUIREMENT


class Node(enum.Enum):
    CONTAINER = "container"
    NETWORK = "network"
    MOUNT = "mount"


RELATION = {
    Edge.LINK: "link",
    Edge.NETNS: "netns",
    Edge.VOLUMES_FROM: "volumes-from",
    Edge.NETWORK: "network",
    Edge.COMPOSE: "compose",
    Edge.LABEL_REQUIRES: "label",
    Edge.LABEL_AFTER: "label",
}
MOUNT_STRENGTH = "RequiresMountsFor"


@dataclass(frozen=True)
class Arrow:
    source: str  # a container
    target: str  # a container, a network or a host path
    kind: Node  # what the target is
    relation: str
    strength: str  # the unit dependency: BindsTo, Requires, Wants or RequiresMountsFor


@dataclass(frozen=True)
class Picture:
    containers: tuple[str, ...]  # dependencies first
    arrows: tuple[Arrow, ...]

    @property
    def networks(self) -> list[str]:
        return sorted({a.target for a in self.arrows if a.kind is Node.NETWORK})

    @property
    def mounts(self) -> list[str]:
        return sorted({a.target for a in self.arrows if a.kind is Node.MOUNT})


def picture(graph: Graph, names: Sequence[str] | None = None) -> Picture:
    """NAMES and what they need, transitively (every container when None). A cycle or a
    broken dependency does not stop the drawing: the picture is how one finds them."""
    chosen = _reachable(graph, sorted(graph.containers) if names is None else names)
    order = _dependencies_first(graph, chosen)
    arrows: list[Arrow] = []
    for name in order:
        for dep in graph.edges.get(name, ()):
            kind = Node.NETWORK if dep.kind is Edge.NETWORK else Node.CONTAINER
            arrows.append(Arrow(name, dep.target, kind, RELATION[dep.kind], REQUIREMENT[dep.kind]))
        spec = graph.containers[name]
        arrows += [Arrow(name, path, Node.MOUNT, "mount", MOUNT_STRENGTH) for path in spec.binds]
    return Picture(tuple(order), tuple(arrows))


def _reachable(graph: Graph, roots: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    todo = [r for r in roots if r in graph.containers]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += [
            d.target
            for d in graph.edges.get(name, ())
            if d.kind is not Edge.NETWORK and d.target in graph.containers
        ]
    return seen


def _dependencies_first(graph: Graph, chosen: set[str]) -> list[str]:
    """Depth-first post-order by name; a cycle is cut where it closes (and still drawn)."""
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str) -> None:
        if state.get(name):
            return
        state[name] = 1
        for dep in sorted(graph.edges.get(name, ()), key=lambda d: d.target):
            if dep.kind is not Edge.NETWORK and dep.target in chosen:
                visit(dep.target)
        order.append(name)

    for name in sorted(chosen):
        visit(name)
    return order


def as_text(pic: Picture) -> str:
    """A container a line, dependencies first, then what it needs, indented."""
    lines: list[str] = []
    for name in pic.containers:
        lines.append(name)
        for arrow in (a for a in pic.arrows if a.source == name):
            what = "" if arrow.kind is Node.CONTAINER else f"{arrow.kind.value} "
            lines.append(f"  -> {what}{arrow.target}  ({arrow.relation}, {arrow.strength}=)")
    return "".join(f"{line}\n" for line in lines)


_STYLE = {"BindsTo": "solid", "Requires": "solid", "Wants": "dashed", MOUNT_STRENGTH: "dotted"}
_SHAPE = {Node.CONTAINER: "box", Node.NETWORK: "ellipse", Node.MOUNT: "folder"}


def _dot_id(text: str) -> str:
    """A DOT quoted ID: backslashes and double quotes escaped, line breaks spelled out."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\r", "\\r") + '"'


def _node_ids(pic: Picture) -> dict[tuple[Node, str], str]:
    nodes = [(Node.CONTAINER, n) for n in pic.containers]
    nodes += [(Node.NETWORK, n) for n in pic.networks] + [(Node.MOUNT, m) for m in pic.mounts]
    return {node: f"n{i}" for i, node in enumerate(nodes)}


def as_dot(pic: Picture) -> str:
    """A Graphviz digraph; `dot -Tsvg` draws it, dependencies below what needs them."""
    ids = _node_ids(pic)
    font = 'fontname="sans-serif"'
    out = ["digraph unitgen {", "  rankdir=TB;", f"  node [{font}];", f"  edge [{font}];"]
    for (kind, name), node in ids.items():
        label = name if kind is Node.CONTAINER else f"{kind.value}\n{name}"
        out.append(f"  {node} [label={_dot_id(label)}, shape={_SHAPE[kind]}];")
    for arrow in pic.arrows:
        source = ids[(Node.CONTAINER, arrow.source)]
        target = ids.get((arrow.kind, arrow.target))
        if target is None:  # a dependency outside the picture: a broken reference
            continue
        label = _dot_id(f"{arrow.relation}\n{arrow.strength}=")
        out.append(f"  {source} -> {target} [label={label}, style={_STYLE[arrow.strength]}];")
    return "\n".join([*out, "}"]) + "\n"


def _mermaid_text(text: str) -> str:
    """Mermaid label text inside double quotes: its own entity codes for what would end it."""
    for raw, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(raw, code)
    return text


def as_mermaid(pic: Picture) -> str:
    """A Mermaid flowchart (GitHub and GitLab draw it in Markdown)."""
    ids = _node_ids(pic)
    out = ["flowchart TB"]
    brackets = {Node.CONTAINER: ("[", "]"), Node.NETWORK: ("([", "])"), Node.MOUNT: ("[/", "/]")}
    for (kind, name), node in ids.items():
        label = name if kind is Node.CONTAINER else f"{kind.value} {name}"
        left, right = brackets[kind]
        out.append(f'  {node}{left}"{_mermaid_text(label)}"{right}')
    for arrow in pic.arrows:
        target = ids.get((arrow.kind, arrow.target))
        if target is None:
            continue
        line = {"solid": "-->", "dashed": "-.->", "dotted": "-.->"}[_STYLE[arrow.strength]]
        label = _mermaid_text(f"{arrow.relation}, {arrow.strength}=")
        out.append(f"  {ids[(Node.CONTAINER, arrow.source)]} {line}|{label}| {target}")
    return "\n".join(out) + "\n"


def as_json(pic: Picture) -> str:
    """The `graph` document of unitgen/schemas.py."""
    import json

    arrows = [
        {
            "from": a.source,
            "to": a.target,
            "kind": a.kind.value,
            "relation": a.relation,
            "strength": a.strength,
        }
        for a in pic.arrows
    ]
    document = {"version": 1, "containers": list(pic.containers), "arrows": arrows}
    return json.dumps(document, indent=2) + "\n"


FORMATS = {"text": as_text, "dot": as_dot, "mermaid": as_mermaid, "json": as_json}
