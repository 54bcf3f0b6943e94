"""The layers of DESIGN.md §1 hold: every import in the project runs downwards.

    base (itsm.base) < catalog < core (itsm) < processes < metrics < improvement

and the site (root URLs, settings, the Celery app, management commands) composes what
the process registry knows without importing a process by name. Every `import` and
`from … import` statement of every module is read with `ast`, including the ones
inside functions, so a lazy import cannot slip past.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("itsm", "catalog", "knowledge", "incidents", "service_requests", "problems",
            "changes", "metrics", "improvement")
PROCESSES = ("incidents", "service_requests", "problems", "changes")
# Modules of the `itsm` package that make up the site: they compose every layer.
SITE = ("itsm", "itsm.settings", "itsm.urls", "itsm.wsgi", "itsm.celery",
        "itsm.management")

# The knowledge base sits on the core (articles solve tickets) and under the processes
# (problems publish their known errors into it).
RANK = {"base": 0, "catalog": 1, "core": 2, "knowledge": 3, "process": 4, "metrics": 5,
        "improvement": 6, "site": 7}
# What each layer may import besides the layers below it.
MAY_ALSO_IMPORT: dict[str, set[str]] = {"site": set()}
# The site sits on top, but names no process: it asks the registry.
SITE_NEVER_IMPORTS = {"knowledge", "process", "metrics", "improvement"}
# Between processes, only the links the domain has (DESIGN.md §1): a problem's incidents,
# the incidents a change caused, the problem a change was raised from.
PROCESS_LINKS: set[tuple[str, str]] = {("problems", "incidents"), ("changes", "incidents"),
                                       ("changes", "problems")}


def layer_of(module: str) -> str | None:
    """The layer of a project module, None for anything outside the project."""
    top = module.split(".")[0]
    if top not in PACKAGES:
        return None
    if module == "itsm.base" or module.startswith("itsm.base."):
        return "base"
    if any(module == site or module.startswith(site + ".") for site in SITE[1:]):
        return "site"
    if module == "itsm":
        return "site"
    if top == "itsm":
        return "core"
    if top in PROCESSES:
        return "process"
    return {"catalog": "catalog", "knowledge": "knowledge", "metrics": "metrics",
            "improvement": "improvement"}[top]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports_of(path: Path, module: str | None = None) -> list[tuple[int, str]]:
    """(line, imported module) for every import statement of the file (the module
    `module`), relative ones resolved; `from package import submodule` counts as
    importing the submodule."""
    module = module or module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                found.append((node.lineno, candidate if is_module(candidate) else source))
    return found


def project_files() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def wrong_way(importer: str, imported: str) -> bool:
    low, high = layer_of(importer), layer_of(imported)
    if low is None or high is None or low == high and low != "process":
        return False
    if low == "site":
        return high in SITE_NEVER_IMPORTS
    if low == high == "process":
        mine, theirs = importer.split(".")[0], imported.split(".")[0]
        return mine != theirs and (mine, theirs) not in PROCESS_LINKS
    return RANK[high] > RANK[low] and high not in MAY_ALSO_IMPORT.get(low, set())


def test_every_import_runs_downwards():
    offences = [
        f"{path.relative_to(ROOT)}:{line}: {layer_of(module_name(path))} "
        f"{module_name(path)} imports {layer_of(imported)} {imported}"
        for path in project_files()
        for line, imported in imports_of(path)
        if wrong_way(module_name(path), imported)
    ]
    assert offences == []


@pytest.mark.parametrize(("importer", "imported", "wrong"), [
    ("catalog.models.sla", "itsm.base.business_time", False),
    ("catalog.models.sla", "itsm.models", True),
    ("itsm.base.scoping", "catalog.models", True),
    ("itsm.workflow", "catalog.models", False),
    ("itsm.views", "incidents.models", True),
    ("itsm.urls", "incidents.urls", True),
    ("itsm.urls", "itsm.registry", False),
    ("incidents.services", "itsm.workflow", False),
    ("incidents.services", "problems.models", True),
    ("incidents.services", "metrics.models", True),
    ("metrics.compute", "incidents.models", False),
    ("metrics.compute", "improvement.models", True),
])
def test_the_rule_tells_right_from_wrong(importer, imported, wrong):
    assert wrong_way(importer, imported) is wrong


def test_imports_inside_functions_and_relative_imports_count(tmp_path):
    source = tmp_path / "probe.py"
    source.write_text("def later():\n    from ..itsm import workflow\n"
                      "    from itsm.models import Ticket\n    from . import models\n")
    found = {name for _line, name in imports_of(source, "catalog.probe")}
    assert found == {"itsm.workflow", "itsm.models", "catalog.models"}
