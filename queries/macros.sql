-- Macros every query may use; created once per connection, before it is locked.
-- period_start(day, grain): first day of the week (Monday) / month / quarter containing `day`.
create or replace macro period_start(day, grain) as (cast(date_trunc(grain, day) as date));
