-- Grain: one row per period (of created_date) x lead channel with leads.
-- Parameters: $grain ('week'|'month'|'quarter'), $start, $end (dates or null: open).
-- leads: rows of the leads export created in the period; converted: those with a customer_id (the lead became
--   that customer). A lead's channel is its own (missing: 'unknown'). A lead_id exported twice counts once (its
--   earliest row).
with
unique_leads as (
    select lead_id, created_date, channel, customer_id
    from (
        select *, row_number() over (partition by lead_id order by created_date, customer_id nulls last) as row_rank
        from leads
        where lead_id is not null
    ) as ranked
    where row_rank = 1
),
final as (
    select period_start(created_date, $grain) as period, channel, count(*) as leads,
           count(customer_id) as converted
    from unique_leads
    where created_date is not null
      and ($start::date is null or created_date >= $start::date)
      and ($end::date is null or created_date <= $end::date)
    group by period_start(created_date, $grain), channel
)
select period, channel, cast(leads as bigint) as leads, cast(converted as bigint) as converted
from final
order by period, channel
