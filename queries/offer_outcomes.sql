-- Grain: one row per period (of touch_date) x combo (the customer's segment x channel x region) with offers.
-- Parameters: $grain ('week'|'month'|'quarter'), $start, $end (dates or null: open).
-- offers: touches with touchpoint 'offer' (case-insensitive) and an outcome, made to known customers on or after
--   their signup_date (an offer to an existing customer); accepted: those whose outcome is 'accepted'
--   (case-insensitive, spaces trimmed); any other outcome is a refusal. Offers without an outcome are not counted.
with
offers as (
    select period_start(t.touch_date, $grain) as period, c.combo,
           lower(trim(t.outcome)) = 'accepted' as accepted
    from touchpoints as t
    inner join customer_index as c on c.customer_id = t.customer_id
    where lower(trim(t.touchpoint)) = 'offer'
      and t.outcome is not null and trim(t.outcome) <> ''
      and t.touch_date >= c.signup_date
      and ($start::date is null or t.touch_date >= $start::date)
      and ($end::date is null or t.touch_date <= $end::date)
),
final as (
    select period, combo, count(*) as offers, count(*) filter (where accepted) as accepted
    from offers
    group by period, combo
)
select period, combo, cast(offers as bigint) as offers, cast(accepted as bigint) as accepted
from final
order by period, combo
