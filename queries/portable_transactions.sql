-- Grain: one row per transaction of raw_transactions that a figure may use (queries/validation.py,
--   finish_export): dated up to $as_of (an undated row stays, as there: the rollup leaves it out), an amount that
--   is null or finite and below $amount_bound; a gross_margin that is not finite or not below 1e12 becomes null.
-- Parameters: $as_of (date), $amount_bound (double). Portable SQL (queries/rollup_build.py). A NaN or infinite
--   finite x is one where x - x = 0 (false for NaN and infinities on both engines); `abs(x) < bound` alone is not
--   enough: DuckDB 2.0 lets a NaN with its sign bit set (as Polars writes them) through it.
with
normalised as (
    select
        cast(customer_id as varchar) as customer_id,
        cast(transaction_date as date) as transaction_date,
        cast(amount as double) as amount,
        cast(gross_margin as double) as gross_margin
    from raw_transactions
),
final as (
    select customer_id, transaction_date, amount,
           case when gross_margin - gross_margin = 0 and abs(gross_margin) < 1e12 then gross_margin end as gross_margin
    from normalised
    where (amount is null or (amount - amount = 0 and abs(amount) < $amount_bound))
      and (transaction_date is null or transaction_date <= $as_of)
)
select * from final
