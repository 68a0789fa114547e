-- Customers as exported by the CRM.
-- @kind: table
SELECT * FROM read_csv('data/customers.csv')
