"""The peer for `ondatra-bench read`: Python's duckdb reading the same rows with fetchall().

Prints one JSON object: {"seconds": [...], "rows": N}. Only fetchall() is timed; building
the table and starting Python are not.
"""
import json
import sys
import time

import duckdb

rows = int(sys.argv[1])
repetitions = int(sys.argv[2])
connection = duckdb.connect()
connection.execute("SET threads = 2")
connection.execute(
    f"CREATE TABLE bench AS SELECT i AS id, 'name-' || i AS name, (i * 1.5)::DOUBLE AS amount FROM range({rows}) t(i)"
)
timings = []
count = 0
for _ in range(repetitions):
    started = time.perf_counter()
    result = connection.execute("SELECT id, name, amount FROM bench").fetchall()
    timings.append(time.perf_counter() - started)
    count = len(result)
    del result
print(json.dumps({"seconds": timings, "rows": count, "version": duckdb.__version__}))
