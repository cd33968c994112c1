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

LAYERS: list[tuple[str, ...]] = [
    ("planner", "planner.errors", "planner.schema_keys"),
    (
        "planner.config",
        "planner.config_base",
        "planner.config_sections",
        "planner.config_policy",
        "planner.config_items",
        "planner.config_phase",
        "planner.config_docs",
        "planner.terms",
        "planner.regions",
        # reading a config whose data is a workbook converts it: the importer is input
        # reading, with the pure coordinate and CSV helpers it uses
        "planner.workbook",
        "planner.datasets.gcj02",
        "planner.datasets.units",
    ),
    ("planner.inputs", "planner.item_rules"),
    ("planner.validate", "planner.travel", "planner.maturity"),
    ("planner.datasets", "planner.workbook.template"),
    ("planner.model",),
    ("planner.solve", "planner.model.warm"),  # warm re-solves build on solve()
    (
        "planner.summary",
        "planner.plan",
        "planner.plan_modes",
        "planner.plan_bound",
        "planner.names",
        "planner.unserved",
        "planner.stations",
        "planner.olive",
        "planner.rule_costs",
        "planner.backoffice",
    ),
    ("planner.run_folder", "planner.io"),
    ("planner.report", "planner.diff", "planner.dask_cluster", "planner.rule_costs_total"),
    ("planner.pipeline",),
    ("planner.diagnose", "planner.sweep"),
    ("planner.cli",),
]
"""Lowest first. A name stands for the module and, for a package, everything in it."""

MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 700


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _layer(module: str) -> int:
    best, level = -1, -1
    for i, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, level = len(name), i
    if level < 0:
        pytest.fail(f"{module} is in no layer of tests/test_architecture.py")
    return level


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
    a.write_text("from planner.cli.main import cli\nimport planner.pipeline\n", encoding="utf-8")
    found = _imports("planner.errors", a, {"planner.cli.main", "planner.pipeline"})
    assert found == {"planner.cli.main", "planner.pipeline"}
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
