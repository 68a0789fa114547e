-- Paid revenue per customer.
-- @kind: table
SELECT
    c.customer_id,
    c.name,
    c.country,
    count(o.order_id) AS orders,
    coalesce(sum(o.amount), 0) AS revenue
FROM raw.customers AS c
LEFT JOIN staging.orders AS o USING (customer_id)
GROUP BY ALL
ORDER BY revenue DESC
