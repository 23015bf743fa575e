-- Grain: one row per touch dated before its customer's signup_date (first 5 by customer_id, touch_date), with the
-- total count in `affected`. Parameters: none. Such touches count neither for coverage nor as offers to
-- existing customers.
with
early as (
    select t.customer_id, t.touch_date, t.touchpoint, c.signup_date
    from touchpoints as t
    inner join customers as c on c.customer_id = t.customer_id
    where t.touch_date < c.signup_date
),
final as (
    select customer_id, touch_date, touchpoint, signup_date, count(*) over () as affected from early
)
select * from final order by customer_id, touch_date limit 5
