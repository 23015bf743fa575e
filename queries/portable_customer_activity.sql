-- Grain: one row per known customer with a positive transaction: last_positive_date, first_positive_value (that of
--   the earliest positive month) and previous_positive_date (the latest positive day in the months before
--   last_positive_date's month; null when there is none), as rollup.sql's customer_activity.
-- Parameters: none. Portable SQL: row_number() over the customer's positive months rather than arg_min and
--   max(x, 2).
with
positive_months as (
    select customer_key, month_key, last_positive_date, first_positive_value,
           row_number() over (partition by customer_key order by month_key asc) as from_first,
           row_number() over (partition by customer_key order by month_key desc) as from_last
    from customer_months
    where positive
),
final as (
    select customer_key,
           max(last_positive_date) as last_positive_date,
           max(case when from_first = 1 then first_positive_value end) as first_positive_value,
           max(case when from_last = 2 then last_positive_date end) as previous_positive_date
    from positive_months
    group by customer_key
)
select * from final
