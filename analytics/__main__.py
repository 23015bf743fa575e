"""``python -m analytics export ...``: the documented command, kept for the scripts that depend on it.

The export itself lives in :mod:`report.export` (the room for what runs without a browser); this file only
hands the command line over to it. Like app.py it is a composition root, so it may import ``report``.
"""

from __future__ import annotations

import sys

from report.export import main

USAGE = "usage: python -m analytics export --data DIR --out OUT [settings]  (try: export --help)"

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] != "export":
        print(USAGE, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[2:]))
