"""Writes the same 50-model pipeline for ondatrasql and for dbt (dbt-duckdb) over a 1M-row source.

Usage: generate.py DIR [ROWS]
Creates DIR/data/events.parquet, DIR/ondatra (an ondatrasql project) and DIR/dbt (a dbt project
with its profiles.yml). Layers: 1 source model, 10 staging (5 incremental by id, 5 aggregate
tables), 20 intermediate (10 per-customer aggregates: `partition` in ondatrasql, tables in dbt;
10 aggregates of the staging tables), 19 marts joining two aggregates of the same staging model.
"""
import os
import sys

import duckdb

root = os.path.abspath(sys.argv[1])
rows = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
parquet = os.path.join(root, "data", "events.parquet")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text.strip() + "\n")


os.makedirs(os.path.join(root, "data"), exist_ok=True)
duckdb.sql(
    f"""COPY (SELECT i AS id, i % 5000 AS customer_id, 'c' || (i % 20) AS category,
               (i % 997) * 1.5 AS amount, TIMESTAMP '2024-01-01' AS updated_at
         FROM range({rows}) t(i)) TO '{parquet}' (FORMAT parquet)"""
)

# (name, kind, unique key or None, SQL with {ref(name)} placeholders)
models = []
models.append(("events", "raw", "merge", "id", f"SELECT * FROM read_parquet('{parquet}')"))
for i in range(1, 6):
    models.append((f"s{i:02d}", "staging", "merge", "id",
                   f"SELECT id, customer_id, category, amount * {i} AS amount_k, updated_at FROM {{events}} WHERE id % 5 = {i - 1}"))
for i in range(6, 11):
    models.append((f"s{i:02d}", "staging", "table", None,
                   f"SELECT category, count(*) AS n, sum(amount) AS total FROM {{events}} WHERE customer_id % 5 = {i - 6} GROUP BY category"))
for i in range(1, 11):
    source = f"s{(i - 1) % 5 + 1:02d}"  # i01..i05 and i06..i10 each cover s01..s05
    models.append((f"i{i:02d}", "intermediate", "partition", "customer_id",
                   f"SELECT customer_id, count(*) AS orders, sum(amount_k) + {i} AS spend FROM {{{source}}} GROUP BY customer_id"))
for i in range(11, 21):
    source = f"s{(i - 11) % 5 + 6:02d}"
    models.append((f"i{i:02d}", "intermediate", "table", None,
                   f"SELECT category, n * {i} AS weighted, total FROM {{{source}}}"))
for i in range(1, 20):
    # Both sides aggregate the same staging model, so they share customers.
    a, b = f"i{(i - 1) % 5 + 1:02d}", f"i{(i - 1) % 5 + 6:02d}"
    models.append((f"m{i:02d}", "mart", "table", None,
                   f"SELECT x.customer_id, x.spend + y.spend * {i} AS spend, x.orders FROM {{{a}}} x JOIN {{{b}}} y USING (customer_id)"))
assert len(models) == 50

schema_of = {name: schema for name, schema, _, _, _ in models}

# ondatrasql
project = os.path.join(root, "ondatra")
write(os.path.join(project, "config", "catalog.sql"),
      "ATTACH 'ducklake:sqlite:${ONDATRA_PROJECT_DIR}/lake.sqlite' AS lake (DATA_PATH '${ONDATRA_PROJECT_DIR}/lake.files/', DATA_INLINING_ROW_LIMIT 0);")
for name, schema, kind, key, sql in models:
    header = f"-- @kind: {kind}\n" + (f"-- @unique_key: {key}\n" if key else "")
    body = sql.format(**{n: f"{schema_of[n]}.{n}" for n in schema_of})
    write(os.path.join(project, "models", schema, f"{name}.sql"), header + body)

# dbt (dbt-duckdb); partition models are tables, incremental ones filter on updated_at.
dbt = os.path.join(root, "dbt")
write(os.path.join(dbt, "dbt_project.yml"), """
name: bench
version: '1.0'
profile: bench
model-paths: [models]
""")
write(os.path.join(dbt, "profiles.yml"), f"""
bench:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: {os.path.join(dbt, 'bench.duckdb')}
      threads: 2
""")
for name, schema, kind, key, sql in models:
    body = sql.format(**{n: "{{ ref('" + n + "') }}" for n in schema_of})
    if kind == "merge":
        config = f"{{{{ config(materialized='incremental', unique_key='{key}', incremental_strategy='delete+insert') }}}}"
        body += "\n{% if is_incremental() %} AND updated_at > (SELECT max(updated_at) FROM {{ this }}) {% endif %}"
        if "WHERE" not in sql:
            body = body.replace("\n{% if is_incremental() %} AND", "\n{% if is_incremental() %} WHERE")
    else:
        config = "{{ config(materialized='table') }}"
    write(os.path.join(dbt, "models", f"{name}.sql"), config + "\n" + body)
