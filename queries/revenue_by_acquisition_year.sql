-- Grain: one row per activity period x acquisition year x segment x channel x region with transactions.
-- Parameters: $grain ('week'|'month'|'quarter'), $end (date or null: the window end).
-- acquisition_year: calendar year of the customer's signup_date (exact, also for weeks that straddle a new
--   year). revenue: sum of amount (net of refunds) in the period.
-- Same scope as cohort_activity, so that the years add up to its revenue: transactions dated before their
-- customer's signup period, after $end, or of unknown customers are left out; so are customers who signed up
-- after $end. The window's start is applied by the caller, at period level.
with
scoped_customers as (
    select customer_id, period_start(signup_date, $grain) as cohort,
           cast(extract(year from signup_date) as integer) as acquisition_year,
           segment, acquisition_channel as channel, region
    from customers
    where $end::date is null or signup_date <= $end::date
),
final as (
    select period_start(t.transaction_date, $grain) as period, c.acquisition_year, c.segment, c.channel,
           c.region, sum(t.amount) as revenue
    from transactions as t
    inner join scoped_customers as c on c.customer_id = t.customer_id
    where ($end::date is null or t.transaction_date <= $end::date)
      and period_start(t.transaction_date, $grain) >= c.cohort
    group by period_start(t.transaction_date, $grain), c.acquisition_year, c.segment, c.channel, c.region
)
select * from final order by period, acquisition_year, segment, channel, region
