-- kpi_periods: the windows the dashboard tiles compare. The latest complete day is the last day
-- with decisions before the as-of date (which is still being filled); the settled windows end
-- on the latest day out of the appeal window, whose appeal-based numbers no longer move.
-- The latest day is compared with the same weekday a week before, not with the day before:
-- volumes and rates follow the week (weekends differ), so like is compared with like.
-- Grain: period. Empty until a run has recorded its as-of date.
create or replace view kpi_periods as
with latest as (
    select
        max(metric_date) as day,
        least(
            max(metric_date),
            (select as_of_date - appeal_window_days from warehouse_info)
        ) as settled_day
    from daily_metrics
    where metric_date < (select as_of_date from warehouse_info)
)

select 'latest_day' as period, day as first_day, day as last_day from latest where day is not null
union all
select 'same_day_last_week', day - 7, day - 7 from latest where day is not null
union all
select 'last_7_days', day - 6, day from latest where day is not null
union all
select 'previous_7_days', day - 13, day - 7 from latest where day is not null
union all
select 'settled_7_days', settled_day - 6, settled_day from latest where day is not null
union all
select 'previous_settled_7_days', settled_day - 13, settled_day - 7 from latest where day is not null;
