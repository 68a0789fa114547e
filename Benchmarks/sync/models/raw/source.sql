-- @kind: table
-- The rows to push: getvariable('bench_rows') of them (config/variables/bench.sql).
SELECT
    i AS id,
    'customer-' || i AS name,
    'customer-' || i || '@example.com' AS email,
    'c' || (i % 7) AS category,
    (i * 0.25)::DOUBLE AS amount,
    i % 3 = 0 AS active
FROM range(getvariable('bench_rows')) t(i)
