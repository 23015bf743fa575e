-- Grain: the rollup: customer_months (one row per known customer x calendar month with transactions), customer_weeks
--   (per customer x week), the small tables customer_groups, customer_index, customer_activity, and the macros
--   (customer_months_between, customer_periods, ...) that the cube queries read instead of the transactions.
-- Parameters: none (DDL that queries/rollup_cache.py runs once per data version, the first time a query needs
--   it (queries/runner.py), or replaces with views of the copy saved in the rollup cache; the macros take theirs
--   as arguments). At 10M transactions customer_months has ~8M rows and takes a few seconds to build; each
--   query over it then takes a fraction of a second (docs/performance.md).
--
-- customer_groups: one row per segment x channel x region combination of the customers, numbered (combo) in
--   that order. customer_index: each customer's integer key, signup_date and combo, by customer_id.
create table customer_groups as
select cast(row_number() over (order by segment, channel, region) as integer) as combo, segment, channel, region
from (select distinct segment, acquisition_channel as channel, region from customers);

create table customer_index as
select c.customer_id, c.customer_key, c.signup_date, g.combo
from customers as c
inner join customer_groups as g
    on g.segment = c.segment and g.channel = c.acquisition_channel and g.region = c.region;

-- transaction_periods(unit, start_date, end_date, keep_before, keep_from): the transactions of known customers
--   dated from start_date to end_date (null = open), and before keep_before or on/after keep_from (null: that side
--   keeps none), aggregated per customer x period (date_trunc's unit, 'month' or 'week': period is its first day)
--   with the columns of customer_months below. transaction_months and transaction_weeks name it for each table.
create macro transaction_periods(unit, start_date, end_date, keep_before, keep_from) as table
select
    c.customer_key,
    cast(date_trunc(unit, t.transaction_date) as date) as period,
    any_value(c.signup_date) as signup_date,
    any_value(c.combo) as combo,
    cast(sum(cast(t.amount as decimal(38, 6))) as double) as revenue,
    coalesce(cast(sum(cast(t.gross_margin as decimal(38, 6))) as double), 0.0) as known_margin,
    coalesce(cast(sum(cast(t.amount as decimal(38, 6))) filter (where t.gross_margin is null) as double), 0.0)
        as revenue_without_margin,
    count(*) as transactions,
    max(t.amount) > 0 as positive,
    max(t.transaction_date) filter (where t.amount > 0) as last_positive_date,
    arg_min(t.amount, date_diff('day', date '2000-01-01', t.transaction_date) * 1e7 - least(t.amount, 9999999.0))
        filter (where t.amount > 0) as first_positive_value,
    -- Distinct days as bits of a day-of-month mask: cheaper than count(distinct) (no per-group hash set).
    coalesce(cast(bit_count(bit_or(cast(1 as bigint) << cast(day(t.transaction_date) as bigint))
        filter (where t.amount > 0)) as integer), 0) as positive_days,
    min(t.transaction_date) filter (where t.amount > 0) as first_positive_date,
    coalesce(cast(sum(cast(t.amount as decimal(38, 6))) filter (where t.amount > 0) as double), 0.0)
        as positive_spend
from transactions as t
inner join customer_index as c on c.customer_id = t.customer_id
where (cast(start_date as date) is null or t.transaction_date >= cast(start_date as date))
  and (cast(end_date as date) is null or t.transaction_date <= cast(end_date as date))
  and (t.transaction_date < cast(keep_before as date) or t.transaction_date >= cast(keep_from as date))
group by c.customer_key, cast(date_trunc(unit, t.transaction_date) as date);

-- transaction_months(start_date, end_date, keep_before, keep_from): per customer x month, the columns of
--   customer_months below.
create macro transaction_months(start_date, end_date, keep_before, keep_from) as table
select * rename (period as month) from transaction_periods('month', start_date, end_date, keep_before, keep_from);

-- customer_months: one row per known customer (customers.customer_key) x calendar month with transactions,
--   carrying the customer's signup_date and combo so that the cube queries need no join to the customers.
--   revenue: sum of amount (net of refunds); known_margin: sum of gross_margin where given;
--   revenue_without_margin: sum of amount where gross_margin is not given; transactions: count of rows;
--   positive: some transaction of the month has a positive amount (the customer was active);
--   last_positive_date: the latest day of the month with a positive amount;
--   first_positive_value: the amount of the month's first transaction with a positive amount (on a day with
--   several, the largest; the sort key keeps days apart for amounts below 1e7), as survival_spans defines it.
--   positive_days: distinct days of the month with a positive amount (the purchases of the BG/NBD model,
--   analytics/clv_models/); first_positive_date: the first of them; positive_spend: the sum of the positive
--   amounts (refunds left out), the spend of the Gamma-Gamma model.
--   Transactions of unknown customers are not in it (the Data health page counts them).
-- Every dated transaction, inserted in slices of whole months ($slice_start to $slice_end, dates; null = open):
--   queries/rollup_cache.py runs the insert once per slice (about 2.5M transactions each), so the aggregation
--   holds one slice's customer x months at a time (peak memory at 10M transactions: 1.3 GB in four slices,
--   1.9 GB in one). A customer x month is never split: slices start on the first day of a month.
create table customer_months as
select * from transaction_months(null, null, null, date '-infinity') limit 0;

