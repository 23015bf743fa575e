"""Imports flow one way: queries -> analytics -> ui -> report -> app/pages. Only queries/ imports duckdb;
queries/, analytics/ and report/ never import streamlit, not even through another module (checked
transitively)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

LAYERS = {"queries": 0, "analytics": 1, "ui": 2, "report": 3, "pages": 4, "app": 4}
#: Layers whose code runs without a browser: nothing they import, directly or not, may import streamlit.
HEADLESS = ("queries", "analytics", "report")


def dotted_imports(path: Path) -> set[str]:
    """Every module ``path`` imports, dotted (``from ui import shell`` gives ``ui`` and ``ui.shell``), at any
    depth of the file (an import inside a function counts too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def imports_of(path: Path) -> set[str]:
    return {name.split(".")[0] for name in dotted_imports(path)}


#: Entry points that compose every layer, as app.py does: ``python -m analytics export`` hands over to report/.
COMPOSITION_ROOTS = {ROOT / "app.py", ROOT / "analytics" / "__main__.py"}


def python_files() -> list[tuple[str, Path]]:
    files = [("app", ROOT / "app.py")]
    for layer in ("queries", "analytics", "ui", "report", "pages"):
        files += [("app" if p in COMPOSITION_ROOTS else layer, p) for p in sorted((ROOT / layer).rglob("*.py"))]
    return files


def module_files() -> dict[str, Path]:
    """Project module name -> file (``analytics.value`` -> analytics/value.py; ``analytics.survival`` -> its
    package's __init__.py)."""
    modules: dict[str, Path] = {}
    for _, path in python_files():
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def third_party_reached(start: Path, modules: dict[str, Path]) -> dict[str, list[str]]:
    """Each outside package reachable from ``start`` through project imports, with one import chain to it."""
    reached: dict[str, list[str]] = {}
    seen: set[Path] = set()
    stack: list[tuple[Path, list[str]]] = [(start, [str(start.relative_to(ROOT))])]
    while stack:
        path, chain = stack.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in dotted_imports(path):
            target = modules.get(name)
            if target is not None:
                stack.append((target, chain + [name]))
            elif name.split(".")[0] not in LAYERS:
                reached.setdefault(name.split(".")[0], chain + [name])
    return reached


def test_layers_only_import_leftwards():
    offenders = []
    for layer, path in python_files():
        for module in imports_of(path):
            if module in LAYERS and LAYERS[module] > LAYERS[layer]:
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == []


def test_only_queries_talks_to_duckdb_and_no_streamlit_below_ui():
    offenders = []
    for layer, path in python_files():
        modules = imports_of(path)
        if "duckdb" in modules and layer != "queries":
            offenders.append(f"{path.relative_to(ROOT)} imports duckdb")
        if "streamlit" in modules and layer in HEADLESS:
            offenders.append(f"{path.relative_to(ROOT)} imports streamlit")
    assert offenders == []


def test_headless_code_never_reaches_streamlit_even_indirectly():
    # The export and the board pack run without a browser: the architecture must not load Streamlit for them
    # through a ui/ module that happens to import it (ui/tiles.py once did).
    modules = module_files()
    offenders = []
    for layer, path in python_files():
        if layer in HEADLESS or path == ROOT / "analytics" / "__main__.py":
            chain = third_party_reached(path, modules).get("streamlit")
            if chain:
                offenders.append(" -> ".join(chain))
    assert offenders == []


def test_pages_folder_holds_only_page_scripts():
    # st.navigation lists every page; a helper module in pages/ would be mistaken for one.
    app_text = (ROOT / "app.py").read_text()
    for page in (ROOT / "pages").glob("*.py"):
        assert f'"pages/{page.name}"' in app_text, f"{page.name} is not a page of st.navigation"


def test_every_sql_file_has_a_grain_and_parameters_header():
    for sql in (ROOT / "queries").glob("*.sql"):
        head = sql.read_text().splitlines()[:4]
        if sql.name == "macros.sql":
            continue
        text = "\n".join(head)
        assert head[0].startswith("-- Grain:"), sql.name
        assert "Parameters:" in text, sql.name


def test_every_page_runs_inside_the_shell():
    # A page's url_path equals its file name and the page calls shell.ensure_shell() first: see its
    # docstring for the Streamlit first-request quirk that this guards against.
    import re
    app_text = (ROOT / "app.py").read_text()
    for match in re.finditer(r'st\.Page\("pages/(\w+)\.py"(.*?)\)', app_text, re.S):
        stem, options = match.groups()
        if "default=True" not in options:
            assert f'url_path="{stem}"' in options, stem
        assert "shell.ensure_shell()" in (ROOT / "pages" / f"{stem}.py").read_text(), stem


def test_docstring_examples_run_with_the_suite(request):
    # Every >>> example in analytics/ and queries/ is a test: pyproject.toml turns on doctest collection there.
    # Without it the examples would silently stop being checked.
    assert request.config.getoption("doctestmodules")
    testpaths = request.config.getini("testpaths")
    assert "analytics" in testpaths and "queries" in testpaths
