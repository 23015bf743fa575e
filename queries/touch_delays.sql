-- Grain: one row per touchpoint x combo x days from signup to the customer's first touch of that kind (0 to 180;
--   181 stands for "later"), with the number of customers.
-- Parameters: $as_of (date: touches after it are not counted).
-- days: first touch_date on or after signup_date, minus signup_date (touches before signup are a data error the
--   Data health page counts). Customers never touched are not in it.
with
firsts as (
    select t.touchpoint, c.combo, min(t.touch_date) - c.signup_date as days
    from touchpoints as t
    inner join customer_index as c on c.customer_id = t.customer_id
    where t.touch_date >= c.signup_date and t.touch_date <= $as_of::date and t.touchpoint is not null
    group by t.touchpoint, c.customer_id, c.combo, c.signup_date
),
final as (
    select touchpoint, combo, least(days, 181) as days, count(*) as customers
    from firsts
    group by touchpoint, combo, least(days, 181)
)
select touchpoint, combo, cast(days as integer) as days, cast(customers as bigint) as customers
from final
order by touchpoint, combo, days
