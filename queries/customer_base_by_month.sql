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
with
ends as (
    select cast(unnest($month_ends::date[]) as date) as month_end
),
scoped as (
    select c.customer_key, g.combo, c.signup_date, cast(c.churn_date as date) as churn_date
    from customers as c
    inner join customer_groups as g
        on g.segment = c.segment and g.channel = c.acquisition_channel and g.region = c.region
    where not ($churn_definition in ('explicit', 'combined') and coalesce(c.churn_date < c.signup_date, false))
),
recently_active as (
    -- (month end, customer) with a positive day in (month end - N, month end].
    select distinct e.month_end, m.customer_key
    from ends as e
    inner join customer_months as m
        on m.month <= e.month_end
       and m.last_positive_date > e.month_end - $inactivity_days::integer
    where m.positive and $churn_definition <> 'explicit'
),
alive as (
    select e.month_end, s.combo
    from ends as e
    inner join scoped as s on s.signup_date <= e.month_end
    left join recently_active as r on r.month_end = e.month_end and r.customer_key = s.customer_key
    where case
        when $churn_definition in ('explicit', 'combined') and s.churn_date <= e.month_end then false
        when $churn_definition = 'explicit' then true
        else s.signup_date + $inactivity_days::integer > e.month_end or r.customer_key is not null
    end
),
final as (
    select month_end, combo, count(*) as customer_base
    from alive
    group by all
)
select * from final order by month_end, combo
