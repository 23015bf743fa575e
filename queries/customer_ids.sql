-- Grain: one row per known customer (the de-duplicated customers table).
-- Parameters: none.
-- customer_id as text (an integer id becomes its digits), the customer_key the rollup numbers it by, and its
-- signup_date. The Customers page joins the ids to the rows it lists.
select customer_key, cast(customer_id as varchar) as customer_id, signup_date from customers
