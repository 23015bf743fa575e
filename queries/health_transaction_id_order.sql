-- Grain: one row: is every transaction_id distinct, proved cheaply when the export is in transaction_id order.
-- Parameters: none.
--   ids: non-null transaction_ids;
--   not_ascending / not_descending: adjacent pairs, in the order the rows are read, whose second id is not
--     strictly after / before the first, ordering ids by (byte length, text) so that whole numbers count in
--     numeric order (9 before 10).
-- A strictly increasing (or decreasing) sequence has no repeats, so 0 in either column proves that no
-- transaction_id appears twice, whatever order the rows were read in. Otherwise it proves nothing, and
-- health_duplicate_transactions counts the duplicates exactly (a group by over every id: ~2 s at 10M
-- transactions, where this streaming pass takes under 1 s).
with
ids as (
    -- lag() over () follows the read order: any order gives a valid proof, file order the likeliest one.
    select transaction_id as id, lag(transaction_id) over () as previous_id
    from transactions
    where transaction_id is not null
),
pairs as (
    select
        count(*) as ids,
        count(previous_id) as pairs,
        count(*) filter (
            where strlen(previous_id) > strlen(id) or (strlen(previous_id) = strlen(id) and previous_id >= id)
        ) as not_ascending,
        count(*) filter (where previous_id = id) as repeated
    from ids
),
final as (
    -- Every pair is ascending, descending or a repeat, so the pairs not descending are the ascending ones
    -- (all pairs but the not ascending) and the repeats: one ordered comparison a row instead of two.
    select ids, not_ascending, pairs - not_ascending + repeated as not_descending from pairs
)
select * from final
