-- Grain: one row per known customer with a purchase from $holdout_start to $holdout_end (inclusive dates).
-- Parameters: $holdout_start (date: the day after the calibration end), $holdout_end (date: the as-of date).
-- holdout_purchases: distinct days with a positive amount in the holdout period (the "actual" of the
--   BG/NBD validation, analytics/clv_models/validation.py). From the rollup (exact for any days, as
--   customer_months_between reads the cut months' days from the transactions).
with
final as (
    select customer_key, cast(sum(positive_days) as integer) as holdout_purchases
    from customer_months_between($holdout_start, $holdout_end, $data_as_of)
    where positive
    group by customer_key
)
select * from final
