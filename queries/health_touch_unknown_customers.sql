-- Grain: one row per touch of a customer_id that is not in customers (first 5 by touch_date, customer_id), with
-- the total count in `affected`. Parameters: none. Such touches count in no figure of the Retention process page.
with
orphans as (
    select t.customer_id, t.touch_date, t.touchpoint
    from touchpoints as t
    left join customers as c on c.customer_id = t.customer_id
    where c.customer_id is null and t.customer_id is not null
),
final as (
    select customer_id, touch_date, touchpoint, count(*) over () as affected from orphans
)
select * from final order by touch_date nulls last, customer_id limit 5
