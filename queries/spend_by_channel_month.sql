-- Grain: one row per channel x month with marketing spend.
-- Parameters: $end (date or null: months starting after it are left out).
with
final as (
    select channel, cast(date_trunc('month', month) as date) as month,
           cast(sum(cast(spend as decimal(38, 6))) as double) as spend
    from marketing_spend
    where $end::date is null or month <= $end::date
    group by channel, cast(date_trunc('month', month) as date)
)
select * from final order by channel, month
