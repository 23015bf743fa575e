-- Grain: one row per customer group (combo) x cohort_year x first_value x duration x churned, with the number
--   of customers.
-- Parameters: $churn_definition ('explicit'|'inactivity'), $inactivity_days (integer N), $as_of (date: the
--   latest transaction date, or the window end when earlier), $start (date or null: customers who signed up
--   on/after it).
-- Only data up to $as_of counts.
-- explicit: churned on churn_date when churn_date <= $as_of; otherwise censored at $as_of.
-- inactivity: last activity = the last transaction with a positive amount (never bought, or only before
--   signup: the signup date); churned on it when last activity + N days <= $as_of; otherwise censored at $as_of.
-- duration = churn (or censoring) date - signup_date, in days. churned: true = churn observed, false = censored.
-- left_out: customers in scope that no fit may count come as their own rows, with the reason here and
--   duration, churned, first_value null: signed up after $as_of (no time at risk yet), or (explicit only) a
--   churn_date before the signup_date (a data error). Null on every other row.
-- The input of every survival fit (Kaplan-Meier, log-rank, Cox) before the segment / channel / region filter
-- and the value bands, which analytics/survival/spans.py applies in Polars, so a filter change runs no SQL.
-- combo: the customer's segment x channel x region (names in customer_groups).
-- first_value: the first-order value, the amount of the first transaction with a positive amount (on a day
--   with several, the largest); null for customers who never bought. From the rollup (queries/rollup.sql).
with
scoped_customers as (
    select
        c.customer_key, c.signup_date, c.churn_date, g.combo,
        case
            when c.signup_date > $as_of::date then 'signed up after the as-of date'
            when $churn_definition = 'explicit' and c.churn_date < c.signup_date then 'churn date before signup date'
        end as left_out
    from customers as c
    inner join customer_groups as g
        on g.segment = c.segment and g.channel = c.acquisition_channel and g.region = c.region
    where $start::date is null or c.signup_date >= $start::date
),
purchases as (
    select customer_key, last_positive_date as last_active, first_positive_value as first_value
    from customer_activity_until($as_of, $data_as_of)
),
spans as (
    select
        c.combo, c.signup_date, c.left_out,
        case when c.left_out is null then p.first_value end as first_value,
        case
            when c.left_out is not null then null
            when $churn_definition = 'explicit' then
                case when c.churn_date <= $as_of::date then c.churn_date end
            when greatest(c.signup_date, coalesce(p.last_active, c.signup_date)) + $inactivity_days::integer
                 <= $as_of::date then greatest(c.signup_date, coalesce(p.last_active, c.signup_date))
        end as churned_on
    from scoped_customers as c
    left join purchases as p on p.customer_key = c.customer_key
),
final as (
    select
        combo,
        year(signup_date) as cohort_year,
        first_value,
        case when left_out is null then date_diff('day', signup_date, coalesce(churned_on, $as_of::date)) end
            as duration,
        case when left_out is null then churned_on is not null end as churned,
        left_out,
        count(*) as customers
    from spans
    group by all
)
select * from final
