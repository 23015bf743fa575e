-- Grain: one row per segment and per acquisition channel: customers, and how many carry a churn_date.
-- Parameters: none. For the Data health check "a whole segment or channel has no churn_date while others have".
with
by_segment as (
    select 'segment' as dimension, segment as value, count(*) as customers, count(churn_date) as with_churn_date
    from customers
    group by segment
),
by_channel as (
    select 'channel' as dimension, acquisition_channel as value, count(*) as customers,
           count(churn_date) as with_churn_date
    from customers
    group by acquisition_channel
),
final as (
    select * from by_segment
    union all
    select * from by_channel
)
select * from final order by dimension, customers desc, value
