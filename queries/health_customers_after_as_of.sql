-- Grain: one row per customer whose signup_date or churn_date is after the as-of date (first 5), with the
-- total count in `affected`. Parameters: $as_of (date: the latest transaction date).
with
late as (
    select customer_id, signup_date, churn_date
    from customers
    where signup_date > $as_of::date or churn_date > $as_of::date
),
final as (
    select customer_id, signup_date, churn_date, count(*) over () as affected from late
)
select * from final order by signup_date, customer_id limit 5
