-- Grain: one row per segment x channel x region combination of the customers.
-- Parameters: none.
-- combo: the combination's number in the rollup (queries/rollup.sql); segment, channel, region: its names.
select combo, segment, channel, region from customer_groups order by combo
