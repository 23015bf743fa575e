"""Imports flow one way: queries -> analytics -> ui -> app/pages. Only queries/ imports duckdb;
analytics/ and queries/ never import streamlit."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

LAYERS = {"queries": 0, "analytics": 1, "ui": 2, "pages": 3, "app": 3}


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


#: Entry points that compose every layer, as app.py does: the export command writes the board pack with ui/.
COMPOSITION_ROOTS = {ROOT / "app.py", ROOT / "analytics" / "__main__.py"}


def python_files() -> list[tuple[str, Path]]:
    files = [("app", ROOT / "app.py")]
    for layer in ("queries", "analytics", "ui", "pages"):
        files += [("app" if p in COMPOSITION_ROOTS else layer, p) for p in sorted((ROOT / layer).rglob("*.py"))]
    return files


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
        if "streamlit" in modules and layer in ("queries", "analytics"):
            offenders.append(f"{path.relative_to(ROOT)} imports streamlit")
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
