-- Grain: one row per transaction_id that appears more than once (first 5), with the total number of such
-- ids in `affected`. Parameters: none. Exports without transaction_id have none (the column is null).
with
duplicated as (
    select transaction_id, count(*) as copies
    from transactions
    where transaction_id is not null
    group by transaction_id
    having count(*) > 1
),
final as (
    select transaction_id, copies, count(*) over () as affected from duplicated
)
select * from final order by copies desc, transaction_id limit 5
