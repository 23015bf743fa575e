-- Grain: one row per known customer with a purchase (a day with a positive amount) on or before
--   $calibration_end: the inputs of the BG/NBD and Gamma-Gamma models (analytics/clv_models/inputs.py).
-- Parameters: $calibration_end (date: the last day counted).
-- combo: the customer's segment x channel x region (names in customer_groups); first_purchase /
--   last_purchase: the first and last purchase days; purchase_days: distinct purchase days (so repeat
--   purchases = purchase_days - 1); spend: the sum of the positive amounts on them (refunds left out).
-- From the rollup: whole months from customer_months, the month $calibration_end cuts in two (if any) from the
--   transactions of its days up to $calibration_end (customer_months_between), so the figures are exact for any day.
with
months as (
    select * from customer_months_between(null, $calibration_end, $data_as_of) where positive
),
final as (
    select customer_key, any_value(combo) as combo, any_value(signup_date) as signup_date,
           min(first_positive_date) as first_purchase, max(last_positive_date) as last_purchase,
           cast(sum(positive_days) as integer) as purchase_days,
           cast(sum(cast(positive_spend as decimal(38, 6))) as double) as spend
    from months
    group by customer_key
)
select * from final
