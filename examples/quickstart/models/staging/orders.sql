-- Orders that count as revenue, with typed columns.
-- @kind: table
SELECT
    order_id,
    customer_id,
    CAST(amount AS DECIMAL(10, 2)) AS amount,
    CAST(ordered_at AS DATE) AS order_date
FROM raw.orders
WHERE status = 'paid'
