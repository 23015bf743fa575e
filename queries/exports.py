"""Where the exports of a data folder are and which version of them it holds.

An export is ``NAME.parquet`` or a ``NAME/`` folder of Parquet files (any depth) for each export of the contract
(:mod:`queries.contract`). The fingerprint names a data version without reading the data (only each file's
Parquet footer), so that every cache can key on it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from queries.contract import EXPORTS, MAPPING_FILE
from queries.sql import QUERY_DIR

#: A Parquet footer longer than this is not read whole for the fingerprint (a sane footer is far smaller).
_FOOTER_MAX = 64 * 1024 * 1024


def _is_hidden(parts: Iterable[str]) -> bool:
    # Spark and friends leave _SUCCESS / _temporary; our own generator stages in dot-folders.
    return any(part.startswith((".", "_")) for part in parts)


def is_undecodable(path: Path) -> bool:
    """Whether a file name is not valid text in the file system's encoding (Python keeps such bytes as lone
    surrogates, which neither DuckDB nor a hash of the text accepts).

    >>> is_undecodable(Path("caf\\udce9.parquet")), is_undecodable(Path("café.parquet"))
    (True, False)
    """
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def shown_name(path: Path) -> str:
    """A file name for a message, undecodable bytes escaped: ``caf\\xe9.parquet``.

    >>> shown_name(Path("caf\\udce9.parquet"))
    'caf\\\\xe9.parquet'
    """
    return os.fsencode(str(path)).decode("utf-8", errors="backslashreplace")


def _export_files(data_dir: Path, name: str) -> list[Path]:
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
    return files


def discover_exports(data_dir: Path) -> dict[str, list[Path]]:
    """Files of each export: ``NAME.parquet`` and every ``.parquet`` below a ``NAME/`` folder (any depth), as
    paths inside the data folder (a symbolic link stays the link: :func:`queries.validation` resolves it).
    Files whose name is not valid text are left out (:func:`undecodable_files` lists them)."""
    return {name: [p for p in _export_files(data_dir, name) if not is_undecodable(p)] for name in EXPORTS}


def undecodable_files(data_dir: Path) -> dict[str, list[Path]]:
    """Per export, the files :func:`discover_exports` left out because their name is not valid text."""
    return {name: [p for p in _export_files(data_dir, name) if is_undecodable(p)] for name in EXPORTS}


def _footer(path: Path) -> bytes:
    """The Parquet footer of ``path`` (its schema and every row group's statistics), or, for a file that is not
    Parquet, its last bytes: rewriting a file changes it even when its size and modification time are kept."""
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size < 12:
                handle.seek(0)
                return handle.read()
            handle.seek(size - 8)
            tail = handle.read(8)
            length = int.from_bytes(tail[:4], "little")
            if tail[4:] != b"PAR1" or length > min(size - 12, _FOOTER_MAX):
                handle.seek(max(0, size - 65536))
                return handle.read()
            handle.seek(size - 8 - length)
            return handle.read(length) + tail
    except OSError as exc:
        return f"unreadable: {exc}".encode()


def data_fingerprint(data_dir: Path) -> str:
    """A short hash of the export files' paths, sizes, modification times and Parquet footers, and of the mapping
    file.

    Cheap (a footer is a few kilobytes: the schema and each row group's statistics) and changes whenever an
    export is rewritten, even in place with the same size and modification time, so it keys every cache. A
    linked file is hashed as the file it links to. A folder that does not exist has a fingerprint too.
    """
    digest = hashlib.sha256(str(data_dir.resolve()).encode())
    for name, files in discover_exports(data_dir).items():
        for path in files:
            try:
                stat = path.stat()
                where = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
            except OSError as exc:
                where = f"unreadable: {exc}"
            digest.update(f"{name}|{path.relative_to(data_dir)}|{where}\n".encode())
            digest.update(hashlib.sha256(_footer(path)).digest())
    for path in (p for files in undecodable_files(data_dir).values() for p in files):
        digest.update(os.fsencode(str(path)))
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
