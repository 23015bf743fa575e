-- Grain: one row per known customer x calendar month with transactions, from $first_month to $last_month.
-- Parameters: $first_month, $last_month (first days of months, inclusive).
-- customer_key: the customers table's integer key; month_index: year * 12 + month (consecutive months differ by
-- 1); revenue: sum of amount (net of refunds) in the month. Read from the customer x month rollup
-- (queries/rollup.sql): the input of net revenue retention (analytics/net_revenue_retention.py).
select customer_key, year(month) * 12 + month(month) as month_index, revenue
from customer_months
where month >= $first_month::date and month <= $last_month::date
