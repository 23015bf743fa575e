-- Grain: one row per segment x channel x region x cohort_year x value_band x duration (days) x churned, with
--   the number of customers: the aggregated input of every survival fit (Kaplan-Meier, log-rank, Cox).
-- Parameters: $churn_definition ('explicit'|'inactivity'), $inactivity_days (integer N), $as_of (date: the
--   latest transaction date, or the window end when earlier), $start (date or null: customers who signed up
--   on/after it), $segments, $channels, $regions (text lists; empty = all).
-- Only data up to $as_of counts.
-- explicit: churned on churn_date when churn_date <= $as_of; otherwise censored at $as_of.
-- inactivity: last activity = the last transaction with a positive amount (never bought, or only before
--   signup: the signup date); churned on it when last activity + N days <= $as_of; otherwise censored at $as_of.
-- duration = churn (or censoring) date - signup_date, in days. churned: true = churn observed, false = censored.
-- left_out: customers in scope that no fit may count come as their own rows, with the reason here and
--   duration, churned, value_band null: signed up after $as_of (no time at risk yet), or (explicit only) a
--   churn_date before the signup_date (a data error). Null on every other row. (Counted here rather than in a
--   second query: each query over customers pays for reading them again.)
-- value_band: quartile (1..4) of the first-order value among the customers followed who bought (0 = never
--   bought), with the cut points in band_q1..band_q3. First-order value: the amount of the first transaction
--   with a positive amount (on a day with several, the largest).
with
scoped_customers as (
    select
        customer_key, signup_date, churn_date, segment, acquisition_channel as channel, region,
        case
            when signup_date > $as_of::date then 'signed up after the as-of date'
            when $churn_definition = 'explicit' and churn_date < signup_date then 'churn date before signup date'
        end as left_out
    from customers
    where in_scope(segment, $segments::varchar[])
      and in_scope(acquisition_channel, $channels::varchar[])
      and in_scope(region, $regions::varchar[])
      and ($start::date is null or signup_date >= $start::date)
),
purchases as (
    -- From the rollup (queries/rollup.sql): each customer's last positive day and first positive value.
    select customer_key, last_positive_date as last_active, first_positive_value as first_value
    from customer_activity_until($as_of, $data_as_of)
),
spans as (
    select
        c.segment, c.channel, c.region, c.signup_date, c.left_out,
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
cuts as (
    select
        quantile_cont(first_value, 0.25) as band_q1,
        quantile_cont(first_value, 0.50) as band_q2,
        quantile_cont(first_value, 0.75) as band_q3
    from spans
),
final as (
    select
        s.segment, s.channel, s.region,
        year(s.signup_date) as cohort_year,
        case
            when s.left_out is not null then null
            when s.first_value is null then 0
            when s.first_value <= k.band_q1 then 1
            when s.first_value <= k.band_q2 then 2
            when s.first_value <= k.band_q3 then 3
            else 4
        end as value_band,
        case when s.left_out is null then date_diff('day', s.signup_date, coalesce(s.churned_on, $as_of::date))
        end as duration,
        case when s.left_out is null then s.churned_on is not null end as churned,
        s.left_out,
        count(*) as customers,
        k.band_q1, k.band_q2, k.band_q3
    from spans as s
    cross join cuts as k
    group by all
)
select * from final
order by segment, channel, region, cohort_year, value_band, duration, churned, left_out
