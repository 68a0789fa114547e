-- Orders as exported by the shop.
-- @kind: table
SELECT * FROM read_csv('data/orders.csv')
