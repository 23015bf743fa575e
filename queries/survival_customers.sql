-- Grain: one row per customer group (combo) x cohort_year x first_value x duration x churned, with the number
--   of customers.
-- Parameters: $churn_definition ('combined'|'explicit'|'inactivity'), $inactivity_days (integer N), $as_of (date:
--   the latest transaction date, or the window end when earlier), $start (date or null: customers who signed up
--   on/after it).
-- Only data up to $as_of counts. Churn is the first churn of customer_churn (queries/rollup.sql), the one place
--   the definitions are written: explicit = churn_date on or before $as_of; inactivity = the last activity (last
--   transaction with a positive amount, or the signup date) when it + N days <= $as_of; combined = churn_date on
--   or before $as_of, else the inactivity rule. Otherwise censored at $as_of.
-- duration = churn (or censoring) date - signup_date, in days. churned: true = churn observed, false = censored.
-- left_out: customers in scope that no fit may count come as their own rows, with the reason here and
--   duration, churned, first_value null: signed up after $as_of (no time at risk yet), or (explicit and combined)
--   a churn_date before the signup_date (a data error). Null on every other row.
-- The input of every survival fit (Kaplan-Meier, log-rank, Cox) before the segment / channel / region filter
-- and the value bands, which analytics/survival/spans.py applies in Polars, so a filter change runs no SQL.
-- combo: the customer's segment x channel x region (names in customer_groups).
-- first_value: the first-order value, the amount of the first transaction with a positive amount (on a day
--   with several, the largest); null for customers who never bought. From the rollup (queries/rollup.sql).
with
churn as (
    select *
    from customer_churn($churn_definition, $inactivity_days, $as_of, $data_as_of)
    where $start::date is null or signup_date >= $start::date
),
final as (
    select
        combo,
        year(signup_date) as cohort_year,
        case when left_out is null then first_value end as first_value,
        case when left_out is null then date_diff('day', signup_date, coalesce(churned_on, $as_of::date)) end
            as duration,
        case when left_out is null then churned_on is not null end as churned,
        left_out,
        count(*) as customers
    from churn
    group by all
)
select * from final
