"""The shape of the package (issue #16): imports run one way, only the CLI prints, the page and
the packs read records (never catalogs), and the modules stay small."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "pipeline"
# The modules of the build plan's layout, held to the size limits (STYLE.md habit 10).
PLANNED = ("plan", "records", "report", "stages", "build", "project", "projectfile", "workers",
           "site", "packs", "render.stage", "render.context", "render")


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every module of the package that `name` imports, at the top or inside a function."""
    found = set()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
            # `from package import module` needs that module; `from module import name`, the
            # module itself.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                       for alias in node.names]
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def test_no_import_cycle_including_imports_inside_functions():
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert "pipeline.plan" in graph["pipeline.build"]  # the scan sees real imports
    assert _cycles(graph) == []
    for low_level in ("pipeline.plan", "pipeline.records", "pipeline.model"):
        stages = {"pipeline.catalogs", "pipeline.pofile", "pipeline.render", "pipeline.build",
                  "pipeline.sources", "pipeline.cli"}
        assert not graph[low_level] & stages, low_level


def test_the_page_and_the_packs_read_no_catalog():
    code = ("import sys, pipeline.site, pipeline.packs, pipeline.records\n"
            "print(sorted(m for m in sys.modules if m.startswith('pipeline.catalogs') or m in ("
            "'pipeline.render.translations', 'pipeline.render.stage')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_only_the_cli_and_report_print():
    for name, path in _modules().items():
        if name in ("pipeline.cli", "pipeline.report"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                raise AssertionError(f"{path}:{node.lineno}: print() outside the CLI")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                assert "click" not in names, f"{path}:{node.lineno}: imports click"


def test_the_planned_modules_stay_small():
    modules = _modules()
    assert len((PACKAGE / "cli.py").read_text().splitlines()) < 400
    for short in PLANNED:
        path = modules[f"pipeline.{short}"]
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) <= 450, f"{path}: {len(lines)} lines"
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                assert length <= 80, f"{path}:{node.lineno}: {node.name} is {length} lines"
