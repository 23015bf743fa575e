-- Grain: one row per customer_id of raw_customers (the earliest signup_date wins; ties broken by the dimensions,
--   so that both engines keep the same row), numbered by customer_key (1..n in customer_id order).
-- Parameters: $signed_up_by (date: customers who signed up after it are left out, as the app does when an as-of
--   date is asked for; 9999-12-31 otherwise). Portable SQL (queries/rollup_build.py): the normalisation of
--   queries/validation.py for the customers' columns the rollup reads; a blank or missing dimension is 'unknown'.
with
normalised as (
    select
        cast(customer_id as varchar) as customer_id,
        cast(signup_date as date) as signup_date,
        coalesce(nullif(trim(cast(segment as varchar)), ''), 'unknown') as segment,
        coalesce(nullif(trim(cast(acquisition_channel as varchar)), ''), 'unknown') as acquisition_channel,
        coalesce(nullif(trim(cast(region as varchar)), ''), 'unknown') as region
    from raw_customers
),
ranked as (
    select *,
           row_number() over (partition by customer_id
                              order by signup_date, segment, acquisition_channel, region) as row_rank
    from normalised
    where customer_id is not null and signup_date is not null and signup_date <= $signed_up_by
),
final as (
    select cast(row_number() over (order by customer_id) as integer) as customer_key, customer_id, signup_date,
           segment, acquisition_channel, region
    from ranked
    where row_rank = 1
)
select * from final
