"""``python -m analytics export ...``: the command-line entry point (see :mod:`analytics.export`).

Like app.py, this is a composition root: it may import the figure builders of ``ui/`` to write the board
pack, which the rest of ``analytics/`` never does.
"""

from __future__ import annotations

import sys
from pathlib import Path

from analytics.export import Settings, main
from queries import DataSource

USAGE = "usage: python -m analytics export --data DIR --out OUT [settings]  (try: export --help)"


def write_board_pack(source: DataSource, settings: Settings, out: Path) -> Path:
    from ui.board_pack import BudgetInputs, write_board_pack as write

    inputs = BudgetInputs(settings.budget_assumptions, settings.margin, settings.calibration_months)
    return write(source, settings.filters, out, churn_definition=settings.churn_definition,
                 inactivity_days=settings.inactivity_days, base_url=settings.base_url, budget_inputs=inputs)


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] != "export":
        print(USAGE, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[2:], board_pack=write_board_pack))