insert into customer_months
select * from transaction_months($slice_start, $slice_end, null, date '-infinity');

-- transaction_weeks(start_date, end_date, keep_before, keep_from): per customer x week (Monday to Sunday,
--   date_trunc('week'); week = its Monday) with dated transactions, the columns of customer_weeks below.
create macro transaction_weeks(start_date, end_date, keep_before, keep_from) as table
select customer_key, period as week, signup_date, combo, revenue, known_margin, revenue_without_margin, transactions,
       positive
from transaction_periods('week', start_date, end_date, keep_before, keep_from)
where period is not null;

-- customer_weeks: one row per known customer x week with dated transactions, the columns of customer_periods at
--   week grain (revenue, known_margin, revenue_without_margin, transactions, positive as in customer_months).
--   Weeks straddle months, so customer_months cannot answer the week grain; without this table every weekly
--   figure went back to the transactions (at 10M transactions the Overview's week click took 26 s in the browser,
--   docs/performance.md). Filled per slice of months like customer_months, a week going to the slice that holds
--   its Monday: the slice's transactions up to six days past its end complete its last week, and the partial
--   first week (its Monday in the slice before) is dropped here, since that slice holds it whole.
create table customer_weeks as
select * from transaction_weeks(null, null, null, date '-infinity') limit 0;

insert into customer_weeks
select *
from transaction_weeks($slice_start, cast($slice_end as date) + 6, null, date '-infinity')
where (cast($slice_start as date) is null or week >= cast($slice_start as date))
  and (cast($slice_end as date) is null or week <= cast($slice_end as date));

-- customer_activity: one row per known customer with a positive transaction: last_positive_date (the latest
--   day with a positive amount), first_positive_value (as in customer_months, over all months) and
--   previous_positive_date (the latest positive day in the months before last_positive_date's month; null when
--   there is none). What the survival fit, the budget calibration and the cohort sizes need per customer, as
--   of the latest date and as of the end of the month before the latest date's month (the Overview's
--   "previous" figures), without a pass over the months.
create table customer_activity as
select customer_key, max(last_positive_date) as last_positive_date,
       arg_min(first_positive_value, month) as first_positive_value,
       -- Each month has its own last positive day, so the second largest is the previous positive month's.
       max(last_positive_date, 2)[2] as previous_positive_date
from customer_months
where positive
group by customer_key;

-- cohort_months: one row per signup month (cohort) x month (period) x combo with activity, period >= cohort:
--   active_customers (customers with a positive transaction in the month), revenue, known_margin,
--   revenue_without_margin (sums as in customer_months). The monthly cohort cube of the Cohorts, Value and
--   Revenue mix pages and the Overview (cohort_cells below), ~70k rows instead of a pass over customer_months.
create table cohort_months as
select cast(date_trunc('month', signup_date) as date) as cohort, month as period, combo,
       count(*) filter (where positive) as active_customers,
       cast(sum(cast(revenue as decimal(38, 6))) as double) as revenue,
       cast(sum(cast(known_margin as decimal(38, 6))) as double) as known_margin,
       cast(sum(cast(revenue_without_margin as decimal(38, 6))) as double) as revenue_without_margin
from customer_months
where month >= date_trunc('month', signup_date)
group by all;

-- first_whole_month(start_date): the first day of the first whole month from start_date on (null: open).
create macro first_whole_month(start_date) as (
    case
        when cast(start_date as date) is null then null
        when day(cast(start_date as date)) = 1 then cast(start_date as date)
        else last_day(cast(start_date as date)) + 1
    end
);

