-- Grain: one row per evaluation month end (the given list).
-- Parameters: $month_ends (date list: the last day of each month to evaluate), $segments, $channels, $regions
--   (text lists; empty = all).
-- Net revenue retention (trailing 12 months) at month end e: revenue in the 12 months ending at e from the
-- customers who had positive revenue in the 12 months before, divided by their revenue in those prior 12
-- months. Expansion raises it, contraction and churn lower it; new customers do not count.
-- Logo retention (trailing 12 months) at e: of the customers with positive revenue in the prior 12 months, the
-- share with positive revenue in the 12 months ending at e.
with
scoped_customers as (
    select customer_id
    from customers
    where in_scope(segment, $segments::varchar[])
      and in_scope(acquisition_channel, $channels::varchar[])
      and in_scope(region, $regions::varchar[])
),
ends as (
    select unnest($month_ends::date[]) as month_end
),
customer_months as (
    select t.customer_id, cast(date_trunc('month', t.transaction_date) as date) as month, sum(t.amount) as revenue
    from transactions as t
    inner join scoped_customers as c on c.customer_id = t.customer_id
    where t.transaction_date <= (select max(month_end) from ends)
    group by t.customer_id, cast(date_trunc('month', t.transaction_date) as date)
),
windows as (
    select
        e.month_end, m.customer_id,
        sum(m.revenue) filter (where m.month > e.month_end - interval 12 month) as current_revenue,
        sum(m.revenue) filter (where m.month <= e.month_end - interval 12 month) as prior_revenue
    from ends as e
    inner join customer_months as m
        on m.month <= e.month_end and m.month > e.month_end - interval 24 month
    group by e.month_end, m.customer_id
),
final as (
    select
        month_end,
        count(*) filter (where prior_revenue > 0) as prior_customers,
        sum(prior_revenue) filter (where prior_revenue > 0) as prior_revenue,
        coalesce(sum(current_revenue) filter (where prior_revenue > 0), 0.0) as retained_revenue,
        count(*) filter (where prior_revenue > 0 and current_revenue > 0) as retained_customers
    from windows
    group by month_end
)
select
    month_end, prior_customers, prior_revenue, retained_revenue, retained_customers,
    retained_revenue / nullif(prior_revenue, 0) as net_revenue_retention,
    retained_customers / nullif(prior_customers, 0) as logo_retention
from final
order by month_end
