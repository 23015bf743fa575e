-- Grain: one row: the Data health counts the prebuilt rollup's build made over the transactions (the rollup's
--   health_counts table: queries/portable_health_counts.sql, queries/prebuilt.py).
-- Parameters: none. Over every row: rows, undated, null_customer, null_amount, after_as_of, implausible_amount,
--   unknown_customer, refunds; over the transactions the figures use: kept_rows, distinct_customers, first_date,
--   last_date.
with
final as (
    select rows, undated, null_customer, null_amount, after_as_of, implausible_amount, unknown_customer, refunds,
           kept_rows, distinct_customers, first_date, last_date
    from prebuilt_health_counts
)
select * from final
