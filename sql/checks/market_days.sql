-- market_days: upstream health per (day, market) for the days run run_id brought decisions for
-- (every day when every_day), every market on every such day, with the trailing median of the
-- trailing_days days before it. A failed export shows as a missing market-day, a volume far
-- from its median, a machine share that jumps, or appeals or audits that stop arriving.
-- A market's days are in its own zone (macros.sql market_day), so "every such day" is, for
-- each market, its days that the run's moments fall on: when EMEA counts in Paris, a decision
-- at 23:30 UTC brings EMEA's next day but not BR's or LATAM's.
-- Variables: run_id, every_day, trailing_days, market_timezones (checks/market_timezones.sql),
-- expected_markets, arrival_decisions_from (optional: checks/arrival_decisions_from.sql).
with checked_days as (
    select distinct metric_date
    from decision_rows
    where run_id = getvariable('run_id') or getvariable('every_day')
),

-- the run's moments in 15-minute buckets: every zone's offset is a multiple of 15 minutes, so
-- no bucket straddles a local midnight
checked_moments as (
    select distinct to_timestamp(floor(epoch(decided_at) / 900) * 900) as moment
    from decision_rows
    where run_id = getvariable('run_id') or getvariable('every_day')
),

-- the expected markets, and any other market with decisions on a checked day
checked_markets as (
    select unnest(getvariable('expected_markets')::varchar[]) as market
    union
    select distinct market
    from decision_rows
    where metric_date in (select metric_date from checked_days)
),

grid as (
    select distinct
        market_day(checked_markets.market, checked_moments.moment) as metric_date,
        checked_markets.market
    from checked_moments
    cross join checked_markets
),

window_start as (
    select min(metric_date) - getvariable('trailing_days')::integer as first_day from grid
),

decisions_by_day as (
    select
        metric_date,
        market,
        sum(decisions)::bigint as decisions,
        sum(decisions) filter (where source = 'machine') / sum(decisions) as machine_share
    from daily_metrics
    where metric_date >= (select first_day from window_start)
    group by metric_date, market
),

-- appeals and audits by the day they were filed or done (in its zone), in the market of their
-- decision. Their decisions are looked for in two passes, so that the check costs the window,
-- not the history: among the days from arrival_decisions_from (a constant bound:
-- sql/checks/arrival_decisions_from.sql), then, for those not found there, among the older days
window_arrivals as (
    select decision_id, appealed_at as arrived_at, 'appeals' as kind
    from appeals
    where appealed_at >= (select first_day from window_start)
    union all
    select decision_id, audited_at, 'audits'
    from audits
    where audited_at >= (select first_day from window_start)
),

recent_decisions as (
    select decision_id, market
    from decisions
    where metric_date >= coalesce(getvariable('arrival_decisions_from'), '-infinity'::date)
      and decision_id in (select decision_id from window_arrivals)
),

arrival_decisions as (
    select decision_id, market
    from recent_decisions
    union all
    select decision_id, market
    from decisions
    where metric_date < coalesce(getvariable('arrival_decisions_from'), '-infinity'::date)
      and decision_id in (
          select decision_id
          from window_arrivals
          anti join recent_decisions using (decision_id)
      )
),

arrivals as (
    select
        market_day(arrival_decisions.market, window_arrivals.arrived_at) as day,
        arrival_decisions.market,
        window_arrivals.kind
    from window_arrivals
    join arrival_decisions using (decision_id)
),

arrivals_by_day as (
    select
        day as metric_date,
        market,
        count(*) filter (where kind = 'appeals') as appeals_filed,
        count(*) filter (where kind = 'audits') as audits_done
    from arrivals
    group by day, market
),

days as (
    select
        grid.metric_date,
        grid.market,
        coalesce(decisions_by_day.decisions, 0) as decisions,
        decisions_by_day.machine_share,
        coalesce(arrivals_by_day.appeals_filed, 0) as appeals_filed,
        coalesce(arrivals_by_day.audits_done, 0) as audits_done
    from grid
    left join decisions_by_day using (metric_date, market)
    left join arrivals_by_day using (metric_date, market)
),

medians as (
    select
        days.metric_date,
        days.market,
        median(history.decisions) as median_decisions,
        median(history.machine_share) as median_machine_share,
        median(coalesce(history_arrivals.appeals_filed, 0)) as median_appeals_filed,
        median(coalesce(history_arrivals.audits_done, 0)) as median_audits_done
    from days
    join decisions_by_day as history
        on history.market = days.market
        and history.metric_date between days.metric_date - getvariable('trailing_days')::integer
                                    and days.metric_date - 1
    left join arrivals_by_day as history_arrivals
        on history_arrivals.market = history.market
        and history_arrivals.metric_date = history.metric_date
    group by days.metric_date, days.market
)

select
    days.metric_date,
    days.market,
    days.market in (select unnest(getvariable('expected_markets')::varchar[])) as expected,
    days.decisions,
    medians.median_decisions,
    days.decisions / nullif(medians.median_decisions, 0) as volume_vs_median,
    days.machine_share - medians.median_machine_share as machine_share_change,
    -- NULL (not judged) where nothing was expected: no history, or none usually arrives
    case when days.decisions > 0 and medians.median_appeals_filed > 0
         then days.appeals_filed / medians.median_appeals_filed end as appeals_vs_median,
    case when days.decisions > 0 and medians.median_audits_done > 0
         then days.audits_done / medians.median_audits_done end as audits_vs_median
from days
left join medians using (metric_date, market)
order by days.metric_date, days.market
