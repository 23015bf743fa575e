-- Grain: one row per signup month (cohort) x month (period) x combo with activity, period >= cohort, as
--   rollup.sql's cohort_months: active_customers (customers with a positive transaction in the month), revenue,
--   known_margin, revenue_without_margin. Parameters: none. Portable SQL: the cohort compared by integer month
--   keys; active customers counted with a case (no filter clause), as bigint on both engines.
with
final as (
    select make_date(year(m.signup_date), month(m.signup_date), 1) as cohort,
           m.month as period,
           m.combo,
           cast(sum(case when m.positive then 1 else 0 end) as bigint) as active_customers,
           cast(sum(cast(m.revenue as decimal(38, 6))) as double) as revenue,
           cast(sum(cast(m.known_margin as decimal(38, 6))) as double) as known_margin,
           cast(sum(cast(m.revenue_without_margin as decimal(38, 6))) as double) as revenue_without_margin
    from customer_months as m
    where m.month_key >= year(m.signup_date) * 12 + month(m.signup_date) - 1
    group by make_date(year(m.signup_date), month(m.signup_date), 1), m.month, m.combo
)
select * from final
