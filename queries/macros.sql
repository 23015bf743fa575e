-- Macros every query may use; created once per connection, before it is locked.
-- in_scope(value, allowed): true when the filter list `allowed` is empty (no filter) or holds `value`.
create or replace macro in_scope(value, allowed) as (len(allowed) = 0 or list_contains(allowed, value));
-- period_start(day, grain): first day of the week (Monday) / month / quarter containing `day`.
create or replace macro period_start(day, grain) as (cast(date_trunc(grain, day) as date));
