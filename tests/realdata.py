"""Real public data for the tests, fetched through the package registry only: the CDNOW transaction log (Fader,
Hardie & Lee, 2005; 23,570 customers who first bought in Q1 1997, their purchases to June 1998) as shipped inside
the PyPI wheel ``lifetimes==0.11.3`` (``lifetimes/datasets/CDNOW_master.txt``).

The wheel is downloaded with ``pip download --no-deps`` into a cache folder (``RETENTION_TEST_DATA``, else
``~/.cache/retention-dashboard-tests``) and read as a zip file: lifetimes is never installed or imported.
``bash scripts/test.sh`` fetches it before the suite (``python -m tests.realdata``); a test that needs it fetches
it itself when it is missing, and fails with the reason when it cannot (never skips).
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

WHEEL = "lifetimes==0.11.3"
MEMBER = "lifetimes/datasets/CDNOW_master.txt"


def cache_dir() -> Path:
    folder = Path(os.environ.get("RETENTION_TEST_DATA") or Path.home() / ".cache" / "retention-dashboard-tests")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def wheel_path() -> Path:
    """The lifetimes wheel in the cache, downloaded from the package registry when missing."""
    folder = cache_dir()
    found = sorted(folder.glob("[Ll]ifetimes-0.11.3-*.whl"))
    if found:
        return found[0]
    result = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
                             "-q", WHEEL, "-d", str(folder)], capture_output=True, text=True, timeout=300)
    found = sorted(folder.glob("[Ll]ifetimes-0.11.3-*.whl"))
    if not found:
        raise RuntimeError(f"could not download {WHEEL} (the CDNOW data) into {folder}: {result.stderr.strip()}")
    return found[0]


def cdnow_master() -> list[tuple[str, str, int, float]]:
    """Rows of CDNOW_master.txt: (customer_id, date YYYYMMDD, number of CDs, dollar value)."""
    with zipfile.ZipFile(wheel_path()) as wheel:
        text = wheel.read(MEMBER).decode("ascii")
    rows = []
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) == 4:
            rows.append((parts[0], parts[1], int(parts[2]), float(parts[3])))
    return rows


if __name__ == "__main__":
    print(f"{len(cdnow_master()):,} CDNOW transactions in {wheel_path()}")
