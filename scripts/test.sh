#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian machine, then lint, type-check and run the whole suite:
# Debian's chromium for the browser tests (never a downloaded browser) and Java 17 for the Spark rollup tests, a
# virtualenv with requirements-dev.txt and requirements-spark.txt (pyspark, sqlglot),
# the CDNOW data for one test (tests/realdata.py: pip download of a wheel, never installed), ruff and mypy
# (configured in pyproject.toml; either failing fails the run), then pytest (doctests included).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k cohort`.
set -euo pipefail
cd "$(dirname "$0")/.."
# Java 17 for the local Spark of the rollup tests (tests/test_rollup_spark.py), from Debian, like chromium.
MISSING=""
[ -x /usr/bin/chromium ] || MISSING="$MISSING chromium"
command -v java >/dev/null || MISSING="$MISSING openjdk-17-jre-headless"
if [ -n "$MISSING" ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $MISSING >/dev/null
fi
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt -r requirements-spark.txt
# The real public data of tests/test_cdnow_survival.py (the CDNOW log inside the lifetimes wheel), through pip.
.venv/bin/python -m tests.realdata
echo "ruff:" && .venv/bin/python -m ruff check .
echo "mypy:" && .venv/bin/python -m mypy
exec .venv/bin/python -m pytest "$@"
