"""SQL over DuckDB: the data contract, the views over the Parquet exports, and one ``.sql`` file per result."""

from queries.exports import data_fingerprint, default_data_dir
from queries.problems import DataUnavailable, Problem
from queries.runner import DataSource

__all__ = ["DataSource", "DataUnavailable", "Problem", "data_fingerprint", "default_data_dir"]
