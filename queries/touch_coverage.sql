-- Grain: one row per touchpoint x signup cohort (the period of signup_date) x combo (segment x channel x
--   region, names in customer_groups) with eligible customers.
-- Parameters: $grain ('week'|'month'|'quarter'), $as_of (date: the latest transaction date, or the window end
--   when earlier), $touchpoints (list of text: the touchpoints to measure), $windows (list of integers: each
--   one's window in days, in the same order).
-- new_customers: customers (known to the customers export) whose window has ended by $as_of
--   (signup_date + window <= $as_of), so that a cohort is never judged before it had the time to be touched.
-- covered: of them, those with a touch of that kind dated from signup_date to signup_date + window (inclusive).
-- Touches of unknown customers, with no date or no touchpoint are left out (the Data health page counts them).
with
kinds as (
    select unnest($touchpoints::varchar[]) as touchpoint, unnest($windows::integer[]) as window_days
),
eligible as (
    select k.touchpoint, k.window_days, c.customer_id, c.signup_date, c.combo
    from customer_index as c
    cross join kinds as k
    where c.signup_date + k.window_days <= $as_of::date
),
touched as (
    select distinct e.touchpoint, e.customer_id
    from eligible as e
    inner join touchpoints as t
        on t.customer_id = e.customer_id and t.touchpoint = e.touchpoint
    where t.touch_date between e.signup_date and e.signup_date + e.window_days
),
final as (
    select e.touchpoint, period_start(e.signup_date, $grain) as cohort, e.combo,
           count(*) as new_customers, count(x.customer_id) as covered
    from eligible as e
    left join touched as x on x.touchpoint = e.touchpoint and x.customer_id = e.customer_id
    group by e.touchpoint, period_start(e.signup_date, $grain), e.combo
)
select touchpoint, cohort, combo, cast(new_customers as bigint) as new_customers, cast(covered as bigint) as covered
from final
order by touchpoint, cohort, combo
