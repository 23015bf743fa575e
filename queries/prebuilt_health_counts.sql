-- Grain: one row: the Data health counts the prebuilt rollup's build made over every row of the transactions
--   (queries/portable_health_counts.sql, read from the rollup's health_counts table: queries/prebuilt.py): rows,
--   undated, null_customer, null_amount, after_as_of, implausible_amount, unknown_customer, refunds.
-- Parameters: none.
with
final as (
    select rows, undated, null_customer, null_amount, after_as_of, implausible_amount, unknown_customer, refunds
    from prebuilt_health_counts
)
select * from final
