"""The packages of ``projects/`` import only downward.

The order, lowest first: the models, the workflow's table of states, who may do what, a form's
content and its history, the official layouts, importing, filing, the services that span
concerns (an import's commit and its background job), review, exporting, and at the top the
views and the wiring (urls, admin, commands, the app config). A module may import
from its own layer and from any layer below it; an import from a layer above (at the top of a
file, inside a function, or for type checking alone) fails this test. ``indicators`` (the
frameworks and the value parser) sits below every package of ``projects`` and imports none.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LAYERS: tuple[tuple[str, ...], ...] = (
    ("indicators",),
    ("projects", "projects.errors"),  # ``projects/__init__.py`` is empty
    ("projects.models",),
    ("projects.workflow",),
    ("projects.permissions",),
    ("projects.content",),
    ("projects.history",),
    ("projects.layouts",),
    ("projects.importing",),
    ("projects.filing", "projects.forms"),
    ("projects.services",),
    ("projects.cycle",),  # monitoring and self-evaluation of approved forms
    ("projects.review",),
    ("projects.exporting",),
    (
        "projects.views",
        "projects.cycle.views",
        "projects.cycle.urls",
        "projects.urls",
        "projects.admin",
        "projects.apps",
        "projects.management",
        "projects.templatetags",
        "projects.tasks",
    ),
)


def layer_of(module: str) -> int | None:
    """The layer of a module of ours (``None`` for Django and other libraries): that of the
    longest prefix that names it."""
    best: tuple[int, int] | None = None  # (prefix length, layer)
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            names = module == prefix or module.startswith(prefix + ".")
            if names and (best is None or len(prefix) > best[0]):
                best = (len(prefix), index)
    return best[1] if best else None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Every module the file imports, anywhere in it: (line, module)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # ``from projects import views``: each name may be a module
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def sources() -> list[Path]:
    return [
        path
        for package in ("projects", "indicators")
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def upward_imports() -> list[str]:
    wrong = []
    for path in sources():
        here = layer_of(module_name(path))
        assert here is not None, f"{path} belongs to no layer: add it to LAYERS"
        for line, module in imports_of(path):
            there = layer_of(module)
            if there is not None and there > here:
                where = path.relative_to(ROOT)
                wrong.append(f"{where}:{line} imports {module} (a layer above)")
    return sorted(set(wrong))


def test_no_package_imports_from_one_above_it():
    assert upward_imports() == []


def test_every_source_file_has_a_layer():
    assert all(layer_of(module_name(path)) is not None for path in sources())


def test_the_walk_sees_imports_inside_functions(tmp_path):
    # the test itself: an import inside a function counts, and ``from x import y`` names y
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def later():\n    from projects.exporting import batch\n\nfrom projects import views\n",
        encoding="utf-8",
    )
    found = {module for _line, module in imports_of(sample)}
    assert {"projects.exporting", "projects.exporting.batch", "projects.views"} <= found
    assert layer_of("projects.exporting.batch") > layer_of("projects.models.forms")
