-- Grain: one row per touch whose cost is not valid money (first 5), with the total count in `affected`.
-- Parameters: $limit (double: 1e12). Not valid: NaN or infinite, negative, or $limit or more
-- (queries/validation.py MONEY_LIMIT). Reads touchpoints_all: the touchpoints view sets these costs to null.
with
bad as (
    select customer_id, touch_date, touchpoint, cost
    from touchpoints_all
    where cost is not null and (not isfinite(cost) or cost < 0 or cost >= $limit::double)
),
final as (
    select customer_id, touch_date, touchpoint, cast(cost as varchar) as cost, count(*) over () as affected from bad
)
select * from final order by touch_date nulls last, customer_id limit 5
