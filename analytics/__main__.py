"""``python -m analytics export ...`` and ``python -m analytics rollup ...``: the documented commands.

The export itself lives in :mod:`report.export` (the room for what runs without a browser); this file only
hands the command line over to it. Like app.py it is a composition root, so it may import ``report``.
"""

from __future__ import annotations

import sys

from report import export, rollup

USAGE = ("usage: python -m analytics export --data DIR [--rollup ROLLUP_DIR] --out OUT [settings]\n"
         "       python -m analytics rollup --engine duckdb|spark --data DIR_OR_URI --out ROLLUP_DIR [--as-of DAY]\n"
         "       (try: export --help, rollup --help)")

if __name__ == "__main__":
    commands = {"export": export.main, "rollup": rollup.main}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(USAGE, file=sys.stderr)
        sys.exit(2)
    sys.exit(commands[sys.argv[1]](sys.argv[2:]))
