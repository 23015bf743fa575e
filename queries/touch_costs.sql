-- Grain: one row per touchpoint x combo (the customer's segment x channel x region) with costed touches from
--   $start to $end (dates, inclusive): cost (sum), touches (count of touches with a cost).
-- Parameters: $start, $end (dates). Touches of unknown customers and costs that are not valid money (null in the
--   touchpoints view) are left out.
with
final as (
    select t.touchpoint, c.combo, cast(sum(cast(t.cost as decimal(38, 6))) as double) as cost, count(*) as touches
    from touchpoints as t
    inner join customer_index as c on c.customer_id = t.customer_id
    where t.cost is not null and t.touch_date between $start::date and $end::date
    group by t.touchpoint, c.combo
)
select touchpoint, combo, cost, cast(touches as bigint) as touches from final order by touchpoint, combo
