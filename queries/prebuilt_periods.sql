-- Grain: the macro customer_periods(grain, start_date, end_date, last_date) of rollup.sql, for a prebuilt rollup
--   (queries/prebuilt.py): one row per known customer x period with transactions from start_date to end_date, the
--   same columns. Parameters: none (DDL; the macro takes its arguments). Months and quarters come from
--   customer_months_between as in rollup.sql; weeks from the prebuilt customer_weeks table (its weeks start on
--   Monday, as date_trunc('week')). A week that the window cuts (a start that is not a Monday; an end before
--   last_date that is not a Sunday) is aggregated from the transactions, which a prebuilt rollup does not hold:
--   the transactions view there stops the query with a notice (queries/prebuilt.py) rather than return a
--   different number.
create or replace macro customer_periods(grain, start_date, end_date, last_date) as table
with
months as (
    select * from customer_months_between(start_date, end_date, last_date) where grain <> 'week'
)
select customer_key, month as period, signup_date, combo, revenue, known_margin, revenue_without_margin,
       transactions, positive
from months
where grain = 'month'
union all
select customer_key, cast(date_trunc('quarter', month) as date) as period, any_value(signup_date),
       any_value(combo), cast(sum(cast(revenue as decimal(38, 6))) as double),
       cast(sum(cast(known_margin as decimal(38, 6))) as double),
       cast(sum(cast(revenue_without_margin as decimal(38, 6))) as double), sum(transactions), bool_or(positive)
from months
where grain = 'quarter'
group by customer_key, cast(date_trunc('quarter', month) as date)
union all
select customer_key, week as period, signup_date, combo, revenue, known_margin, revenue_without_margin,
       transactions, positive
from customer_weeks
where grain = 'week'
  and (cast(start_date as date) is null or week >= cast(start_date as date))
  and (cast(end_date as date) is null or week <= cast(end_date as date))
union all
select c.customer_key, cast(date_trunc('week', t.transaction_date) as date), any_value(c.signup_date),
       any_value(c.combo), 0.0, 0.0, 0.0, count(*), false
from transactions as t
inner join customer_index as c on c.customer_id = t.customer_id
where grain = 'week'
  and ((cast(start_date as date) is not null and isodow(cast(start_date as date)) <> 1)
       or (cast(end_date as date) is not null and cast(end_date as date) < cast(last_date as date)
           and isodow(cast(end_date as date)) <> 7))
group by c.customer_key, cast(date_trunc('week', t.transaction_date) as date);
