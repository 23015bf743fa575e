-- Grain: one row per acquisition channel x signup month: customers acquired, how many carry an
-- acquisition_cost, and the sum of it (the fallback CAC where there is no marketing_spend export).
-- Parameters: $end (date or null: customers who signed up after it are left out).
with
final as (
    select acquisition_channel as channel, cast(date_trunc('month', signup_date) as date) as month,
           count(*) as customers, count(acquisition_cost) as customers_with_cost,
           coalesce(cast(sum(cast(acquisition_cost as decimal(38, 6))) as double), 0.0) as acquisition_cost
    from customers
    where $end::date is null or signup_date <= $end::date
    group by acquisition_channel, cast(date_trunc('month', signup_date) as date)
)
select * from final order by channel, month
