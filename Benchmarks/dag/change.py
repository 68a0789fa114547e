"""Changes 1% of the source rows (new amount, later updated_at): change.py DIR"""
import os
import sys

import duckdb

parquet = os.path.join(os.path.abspath(sys.argv[1]), "data", "events.parquet")
staged = parquet + ".new"
duckdb.sql(
    f"""COPY (SELECT id, customer_id, category,
               CAST(CASE WHEN id % 100 = 7 THEN amount + 1 ELSE amount END AS DECIMAL(21, 1)) AS amount,
               CASE WHEN id % 100 = 7 THEN updated_at + INTERVAL 1 DAY ELSE updated_at END AS updated_at
         FROM read_parquet('{parquet}')) TO '{staged}' (FORMAT parquet)"""
)
os.replace(staged, parquet)
