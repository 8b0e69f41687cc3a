-- alert_thresholds: the alert rules each (metric, market) was judged by, as resolved from the
-- [alerts] settings. Grain: (metric, market). Rewritten by every alerts run, so it always holds
-- the rules behind the current alert history.
create table if not exists alert_thresholds (
    metric varchar not null,               -- overkill_rate | leakage_rate | audit_overkill_rate
                                           -- | audit_leakage_rate | penalty_ratio
    market varchar not null,               -- BR | LATAM | EMEA
    direction varchar not null,            -- above: high values are bad | below: low values are bad
    warn_threshold double not null,
    critical_threshold double not null,
    recovery_threshold double not null,    -- an open alert resolves once the value is back past it
    min_denominator bigint not null,       -- days with a smaller denominator are not judged
    for_days integer not null,             -- consecutive breaching judged days that open an alert
    provisional_opens boolean not null     -- whether provisional days are judged
);
