-- Grain: one row per week (Monday) x combo with repeat purchases, up to $end.
-- Parameters: $calibration_end (date: only customers whose first purchase is on or before it count), $end
--   (date: the as-of date; the last day counted).
-- repeat_purchases: purchase days (distinct days with a positive amount) of those customers after their first
--   purchase day, by the week they fall in: the "actual" line of the BG/NBD tracking chart. Weeks straddle
--   months, so this reads the transactions (once per calibration end; the page caches it).
with
firsts as (
    select customer_key, any_value(combo) as combo, min(first_positive_date) as first_purchase
    from customer_months
    where positive
    group by customer_key
    having min(first_positive_date) <= $calibration_end::date
),
purchase_days as (
    select distinct c.customer_key, t.transaction_date
    from transactions as t
    inner join customer_index as c on c.customer_id = t.customer_id
    where t.amount > 0 and t.transaction_date <= $end::date
),
final as (
    select period_start(d.transaction_date, 'week') as week, f.combo, count(*) as repeat_purchases
    from purchase_days as d
    inner join firsts as f on f.customer_key = d.customer_key and d.transaction_date > f.first_purchase
    group by all
)
select * from final order by week, combo
