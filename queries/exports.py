"""Where the exports of a data folder are and which version of them it holds.

An export is ``NAME.parquet`` or a ``NAME/`` folder of Parquet files (any depth, Hive partitions allowed) for
each export of the contract (:mod:`queries.contract`). The fingerprint names a data version without reading the
data, so that every cache can key on it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from queries.contract import EXPORTS, MAPPING_FILE
from queries.sql import QUERY_DIR


def _is_hidden(parts: Iterable[str]) -> bool:
    # Spark and friends leave _SUCCESS / _temporary; our own generator stages in dot-folders.
    return any(part.startswith((".", "_")) for part in parts)


def discover_exports(data_dir: Path) -> dict[str, list[Path]]:
    """Files of each export: ``NAME.parquet`` or every ``.parquet`` below a ``NAME/`` folder (any depth)."""
    found: dict[str, list[Path]] = {}
    for name in EXPORTS:
        single = data_dir / f"{name}.parquet"
        folder = data_dir / name
        files: list[Path] = []
        if single.is_file():
            files.append(single)
        if folder.is_dir():
            files.extend(
                p for p in sorted(folder.rglob("*.parquet"))
                if p.is_file() and not _is_hidden(p.relative_to(folder).parts)
            )
        found[name] = files
    return found


def data_fingerprint(data_dir: Path) -> str:
    """A short hash of the export files' paths, sizes and modification times, and of the mapping file.

    Cheap (no file is read but the small mapping file) and changes whenever an export is rewritten, so it
    keys every cache. A folder that does not exist has a fingerprint too.
    """
    digest = hashlib.sha256(str(data_dir.resolve()).encode())
    for name, files in discover_exports(data_dir).items():
        for path in files:
            stat = path.stat()
            digest.update(f"{name}|{path.relative_to(data_dir)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    mapping = data_dir / MAPPING_FILE
    if mapping.is_file():
        digest.update(mapping.read_bytes())
    return digest.hexdigest()[:12]


def default_data_dir() -> Path:
    """``RETENTION_DATA_DIR`` if set, else the bundled ``sample_data/``."""
    env = os.environ.get("RETENTION_DATA_DIR")
    if env:
        return Path(env)
    return QUERY_DIR.parent / "sample_data"
