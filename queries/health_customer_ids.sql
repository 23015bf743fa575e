-- Grain: one row for the customers export as exported (customers_all, before de-duplication): `ids`, the
-- number of rows with a customer_id. Parameters: none. DuckDB answers it from the Parquet statistics.
-- The customers view is drawn from these rows; when it holds as many distinct customer_ids (coverage_customers'
-- distinct_keys) as there are rows with an id here, no id appears twice and health_duplicate_customers, a
-- group by over every row, need not run.
with
final as (
    select count(customer_id) as ids from customers_all
)
select * from final
