-- Grain: one row per known customer with a positive transaction: last_positive_date, first_positive_value (that of
--   the earliest positive month) and previous_positive_date (the latest positive day in the months before
--   last_positive_date's month; null when there is none), as rollup.sql's customer_activity.
-- Parameters: none. Portable SQL: the first and last positive months by min / max of month_key and joins,
--   rather than arg_min and max(x, 2).
with
positive_months as (
    select customer_key, month_key, last_positive_date, first_positive_value
    from customer_months
    where positive
),
ends as (
    select customer_key, min(month_key) as first_month, max(month_key) as last_month,
           max(last_positive_date) as last_positive_date
    from positive_months
    group by customer_key
),
final as (
    select e.customer_key,
           e.last_positive_date,
           max(case when p.month_key = e.first_month then p.first_positive_value end) as first_positive_value,
           max(case when p.month_key < e.last_month then p.last_positive_date end) as previous_positive_date
    from ends as e
    inner join positive_months as p on p.customer_key = e.customer_key
    group by e.customer_key, e.last_positive_date
)
select * from final
