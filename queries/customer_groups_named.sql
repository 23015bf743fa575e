-- Grain: one row per combo (segment x channel x region of the customers), with its names. Parameters: none.
select combo, segment, channel, region from customer_groups order by combo
