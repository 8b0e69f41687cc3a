-- The appeal capture panel of each market page: of the errors QA found in the latest 28
-- settled days, the share appealed and the share overturned on appeal (views/appeal_capture.sql,
-- over the days of windows.sql).
select
    market,
    metric,
    first_day,
    last_day,
    audited,
    qa_errors,
    qa_errors_appealed,
    qa_errors_overturned,
    qa_error_n,
    appeal_rate,
    appeal_rate_low,
    appeal_rate_high,
    capture_rate,
    capture_rate_low,
    capture_rate_high,
    not_appealed_rate,
    appealed_not_overturned_rate,
    appeal_based_rate,
    audit_based_rate
from appeal_capture_between($capture_first_day, $capture_last_day)
order by market, metric desc;
