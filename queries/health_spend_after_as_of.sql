-- Grain: one row per marketing_spend row whose month starts after the as-of date (first 5), with the total
-- count in `affected`. Parameters: $as_of (date).
with
late as (
    select month, channel, spend from marketing_spend where month > $as_of::date
),
final as (
    select month, channel, spend, count(*) over () as affected from late
)
select * from final order by month, channel limit 5