-- cut_month(end_date, last_date): the first day of the month that end_date cuts in two (null: none is cut,
-- because end_date is open, a month's last day, or on/after last_date, the latest transaction date).
create macro cut_month(end_date, last_date) as (
    case
        when cast(end_date as date) is null or cast(end_date as date) >= cast(last_date as date) then null
        when last_day(cast(end_date as date)) = cast(end_date as date) then null
        else cast(date_trunc('month', cast(end_date as date)) as date)
    end
);

-- customer_months_between(start_date, end_date, last_date): customer_months restricted to transactions dated
-- from start_date to end_date (inclusive; null = open). last_date: the latest transaction date (queries pass
-- $data_as_of, which queries/runner.py binds). Whole months inside the range come from the rollup; the days of a month
-- the range cuts (a start after the 1st; an end before both its month's last day and last_date) are
-- aggregated from the transactions, so the result equals aggregating the transactions of the range. Every
-- condition is on the arguments alone, so that DuckDB folds it and skips the transactions when no month is
-- cut. Same columns as customer_months.
create macro customer_months_between(start_date, end_date, last_date) as table
select m.*
from customer_months as m
where (first_whole_month(start_date) is null or m.month >= first_whole_month(start_date))
  and (cast(end_date as date) is null or m.month <= cast(end_date as date))
  and (cut_month(end_date, last_date) is null or m.month < cut_month(end_date, last_date))
union all
select *
from transaction_months(start_date, end_date, first_whole_month(start_date), cut_month(end_date, last_date))
where first_whole_month(start_date) <> cast(start_date as date) or cut_month(end_date, last_date) is not null;

-- first_whole_week(start_date): the Monday of the first whole week from start_date on (null: open).
create macro first_whole_week(start_date) as (
    case
        when cast(start_date as date) is null then null
        when isodow(cast(start_date as date)) = 1 then cast(start_date as date)
        else cast(start_date as date) + cast(8 - isodow(cast(start_date as date)) as integer)
    end
);

-- cut_week(end_date, last_date): the Monday of the week that end_date cuts in two (null: none is cut, because
-- end_date is open, a Sunday, or on/after last_date), as cut_month.
create macro cut_week(end_date, last_date) as (
    case
        when cast(end_date as date) is null or cast(end_date as date) >= cast(last_date as date) then null
        when isodow(cast(end_date as date)) = 7 then null
        else cast(date_trunc('week', cast(end_date as date)) as date)
    end
);

-- customer_periods(grain, start_date, end_date, last_date): one row per known customer x period (week / month /
-- quarter) with transactions from start_date to end_date (null = open): signup_date, combo (the customer's),
-- revenue, known_margin, revenue_without_margin, transactions, positive. Months and quarters come from
-- customer_months_between; weeks from customer_weeks, but for the days of a week the range cuts (a start that
-- is not a Monday; an end before last_date that is not a Sunday), which are aggregated from the transactions, as
-- customer_months_between does for months. A prebuilt rollup (queries/prebuilt.py) has the same customer_weeks
-- and a transactions view that stops a query reading it: a cut week there is refused with a notice.
create macro customer_periods(grain, start_date, end_date, last_date) as table
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
  and (first_whole_week(start_date) is null or week >= first_whole_week(start_date))
  and (cast(end_date as date) is null or week <= cast(end_date as date))
  and (cut_week(end_date, last_date) is null or week < cut_week(end_date, last_date))
union all
select customer_key, week as period, signup_date, combo, revenue, known_margin, revenue_without_margin,
       transactions, positive
from transaction_weeks(start_date, end_date, first_whole_week(start_date), cut_week(end_date, last_date))
where grain = 'week'
  and (first_whole_week(start_date) <> cast(start_date as date) or cut_week(end_date, last_date) is not null);

-- customer_activity_until(as_of, last_date): customer_activity counting transactions up to as_of only
-- (last_date: the latest transaction date). From the table itself when as_of is null or on/after last_date;
-- also when as_of is the last day of the month before last_date's month, where a customer whose last positive
-- day is later had their previous one (if any) on or before as_of; else from the months.
create macro customer_activity_until(as_of, last_date) as table
select customer_key, last_positive_date, first_positive_value
from customer_activity
where cast(as_of as date) is null or cast(as_of as date) >= cast(last_date as date)
union all
select customer_key,
       case when last_positive_date <= cast(as_of as date) then last_positive_date else previous_positive_date end,
       first_positive_value
from customer_activity
where cast(as_of as date) < cast(last_date as date)
  and cast(as_of as date) = cast(date_trunc('month', cast(last_date as date)) as date) - 1
  and (last_positive_date <= cast(as_of as date) or previous_positive_date is not null)
union all
select customer_key, max(last_positive_date), arg_min(first_positive_value, month)
from customer_months_between(null, as_of, last_date)
where cast(as_of as date) < cast(last_date as date)
  and cast(as_of as date) <> cast(date_trunc('month', cast(last_date as date)) as date) - 1
  and positive
group by customer_key;

-- cohort_cells(grain, end_date, last_date): one row per cohort period (the period of signup_date) x activity
-- period x combo with activity, from the customers who signed up by end_date (null = open) and their
-- transactions up to it, period >= cohort: active_customers (customers with a positive transaction in the
-- period; distinct customers, so not additive across periods), revenue, known_margin, revenue_without_margin.
-- From cohort_months when grain is 'month' and end_date is open or a month's last day (then "signed up by
-- end_date" is "cohort <= end_date"); else from customer_periods. Conditions on the arguments alone (DuckDB folds
-- them and runs one branch).
create macro cohort_cells(grain, end_date, last_date) as table
select cohort, period, combo, active_customers, revenue, known_margin, revenue_without_margin
from cohort_months
where grain = 'month'
  and (cast(end_date as date) is null or last_day(cast(end_date as date)) = cast(end_date as date))
  and (cast(end_date as date) is null or period <= cast(end_date as date))
union all
select period_start(signup_date, grain) as cohort, period, combo,
       count(*) filter (where positive) as active_customers,
       cast(sum(cast(revenue as decimal(38, 6))) as double) as revenue,
       cast(sum(cast(known_margin as decimal(38, 6))) as double) as known_margin,
       cast(sum(cast(revenue_without_margin as decimal(38, 6))) as double) as revenue_without_margin
from customer_periods(grain, null, end_date, last_date)
where not (grain = 'month'
           and (cast(end_date as date) is null or last_day(cast(end_date as date)) = cast(end_date as date)))
  and (cast(end_date as date) is null or signup_date <= cast(end_date as date))
  and period >= period_start(signup_date, grain)
group by all;

-- customer_churn(churn_definition, inactivity_days, as_of, last_date): one row per customer, the one place the
--   three churn definitions are written in SQL (survival_customers, budget_calibration, customer_churn_dates and
--   customer_base_by_month read it). last_date: the latest transaction date ($data_as_of).
--   customer_key, combo, signup_date, churn_date (as recorded, any date);
--   last_active: the last day up to as_of with a positive amount (null: none); first_value: the first-order value
--   (customer_activity_until);
--   left_out: why no fit may count the customer, else null: 'signed up after the as-of date' (no time at risk
--   yet), or, under explicit and combined, 'churn date before signup date' (a data error);
--   churned_on: the customer's first churn as of as_of, null = not churned (censored at as_of):
--     explicit: churn_date when it is on or before as_of;
--     inactivity (N = inactivity_days): the last activity, greatest(signup_date, last_active) (the signup date
--       for a customer who never bought), when it + N days <= as_of: exactly N days of silence is churn;
--     combined: churn_date when it is on or before as_of; otherwise (no churn_date, or a later one) the
--       inactivity rule;
--   returned_churn_on (combined only): a customer who churned on their churn_date and bought again after it
--     (a return) churns a second time on their last activity when it + N days <= as_of; else null. Survival
--     counts the first churn only; the revenue movements also count this one.
create macro customer_churn(churn_definition, inactivity_days, as_of, last_date) as table
with
scoped as (
    select c.customer_key, g.combo, c.signup_date, cast(c.churn_date as date) as churn_date,
           p.last_active, p.first_value,
           greatest(c.signup_date, coalesce(p.last_active, c.signup_date)) as last_activity,
           case
               when c.signup_date > cast(as_of as date) then 'signed up after the as-of date'
               when churn_definition in ('explicit', 'combined') and c.churn_date < c.signup_date
                   then 'churn date before signup date'
           end as left_out,
           churn_definition in ('explicit', 'combined') and c.churn_date <= cast(as_of as date) as recorded
    from customers as c
    inner join customer_groups as g
        on g.segment = c.segment and g.channel = c.acquisition_channel and g.region = c.region
    left join (
        select customer_key, last_positive_date as last_active, first_positive_value as first_value
        from customer_activity_until(as_of, last_date)
    ) as p on p.customer_key = c.customer_key
)
select
    customer_key, combo, signup_date, churn_date, last_active, first_value, left_out,
    case
        when left_out is not null then null
        when recorded then churn_date
        when churn_definition = 'explicit' then null
        when last_activity + cast(inactivity_days as integer) <= cast(as_of as date) then last_activity
    end as churned_on,
    case
        when left_out is null and churn_definition = 'combined' and recorded and last_active > churn_date
             and last_activity + cast(inactivity_days as integer) <= cast(as_of as date) then last_activity
    end as returned_churn_on
from scoped;
