"""The sync benchmark's peer: dlt pushing the same rows, in the same JSON, to the same server.

Usage: dlt_push.py URL ROWS PIPELINES_DIR

The rows come from the same SELECT as models/raw/source.sql, run in an in-memory DuckDB and
yielded as dicts with the three columns every row pushed by ondatrasql carries
(`__ondatra_rowid`, `__ondatra_change_type`, `__ondatra_snapshot`), so each POST body is the
same JSON array of the same objects. A custom destination (`@dlt.destination(batch_size=500)`) POSTs each batch of 500
rows with requests (one keep-alive session) and fails on a non-2xx answer.

Prints one JSON object: rows, the seconds of pipeline.run() (extract, normalize, load) and of
its load step alone, measured inside the process (Python start-up and imports excluded).
"""
import json
import sys
import time

import dlt
import duckdb
import requests

url, rows, pipelines_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]

SELECT = """
SELECT
    i AS id,
    'customer-' || i AS name,
    'customer-' || i || '@example.com' AS email,
    'c' || (i % 7) AS category,
    (i * 0.25)::DOUBLE AS amount,
    i % 3 = 0 AS active,
    i AS __ondatra_rowid,
    'insert' AS __ondatra_change_type,
    2 AS __ondatra_snapshot
FROM range(?) t(i)
"""

session = requests.Session()
posted = 0


@dlt.resource(name="pushed", write_disposition="append")
def source_rows():
    cursor = duckdb.connect().execute(SELECT, [rows])
    names = [column[0] for column in cursor.description]
    while True:
        chunk = cursor.fetchmany(10_000)
        if not chunk:
            break
        yield [dict(zip(names, row)) for row in chunk]


@dlt.destination(batch_size=500)
def bench_push(items, table):
    global posted
    session.post(url, json=items).raise_for_status()
    posted += len(items)


pipeline = dlt.pipeline(pipeline_name="sync_bench", destination=bench_push, pipelines_dir=pipelines_dir)
started = time.perf_counter()
info = pipeline.run(source_rows())
seconds = time.perf_counter() - started
load = next((step for step in pipeline.last_trace.steps if step.step == "load"), None)
load_seconds = (load.finished_at - load.started_at).total_seconds() if load else None
print(json.dumps({"rows": posted, "seconds": seconds, "load_seconds": load_seconds}))
