-- @kind: merge
-- @unique_key: id
-- @sink: bench_push
-- On the first run every row is a change (an insert): all of them are pushed.
SELECT * FROM raw.source
