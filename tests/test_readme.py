"""The README documents the contract and the export tables the code really has."""

from __future__ import annotations

from queries.contract import EXPORTS
from report.export import TABLES
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_every_contract_column_is_documented():
    for spec in EXPORTS.values():
        assert f"**`{spec.name}`**" in README
        for column in spec.columns:
            assert f"| `{column.name}` |" in README, f"{spec.name}.{column.name}"


def test_every_export_table_is_documented():
    for name in TABLES:
        assert f"| `{name}` |" in README, name


def test_readme_commands_exist():
    assert "bash scripts/start.sh" in README and "bash scripts/test.sh" in README
    assert (ROOT / "scripts" / "start.sh").exists() and (ROOT / "scripts" / "test.sh").exists()
