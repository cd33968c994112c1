"""The shape of ``planner/``: layers, no import cycle, small functions and modules.

Imports are read with :mod:`ast` (also those under ``if TYPE_CHECKING:`` and inside
functions): a module may import its own layer or a layer below, never one above, and the
module graph has no cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "planner"

LAYERS: list[tuple[tuple[str, ...], str]] = [
    (("planner",), "errors.py: the error hierarchy; regular_files.py: size-checked reads"),
    (("planner.config",), "the TOML schema and its sections, province codes, did-you-mean"),
    (("planner.inputs",), "read and check the data: tables, items, travel, maturity, workbook"),
    (("planner.datasets",), "the offline dataset builders (make data, make data-china)"),
    (("planner.modes",), "window-mode rules and the window-mode MIP"),
    (("planner.model",), "ModelData (config -> numbers), arcs, the LP and its families, terms"),
    (("planner.solve",), "the solve: HiGHS and CBC back-ends, exact, Lagrangian, warm"),
    (("planner.plan",), "the plan tables and summary: extract, modes, unserved, names, olive"),
    (("planner.io",), "the run folder: file names, the one reader, CSV/JSON, GeoPackage"),
    (("planner.report", "planner.diff"), "read run folders back: the HTML report; planner diff"),
    (("planner.run",), "the pipeline, the rule-total re-solves, Dask, the diagnosis"),
    (("planner.sweep",), "scenario sweeps"),
    (("planner.cli",), "commands: parse, print, exit codes"),
]
"""Lowest first: packages of ``planner/`` (``planner`` stands for the modules at its root)."""

MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 700


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _package(module: str) -> str:
    """``planner.x`` for a module in the package ``planner/x/``, else ``planner``."""
    parts = module.split(".")
    if len(parts) > 1 and (PACKAGE / parts[1]).is_dir():
        return ".".join(parts[:2])
    return "planner"


def _layer(module: str) -> int:
    package = _package(module)
    for i, (names, _) in enumerate(LAYERS):
        if package in names:
            return i
    pytest.fail(f"{package} (of {module}) is in no layer of tests/test_architecture.py")


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    """The planner modules ``module`` imports (a name from a package counts as its module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("planner")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if not base.startswith("planner"):
                continue
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.add(full if full in known else base)
    return {m for m in out if m != module}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) & known for name, path in modules.items()}


def test_no_module_imports_a_layer_above_it() -> None:
    upward = [
        f"{module} (layer {_layer(module)}) imports {target} (layer {_layer(target)})"
        for module, targets in sorted(_graph().items())
        for target in sorted(targets)
        if _layer(target) > _layer(module)
    ]
    assert upward == []


def test_no_import_cycle() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*stack[stack.index(target) :], target]))
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert cycles == []


def test_the_checks_see_a_cycle_and_an_upward_import(tmp_path: Path) -> None:
    """The walker is not vacuous: a made-up pair of modules is caught."""
    a = tmp_path / "a.py"
    a.write_text(
        "from planner.cli.main import cli\nimport planner.run.pipeline\n", encoding="utf-8"
    )
    found = _imports("planner.errors", a, {"planner.cli.main", "planner.run.pipeline"})
    assert found == {"planner.cli.main", "planner.run.pipeline"}
    assert all(_layer(m) > _layer("planner.errors") for m in found)


def test_no_function_over_80_lines_and_no_module_over_700() -> None:
    too_long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > MAX_MODULE_LINES:
            too_long.append(f"{rel}: {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{rel}:{node.lineno} {node.name}: {length} lines")
    assert too_long == []


DIAGRAM_BEGIN = "<!-- layers: generated from tests/test_architecture.py -->"
DIAGRAM_END = "<!-- layers: end -->"


def layer_diagram() -> str:
    """The README's layer diagram: one line per layer, highest first."""
    lines = ["```text"]
    for names, what in reversed(LAYERS):
        packages = "  ".join("planner/" if n == "planner" else n.split(".")[1] + "/" for n in names)
        lines.append(f"{packages:<20}{what}")
    lines.append("```")
    return "\n".join(lines)


def _readme_diagram(text: str) -> str:
    start = text.index(DIAGRAM_BEGIN) + len(DIAGRAM_BEGIN)
    return text[start : text.index(DIAGRAM_END, start)].strip()


def test_every_package_is_in_a_layer() -> None:
    packages = {_package(m) for m in _modules()}
    listed = {n for names, _ in LAYERS for n in names}
    assert packages == listed


def test_readme_layer_diagram_is_generated_from_layers() -> None:
    """Run ``python tests/test_architecture.py`` to rewrite the README's diagram."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert _readme_diagram(text) == layer_diagram()


if __name__ == "__main__":
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    old = _readme_diagram(text)
    readme.write_text(text.replace(old, layer_diagram(), 1), encoding="utf-8")
