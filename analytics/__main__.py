"""``python -m analytics export ...``: see :mod:`analytics.export`."""

from __future__ import annotations

import sys

from analytics.export import main

USAGE = "usage: python -m analytics export --data DIR --out OUT [settings]  (try: export --help)"

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] != "export":
        print(USAGE, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[2:]))
