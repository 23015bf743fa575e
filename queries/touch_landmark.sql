-- Grain: one row per touchpoint x touched (by the landmark) x combo x duration x churned, with the number of
--   customers: the landmark analysis of each touchpoint.
-- Parameters: $churn_definition, $inactivity_days, $as_of (as for survival_customers), $touchpoints (list of
--   text), $windows (list of integers: each touchpoint's window in days = its landmark), $start (date or null:
--   customers who signed up on/after it).
-- Landmark: signup_date + window. Only customers still customers at it count: signed up at least window days
--   before $as_of, not left out by the churn definition, and not churned on or before the landmark
--   (customer_churn's first churn). touched: a touch of that kind dated from signup_date to the landmark.
-- duration: days from the landmark to the churn (churned = true) or to $as_of (censored).
with
kinds as (
    select unnest($touchpoints::varchar[]) as touchpoint, unnest($windows::integer[]) as window_days
),
churn as (
    select ch.customer_key, ch.combo, ch.signup_date, ch.churned_on, i.customer_id
    from customer_churn($churn_definition, $inactivity_days, $as_of, $data_as_of) as ch
    inner join customer_index as i on i.customer_key = ch.customer_key
    where ch.left_out is null
      and ($start::date is null or ch.signup_date >= $start::date)
),
at_landmark as (
    select k.touchpoint, c.customer_id, c.combo, c.churned_on, c.signup_date + k.window_days as landmark,
           c.signup_date
    from churn as c
    cross join kinds as k
    where c.signup_date + k.window_days <= $as_of::date
      and (c.churned_on is null or c.churned_on > c.signup_date + k.window_days)
),
touched as (
    select distinct a.touchpoint, a.customer_id
    from at_landmark as a
    inner join touchpoints as t on t.customer_id = a.customer_id and t.touchpoint = a.touchpoint
    where t.touch_date between a.signup_date and a.landmark
),
final as (
    select a.touchpoint, x.customer_id is not null as touched, a.combo,
           date_diff('day', a.landmark, coalesce(a.churned_on, $as_of::date)) as duration,
           a.churned_on is not null as churned, count(*) as customers
    from at_landmark as a
    left join touched as x on x.touchpoint = a.touchpoint and x.customer_id = a.customer_id
    group by all
)
select touchpoint, touched, combo, cast(duration as integer) as duration, churned,
       cast(customers as bigint) as customers
from final
order by touchpoint, touched, combo, duration, churned
