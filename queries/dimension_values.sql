-- Grain: one row per dimension x value (segment, acquisition_channel, region), with its customer count.
-- Parameters: none. Feeds the sidebar filters' options.
with
final as (
    select 'segment' as dimension, segment as value, count(*) as customers from customers group by segment
    union all
    select 'channel', acquisition_channel, count(*) from customers group by acquisition_channel
    union all
    select 'region', region, count(*) from customers group by region
)
select dimension, value, customers from final order by dimension, customers desc, value
