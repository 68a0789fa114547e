-- How many rows the source model makes (ondatra-bench sync rewrites this file for each run).
SET VARIABLE bench_rows = 100000;
