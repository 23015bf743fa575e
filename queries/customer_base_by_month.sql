-- Grain: one row per month end of $month_ends x customer group (combo) with customers in the base.
-- Parameters: $churn_definition ('combined'|'explicit'|'inactivity'), $inactivity_days (integer N), $month_ends
--   (a list of month-end dates).
-- customer_base: customers who signed up on or before the month end and had not churned by it, judged as if the
--   month end were the as-of date (data after it ignored), with the rules of customer_churn (queries/rollup.sql):
--   explicit = churned once churn_date <= the month end; inactivity = churned once greatest(signup_date, last
--   positive day up to the month end) + N <= the month end; combined = churn_date when on or before the month
--   end, else the inactivity rule. Customers with a churn_date before their signup_date (a data error) are left
--   out under explicit and combined, as customer_churn leaves them out.
-- Exact at month ends only: a customer is kept alive by inactivity at month end m when some positive day falls in
--   (m - N, m]; the rollup keeps each month's last positive day, which is in that range whenever any positive day
--   of a month on or before m's month is. The Overview's trend of the customer base reads it; its value at the
--   as-of date comes from the survival spans (analytics/customer_base.py), which this equals at a month end.
-- How: one pass, no join of month ends x customers. Per customer, D(k) = the latest of the signup day and the last
--   positive days of months <= k changes only in a month with an event (the signup month, a positive month); from
--   the signup month on it is the latest of that event's day and the signup day (the last positive days grow with
--   the month). Between two events D is constant, so the customer is in the base in months k of [event month, next
--   event month) exactly when D + N > the end of month k, i.e. k < the month of D + N (the end of that month is
--   >= D + N); under explicit and combined also k < the month of churn_date. Each span adds 1 at its first month
--   and -1 at the month after its last; the base at a month end is the running sum up to its month.
with
ends as (
    select cast(unnest($month_ends::date[]) as date) as month_end
),
scoped as (
    select c.customer_key, g.combo, c.signup_date, cast(c.churn_date as date) as churn_date,
           cast(date_trunc('month', c.signup_date) as date) as signup_month,
           cast(date_trunc('month', cast(c.churn_date as date)) as date) as churn_month
    from customers as c
    inner join customer_groups as g
        on g.segment = c.segment and g.channel = c.acquisition_channel and g.region = c.region
    where not ($churn_definition in ('explicit', 'combined') and coalesce(c.churn_date < c.signup_date, false))
),
events as (
    -- The signup (first in its month) and, unless explicit, each positive month from the signup month on with D, the
    -- latest of its last positive day and the signup day (positive days before the signup month are earlier than D).
    select customer_key, signup_month as month, 0 as kind, signup_date as latest_day from scoped
    union all
    select m.customer_key, m.month, 1 as kind, greatest(m.last_positive_date, m.signup_date) as latest_day
    from customer_months as m
    where m.positive and $churn_definition <> 'explicit' and m.month >= date_trunc('month', m.signup_date)
),
latest as (
    -- The next event's month (null: none); the signup and a positive month of the same month make an empty span.
    select customer_key, month, latest_day, lead(month) over (partition by customer_key order by month, kind)
        as next_month
    from events
),
spans as (
    select s.combo,
           l.month as first_month,
           -- the month after the span's last: the next event, the month of D + N (inactivity), the churn month.
           least(coalesce(l.next_month, date '9999-12-01'),
                 case when $churn_definition = 'explicit' then date '9999-12-01'
                      else cast(date_trunc('month', l.latest_day + $inactivity_days::integer) as date) end,
                 case when $churn_definition in ('explicit', 'combined')
                      then coalesce(s.churn_month, date '9999-12-01') else date '9999-12-01' end) as after_month
    from latest as l
    inner join scoped as s on s.customer_key = l.customer_key
),
steps as (
    select combo, first_month as month, count(*) as step from spans where first_month < after_month group by all
    union all
    select combo, after_month as month, -count(*) as step from spans where first_month < after_month group by all
),
final as (
    select e.month_end, st.combo, cast(sum(st.step) as bigint) as customer_base
    from ends as e
    inner join steps as st on st.month <= e.month_end
    group by all
    having sum(st.step) > 0
)
select * from final order by month_end, combo
