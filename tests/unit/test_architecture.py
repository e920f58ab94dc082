"""The layers of README "Architecture" hold in the code: import-linter's contracts (in
pyproject.toml: each package imports only what stands below it, only engine/ talks to
Docker, only host/ runs programs or writes files), and no module imports itself through
others. Imports inside functions and under TYPE_CHECKING count: they are imports too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

from tests.conftest import REPO

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def cycles(graph: grimp.ImportGraph, package: str) -> list[list[str]]:
    """Every loop of imports among PACKAGE's modules, each once (its smallest module first)."""
    modules = sorted(m for m in graph.modules if m == package or m.startswith(package + "."))
    imports = {
        m: sorted(graph.find_modules_directly_imported_by(m) & set(modules)) for m in modules
    }
    found: set[tuple[str, ...]] = set()

    def walk(path: list[str]) -> None:
        for nxt in imports[path[-1]]:
            if nxt == path[0]:
                loop = path[path.index(min(path)) :] + path[: path.index(min(path))]
                found.add(tuple(loop))
            elif nxt not in path and nxt > path[0]:
                walk([*path, nxt])

    for start in modules:
        walk([start])
    return [list(loop) for loop in sorted(found)]


def test_no_module_imports_itself_through_others() -> None:
    graph = grimp.build_graph("unitgen")
    assert cycles(graph, "unitgen") == []


def test_the_cycle_finder_finds_a_loop_through_a_function_level_import(tmp_path: Path) -> None:
    package = tmp_path / "loopy"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from loopy import b\n")
    (package / "b.py").write_text("def late():\n    from loopy import a\n")
    sys.path.insert(0, str(tmp_path))
    try:
        graph = grimp.build_graph("loopy", cache_dir=None)
    finally:
        sys.path.remove(str(tmp_path))
    assert cycles(graph, "loopy") == [["loopy.a", "loopy.b"]]


def test_the_layer_contracts_hold() -> None:
    done = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
