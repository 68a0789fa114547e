"""The ingest benchmark's peer: dlt's REST API source reading the same paged endpoint into DuckDB.

Usage: dlt_pipeline.py BASE_URL DUCKDB_FILE PIPELINES_DIR
Prints the rows loaded.
"""
import sys

import dlt
from dlt.sources.rest_api import rest_api_source

base_url, database, pipelines_dir = sys.argv[1:4]

source = rest_api_source(
    {
        "client": {"base_url": base_url},
        "resources": [
            {
                "name": "items",
                "endpoint": {
                    "path": "items",
                    "data_selector": "items",
                    "paginator": {"type": "cursor", "cursor_path": "next", "cursor_param": "cursor"},
                },
                "write_disposition": "replace",
            }
        ],
    }
)
pipeline = dlt.pipeline(
    pipeline_name="ingest_bench",
    destination=dlt.destinations.duckdb(database),
    dataset_name="raw",
    pipelines_dir=pipelines_dir,
)
pipeline.run(source)
import duckdb

print(duckdb.connect(database).sql("SELECT count(*) FROM raw.items").fetchone()[0])
