"""Deterministic synthetic landing data for the modmetrics pipeline.

``generate_landing`` writes a *landing folder* with three tables::

    out/decisions/YYYY/MM/decisions_YYYY-MM-DD[_partN].{csv,csv.gz,parquet}
    out/decisions/late/decisions_YYYY-MM-DD_redelivered_YYYY-MM-DD.<ext>
    out/appeals/YYYY/MM/appeals_YYYY-MM-DD.<ext>
    out/audits/YYYY/MM/audits_YYYY-MM-DD[_machine_qa|_human_qa].<ext>

Decisions are written in the file of the (UTC) day they were taken; appeal rows in the file of
the day they were filed (``pending`` row) and of the day they were resolved (resolved row, same
``appeal_id``); audits in the file of the day they were done (a tenth of them with a blind
second audit by another auditor, done earlier, in the same file: the calibration re-audits).
A few decision days are delivered only under ``decisions/late/``.

Everything is vectorised (numpy + polars), generated one day at a time, and deterministic: the
same arguments give byte-identical files.  Each day uses its own ``numpy`` generator seeded from
``(seed, stream, day)``, and the file layout (format, column order, timestamp style) uses
streams of its own, so ``file_format`` changes how rows are written but not which rows exist.

The underlying "truth" model: each decision is wrong with a probability that depends on policy,
market and source (machine > human).  Wrong decisions are appealed more often and usually
overturned; QA audits (machine decisions sampled 4x less, so they carry ``sample_weight`` 4)
see the truth through a small QA error rate.

Dirty rows (share ``dirty_share`` of the base rows of each table, spread over the kinds in
``DECISION_DIRT``, ``APPEAL_DIRT`` and ``AUDIT_DIRT``) are counted per kind in the returned
summary.  Invalidating decision dirt (missing ids, bad market, bad/future timestamp, missing
policy, conflicting duplicate) is only put on decisions that have no appeal and no audit, so
every appeal references an existing, valid decision except the explicit ``orphan_appeal`` rows.
In parquet files an unparseable timestamp cannot be stored, so it becomes a NULL timestamp.
"""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import numpy as np
import polars as pl

from warehouse.vocabulary import MARKETS

# --------------------------------------------------------------------------------------------
# Vocabulary and model parameters
# --------------------------------------------------------------------------------------------

MARKET_SHARE = np.array([0.45, 0.30, 0.25])
# Local UTC offsets (minutes) per market and their shares: BR mostly Brasilia time; LATAM =
# MX/CO-PE/CL/AR; EMEA = UK/CET/EET/MSK-ish.
MARKET_OFFSETS = (
    (np.array([-180, -240]), np.array([0.9, 0.1])),
    (np.array([-360, -300, -240, -180]), np.array([0.40, 0.30, 0.10, 0.20])),
    (np.array([0, 60, 120, 180]), np.array([0.20, 0.40, 0.25, 0.15])),
)
ALL_OFFSETS = np.array([-360, -300, -240, -180, 0, 60, 120, 180])

OBJECT_TYPES = ("live", "video", "comment", "photo", "account")
OBJECT_SHARE = np.array([0.22, 0.33, 0.30, 0.08, 0.07])

POLICIES = (
    "minor_safety",
    "violent_extremism",
    "hate_speech",
    "adult_nudity",
    "harassment",
    "spam",
    "dangerous_acts",
    "ip_violation",
)
# P(policy | object_type), rows follow OBJECT_TYPES, columns follow POLICIES.
POLICY_BY_OBJECT = np.array(
    [
        [0.05, 0.04, 0.10, 0.20, 0.12, 0.10, 0.19, 0.20],  # live
        [0.06, 0.05, 0.09, 0.17, 0.08, 0.15, 0.15, 0.25],  # video
        [0.02, 0.03, 0.20, 0.05, 0.30, 0.35, 0.03, 0.02],  # comment
        [0.06, 0.04, 0.08, 0.35, 0.07, 0.15, 0.05, 0.20],  # photo
        [0.08, 0.06, 0.08, 0.05, 0.10, 0.55, 0.03, 0.05],  # account
    ]
)
SEVERE_POLICIES = np.array([0, 1])  # minor_safety, violent_extremism: bans are common

SOURCES = ("human", "machine")  # code 0 = human, 1 = machine
MACHINE_SHARE_BY_POLICY = np.array([0.50, 0.60, 0.55, 0.75, 0.50, 0.85, 0.60, 0.75])

ACTIONS = ("no_action", "penalize")  # code 1 = penalize
PEN_BY_POLICY = np.array([0.44, 0.40, 0.36, 0.42, 0.31, 0.45, 0.34, 0.30])
PEN_BY_MARKET = np.array([1.00, 0.94, 1.06])
PEN_BY_SOURCE = np.array([0.93, 1.04])

PENALTIES = (
    "warning",
    "content_removal",
    "visibility_restriction",
    "live_suspension",
    "comment_restriction",
    "account_suspension",
    "account_ban",
)
# P(penalty | object_type), rows follow OBJECT_TYPES, columns follow PENALTIES.
PENALTY_BY_OBJECT = np.array(
    [
        [0.20, 0.10, 0.00, 0.55, 0.00, 0.10, 0.05],  # live
        [0.15, 0.55, 0.22, 0.00, 0.00, 0.05, 0.03],  # video
        [0.25, 0.55, 0.00, 0.00, 0.15, 0.03, 0.02],  # comment
        [0.15, 0.65, 0.15, 0.00, 0.00, 0.03, 0.02],  # photo
        [0.30, 0.00, 0.00, 0.00, 0.00, 0.40, 0.30],  # account
    ]
)
ACCOUNT_BAN = PENALTIES.index("account_ban")

QUEUES = (
    "live_realtime",
    "live_report",
    "video_autoflag",
    "video_report",
    "comment_autoflag",
    "comment_report",
    "photo_autoflag",
    "photo_report",
    "account_autoflag",
    "account_review",
    "escalations",
)
# QUEUE_BY_OBJECT[object_type, source] -> queue code (source 0 = human, 1 = machine).
QUEUE_BY_OBJECT = np.array([[1, 0], [3, 2], [5, 4], [7, 6], [9, 8]])
ESCALATIONS = QUEUES.index("escalations")

# True error probabilities: overkill (penalty on non-violating content) and leakage (no action
# on violating content), = by_policy * by_market * by_source.
OVERKILL_BY_POLICY = np.array([0.024, 0.032, 0.052, 0.036, 0.056, 0.048, 0.044, 0.064])
OVERKILL_BY_MARKET = np.array([1.00, 1.20, 0.80])
OVERKILL_BY_SOURCE = np.array([0.60, 1.25])
LEAKAGE_BY_POLICY = np.array([0.010, 0.012, 0.025, 0.020, 0.025, 0.030, 0.020, 0.018])
LEAKAGE_BY_MARKET = np.array([1.00, 1.15, 0.85])
LEAKAGE_BY_SOURCE = np.array([0.70, 1.20])

# Appeals: P(appeal | action, wrong) and P(overturn | action, wrong); index [action, wrong].
P_APPEAL = np.array([[0.022, 0.14], [0.07, 0.25]])
P_OVERTURN = np.array([[0.010, 0.70], [0.015, 0.70]])
APPEAL_DELAY_DAYS_P = np.array([0.40, 0.30, 0.15, 0.10, 0.01, 0.01, 0.01, 0.01, 0.01])
STATUSES = ("pending", "upheld", "overturned")
APPELLANTS = ("reporter", "creator")  # code = action code (penalty -> creator)

# QA: human decisions sampled at AUDIT_RATE_HUMAN, machine ones 4x less (weight 4).
AUDIT_RATE_HUMAN = 0.095
AUDIT_WEIGHT = np.array([1, 4])  # by source code
QA_ERROR = 0.008
# Calibration: this share of the clean audits comes with a blind second audit of the same
# decision by another auditor, done earlier (so the audit that counts, the latest, is unchanged)
# and delivered in the same file.
REAUDIT_SHARE = 0.10
VERDICTS = ("non_violating", "violating")

WEEKDAY_FACTOR = np.array([0.93, 0.91, 0.92, 0.96, 1.03, 1.14, 1.11])  # Monday .. Sunday
HOUR_WEIGHTS = np.array(
    [2.0, 1.4, 1.0, 0.7, 0.5, 0.5, 0.7, 1.0, 1.4, 1.8, 2.1, 2.4]
    + [2.6, 2.6, 2.6, 2.7, 2.9, 3.2, 3.6, 4.0, 4.3, 4.2, 3.6, 2.8]
)

# Dirty-row kinds and their shares among the dirty rows of each table.
DECISION_DIRT = {
    "missing_decision_id": 0.08,
    "missing_object_id": 0.08,
    "missing_creator_id": 0.08,
    "invalid_market": 0.12,
    "messy_code_case": 0.30,  # VALID: " br ", "PENALIZE", ...
    "unparseable_decided_at": 0.12,
    "future_decided_at": 0.10,
    "penalize_without_policy": 0.08,
    "identical_duplicate": 0.02,
    "conflicting_duplicate": 0.02,
}
APPEAL_DIRT = {
    "overturned_without_resolved_at": 0.22,
    "resolved_before_appealed": 0.22,
    "orphan_appeal": 0.16,
    "messy_status_case": 0.25,  # VALID
    "unparseable_appealed_at": 0.15,
}
AUDIT_DIRT = {
    "nonpositive_sample_weight": 0.35,
    "messy_verdict_case": 0.30,  # VALID
    "unparseable_audited_at": 0.20,
    "invalid_verdict": 0.15,
}
VALID_DIRT = ("messy_code_case", "messy_status_case", "messy_verdict_case")
BAD_MARKETS = ("XX", "US", "APAC", "xx")
BAD_VERDICTS = ("unsure", "N/A", "needs_review")
BAD_WEIGHTS = np.array([0.0, -1.0, -4.0])
FUTURE_YEAR = 2099

# CSV timestamp styles: 0 = local time with offset, 1 = UTC with "Z", 2 = "YYYY-MM-DD HH:MM:SS".
STYLE_PROFILES = np.array([[0.60, 0.25, 0.15], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
STYLE_PROFILE_P = np.array([0.50, 0.20, 0.15, 0.15])

FILE_FORMATS = ("mixed", "csv", "parquet")
DAY_US = 86_400 * 1_000_000
SEC_US = 1_000_000

# Stream ids for numpy generators: default_rng([seed, stream, day]).
_S_PLAN, _S_DATA, _S_DEC_DIRT, _S_APP_DIRT, _S_AUD_DIRT = 0, 1, 2, 3, 4
_S_DEC_LAYOUT, _S_APP_LAYOUT, _S_AUD_LAYOUT = 5, 6, 7
_S_REAUDIT = 8


# --------------------------------------------------------------------------------------------
# Small vectorised helpers
# --------------------------------------------------------------------------------------------


def _codes(names: tuple[str, ...], idx: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    """Map integer codes to strings (NULL where ``valid`` is False)."""
    lookup = pl.Series(values=[*names, None], dtype=pl.String)
    if valid is not None:
        idx = np.where(valid, idx, len(names))
    return lookup.gather(np.asarray(idx, dtype=np.int64))


def _id(col: str, prefix: str, width: int) -> pl.Expr:
    """Int column -> ``prefix`` + zero padded number (NULL stays NULL)."""
    return pl.concat_str(pl.lit(prefix), pl.col(col).cast(pl.String).str.zfill(width)).alias(col)


def _pick(rng: np.random.Generator, eligible: np.ndarray, k: int) -> np.ndarray:
    cand = np.flatnonzero(eligible)
    k = min(int(k), cand.size)
    if k == 0:
        return cand[:0]
    return np.sort(rng.choice(cand, size=k, replace=False))


def _cum_choice(rng: np.random.Generator, cum: np.ndarray) -> np.ndarray:
    """Row-wise categorical draw; ``cum`` is an (n, k) array of cumulative probabilities."""
    u = rng.random(cum.shape[0])
    return np.minimum((u[:, None] >= cum).sum(axis=1), cum.shape[1] - 1)


def _mask(n: int, idx: np.ndarray) -> np.ndarray:
    m = np.zeros(n, dtype=bool)
    m[idx] = True
    return m


def _offset_str() -> pl.Expr:
    off = pl.col("_off").cast(pl.Int32)
    return pl.concat_str(
        pl.when(off < 0).then(pl.lit("-")).otherwise(pl.lit("+")),
        (off.abs() // 60).cast(pl.String).str.zfill(2),
        pl.lit(":"),
        (off.abs() % 60).cast(pl.String).str.zfill(2),
    )


def _render_ts(col: str) -> pl.Expr:
    """Int64 UTC microseconds -> ISO 8601 string in the row's ``_style``."""
    ts = pl.col(col).cast(pl.Datetime("us"))
    local = ts + pl.duration(minutes=pl.col("_off"))
    return (
        pl.when(pl.col("_style") == 0)
        .then(pl.concat_str(local.dt.strftime("%Y-%m-%dT%H:%M:%S"), _offset_str()))
        .when(pl.col("_style") == 1)
        .then(ts.dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
        .otherwise(ts.dt.strftime("%Y-%m-%d %H:%M:%S"))
        .alias(col)
    )


def _messy(col: str, variant: str) -> pl.Expr:
    """A valid code value with another case and/or extra spaces (variant column 0..2)."""
    c = pl.col(col)
    flipped = (
        pl.when(c == c.str.to_uppercase())
        .then(c.str.to_lowercase())
        .otherwise(c.str.to_uppercase())
    )
    v = pl.col(variant)
    return (
        pl.when(v == 0)
        .then(flipped)
        .when(v == 1)
        .then(pl.concat_str(pl.lit(" "), c, pl.lit(" ")))
        .otherwise(pl.concat_str(pl.lit("  "), flipped))
    )


def _concat_chunks(chunks: list[dict[str, np.ndarray]], keys: tuple[str, ...]) -> dict:
    return {k: np.concatenate([c[k] for c in chunks]) for k in keys}


# --------------------------------------------------------------------------------------------
# Generator
# --------------------------------------------------------------------------------------------

_APPEAL_KEYS = ("day", "ets", "anum", "dnum", "appealed", "status", "resolved", "appellant", "off")
_AUDIT_KEYS = (
    "day",
    "ets",
    "qnum",
    "dnum",
    "audited",
    "verdict",
    "auditor",
    "src",
    "off",
    "decided",
    "truth",
)


class _Landing:
    def __init__(
        self,
        out: Path,
        start: dt.date,
        days: int,
        decisions_per_day: int,
        seed: int,
        dirty_share: float,
        file_format: str,
    ) -> None:
        self.out = out
        self.start = start
        self.days = days
        self.seed = seed
        self.dirty_share = dirty_share
        self.file_format = file_format
        epoch = dt.date(1970, 1, 1)
        self.start_us = (start - epoch).days * DAY_US
        self.end_us = self.start_us + days * DAY_US

        plan = self._rng(_S_PLAN, 0)
        weekday = np.array([(start + dt.timedelta(days=d)).weekday() for d in range(days)])
        factor = WEEKDAY_FACTOR[weekday] / WEEKDAY_FACTOR.mean()
        noise = np.exp(plan.normal(0.0, 0.05, size=days))
        trend = 1.0 + 0.001 * np.arange(days)
        self.n_per_day = np.maximum(
            1, np.rint(decisions_per_day * factor * noise * trend).astype(np.int64)
        )
        n_late = 0 if days < 3 else max(1, days // 20)
        self.late_days = set(plan.choice(np.arange(1, days), size=n_late, replace=False).tolist())

        total = int(self.n_per_day.sum())
        self.total = total
        self.width = max(8, len(str(2 * total + 1000)))
        # Entity pools: creators (about 8 decisions each over the window), moderators (~120
        # human decisions a day each), auditors (~80 audits a day each).
        human_share = 0.35
        self.creator_pool = np.maximum(50, (total * MARKET_SHARE / 8).astype(np.int64))
        self.creator_base = np.concatenate([[0], np.cumsum(self.creator_pool)[:-1]]) + 1
        self.mod_pool = np.maximum(
            5, np.ceil(decisions_per_day * MARKET_SHARE * human_share / 120).astype(np.int64)
        )
        self.mod_base = np.concatenate([[0], np.cumsum(self.mod_pool)[:-1]]) + 1
        self.n_auditors = max(6, int(np.ceil(decisions_per_day * 0.05 / 80)))
        self.auditor_base = 500_001

        self.next_dec = 1
        self.next_obj = 1
        self.next_app = 1
        self.next_aud = 1
        self.next_reaudit = 1
        self.next_orphan = total + 1

        self.appeal_chunks: list[dict[str, np.ndarray]] = []
        self.audit_chunks: list[dict[str, np.ndarray]] = []
        self.carry: pl.DataFrame | None = None

        self.rows = {"decisions": 0, "appeals": 0, "audits": 0}
        self.dirty = {k: 0 for k in (*DECISION_DIRT, *APPEAL_DIRT, *AUDIT_DIRT)}
        self.files: list[Path] = []

    def _rng(self, stream: int, day: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, stream, day])

    def _day(self, d: int) -> dt.date:
        return self.start + dt.timedelta(days=d)

    # ---------------------------------------------------------------- decisions

    def _decisions(self, d: int) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
        """Clean decisions of day ``d``; also queues their appeal and audit events."""
        rng = self._rng(_S_DATA, d)
        n = int(self.n_per_day[d])

        mk = rng.choice(3, size=n, p=MARKET_SHARE)
        off = np.zeros(n, dtype=np.int16)
        for m, (offsets, p) in enumerate(MARKET_OFFSETS):
            sel = mk == m
            off[sel] = rng.choice(offsets, size=int(sel.sum()), p=p)
        local_s = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum()) * 3600
        local_s = local_s + rng.integers(0, 3600, size=n)
        utc_s = (local_s - off.astype(np.int64) * 60) % 86_400
        order = np.argsort(utc_s, kind="stable")
        mk, off = mk[order], off[order]
        ts = self.start_us + d * DAY_US + utc_s[order] * SEC_US

        ot = rng.choice(len(OBJECT_TYPES), size=n, p=OBJECT_SHARE)
        creator = self.creator_base[mk] + (self.creator_pool[mk] * rng.random(n) ** 2.2).astype(
            np.int64
        )
        # ~6% of decisions are about an object already decided earlier the same day.
        reuse = rng.random(n) < 0.06
        reuse[:1] = False
        root = np.where(reuse, (rng.random(n) * np.arange(n)).astype(np.int64), np.arange(n))
        while True:
            nxt = root[root]
            if np.array_equal(nxt, root):
                break
            root = nxt
        obj = np.zeros(n, dtype=np.int64)
        fresh = ~reuse
        obj[fresh] = self.next_obj + np.arange(int(fresh.sum()))
        self.next_obj += int(fresh.sum())
        obj, ot, creator, mk, off = obj[root], ot[root], creator[root], mk[root], off[root]

        pol = _cum_choice(rng, np.cumsum(POLICY_BY_OBJECT, axis=1)[ot])
        src = (rng.random(n) < MACHINE_SHARE_BY_POLICY[pol]).astype(np.int64)
        p_pen = PEN_BY_POLICY[pol] * PEN_BY_MARKET[mk] * PEN_BY_SOURCE[src]
        act = (rng.random(n) < p_pen).astype(np.int64)
        pen = act == 1
        penalty = _cum_choice(rng, np.cumsum(PENALTY_BY_OBJECT, axis=1)[ot])
        severe = np.isin(pol, SEVERE_POLICIES) & (rng.random(n) < 0.35)
        penalty = np.where(severe, ACCOUNT_BAN, penalty)

        human = src == 0
        mod = self.mod_base[mk] + (self.mod_pool[mk] * rng.random(n) ** 1.3).astype(np.int64)
        mod = np.where(human, mod, -1)
        queue = QUEUE_BY_OBJECT[ot, src]
        queue = np.where(human & (rng.random(n) < 0.05), ESCALATIONS, queue)
        queue = np.where(rng.random(n) < 0.03, -1, queue)

        p_wrong = np.where(
            pen,
            OVERKILL_BY_POLICY[pol] * OVERKILL_BY_MARKET[mk] * OVERKILL_BY_SOURCE[src],
            LEAKAGE_BY_POLICY[pol] * LEAKAGE_BY_MARKET[mk] * LEAKAGE_BY_SOURCE[src],
        )
        wrong = rng.random(n) < p_wrong

        dnum = self.next_dec + np.arange(n, dtype=np.int64)
        self.next_dec += n

        appealed = self._queue_appeals(rng, dnum, ts, act, wrong, off)
        audited = self._queue_audits(rng, dnum, ts, act, wrong, src, off)

        frame = pl.DataFrame(
            {
                "decision_id": dnum,
                "object_id": obj,
                "object_type": _codes(OBJECT_TYPES, ot),
                "creator_id": creator,
                "market": _codes(MARKETS, mk),
                "policy": _codes(POLICIES, pol),
                "action": _codes(ACTIONS, act),
                "penalty": _codes(PENALTIES, penalty, valid=pen),
                "source": _codes(SOURCES, src),
                "moderator_id": pl.Series(mod).set(pl.Series(~human), None),
                "queue": _codes(QUEUES, queue, valid=queue >= 0),
                "decided_at": ts,
                "_off": off,
            }
        ).with_columns(
            _id("decision_id", "d-", self.width),
            _id("object_id", "o-", self.width),
            _id("creator_id", "c-", self.width),
            _id("moderator_id", "m-", 6),
            pl.lit(None, dtype=pl.String).alias("_bad"),
        )
        return frame, appealed | audited, pen

    def _queue_appeals(self, rng, dnum, ts, act, wrong, off) -> np.ndarray:
        n = dnum.size
        w = wrong.astype(np.int64)
        appealed_mask = rng.random(n) < P_APPEAL[act, w]
        idx = np.flatnonzero(appealed_mask)
        m = idx.size
        delay_days = rng.choice(APPEAL_DELAY_DAYS_P.size, size=m, p=APPEAL_DELAY_DAYS_P)
        delay_s = delay_days * 86_400 + rng.integers(300, 86_400, size=m)
        appealed = ts[idx] + delay_s * SEC_US
        fast = rng.random(m) < 0.15
        res_s = np.where(
            fast,
            np.exp(rng.normal(np.log(6 * 3600), 0.8, size=m)),
            np.exp(rng.normal(np.log(4.5 * 86_400), 0.9, size=m)),
        )
        res_s = np.clip(res_s, 900, 45 * 86_400).astype(np.int64)
        resolved = appealed + res_s * SEC_US
        overturned = rng.random(m) < P_OVERTURN[act[idx], w[idx]]

        keep = appealed < self.end_us
        idx, appealed, resolved, overturned = (
            idx[keep],
            appealed[keep],
            resolved[keep],
            overturned[keep],
        )
        m = idx.size
        anum = self.next_app + np.arange(m, dtype=np.int64)
        self.next_app += m
        aday = (appealed - self.start_us) // DAY_US
        rday = (resolved - self.start_us) // DAY_US
        done = resolved < self.end_us
        pend = ~done | (rday > aday)  # resolved the same day: only the resolved row

        p, r = np.flatnonzero(pend), np.flatnonzero(done)
        final = np.where(overturned, 2, 1).astype(np.int8)
        chunk = {
            "day": np.concatenate([aday[p], rday[r]]),
            "ets": np.concatenate([appealed[p], resolved[r]]),
            "anum": np.concatenate([anum[p], anum[r]]),
            "dnum": np.concatenate([dnum[idx[p]], dnum[idx[r]]]),
            "appealed": np.concatenate([appealed[p], appealed[r]]),
            "status": np.concatenate([np.zeros(p.size, dtype=np.int8), final[r]]),
            "resolved": np.concatenate([np.full(p.size, -1, dtype=np.int64), resolved[r]]),
            "appellant": np.concatenate([act[idx[p]], act[idx[r]]]),
            "off": np.concatenate([off[idx[p]], off[idx[r]]]),
        }
        if chunk["day"].size:
            self.appeal_chunks.append(chunk)
        return _mask(n, idx)

    def _queue_audits(self, rng, dnum, ts, act, wrong, src, off) -> np.ndarray:
        n = dnum.size
        rate = AUDIT_RATE_HUMAN / AUDIT_WEIGHT[src]
        sampled = rng.random(n) < rate
        idx = np.flatnonzero(sampled)
        m = idx.size
        delay_s = rng.integers(86_400, 7 * 86_400, size=m)
        audited = ts[idx] + delay_s * SEC_US
        truth = act[idx] ^ wrong[idx].astype(np.int64)  # 1 = violating
        qa_err = rng.random(m) < QA_ERROR
        verdict = (truth ^ qa_err.astype(np.int64)).astype(np.int8)
        auditor = self.auditor_base + rng.integers(0, self.n_auditors, size=m)

        keep = audited < self.end_us
        idx, audited, verdict, auditor = idx[keep], audited[keep], verdict[keep], auditor[keep]
        truth = truth[keep]
        m = idx.size
        qnum = self.next_aud + np.arange(m, dtype=np.int64)
        self.next_aud += m
        chunk = {
            "day": (audited - self.start_us) // DAY_US,
            "ets": audited,
            "qnum": qnum,
            "dnum": dnum[idx],
            "audited": audited,
            "verdict": verdict,
            "auditor": auditor,
            "src": src[idx],
            "off": off[idx],
            "decided": ts[idx],
            "truth": truth,
        }
        if m:
            self.audit_chunks.append(chunk)
        return _mask(n, idx)

    def _dirty_decisions(
        self, d: int, df: pl.DataFrame, has_event: np.ndarray, pen: np.ndarray
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Returns (rows for today's file, duplicate rows carried into tomorrow's file)."""
        rng = self._rng(_S_DEC_DIRT, d)
        n = df.height
        k = rng.binomial(n, self.dirty_share)
        counts = rng.multinomial(k, list(DECISION_DIRT.values()))
        field = rng.integers(0, 4, size=n)
        variant = rng.integers(0, 3, size=n)
        bad_market = rng.integers(0, len(BAD_MARKETS), size=n)
        bad_ts = rng.integers(0, 5, size=n)
        flip_action = rng.random(n) < 0.5
        rotate = rng.integers(1, 3, size=n)
        to_next = (rng.random(n) < 0.5) & (d < self.days - 1)

        used = np.zeros(n, dtype=bool)
        sel: dict[str, np.ndarray] = {}
        for kind, cnt in zip(DECISION_DIRT, counts, strict=True):
            if kind in ("messy_code_case", "identical_duplicate"):
                elig = ~used
            elif kind == "penalize_without_policy":
                elig = ~used & ~has_event & pen
            else:
                elig = ~used & ~has_event
            idx = _pick(rng, elig, cnt)
            used[idx] = True
            sel[kind] = _mask(n, idx)
            self.dirty[kind] += idx.size
        if not used.any():
            return df, df.clear()

        y = self._day(d).year
        future_shift_us = (dt.date(FUTURE_YEAR, 1, 1) - dt.date(y, 1, 1)).days * DAY_US
        bad_ts_values = pl.Series(
            [
                "yesterday",
                f"{y}-13-45",
                "not a timestamp",
                f"31/12/{y} 10:00",
                f"{y}-02-30T10:00:00Z",
            ]
        )
        market_rot = {
            1: {"BR": "LATAM", "LATAM": "EMEA", "EMEA": "BR"},
            2: {"BR": "EMEA", "LATAM": "BR", "EMEA": "LATAM"},
        }
        df = df.with_columns(
            *(pl.Series(f"_k_{kind}", mask) for kind, mask in sel.items()),
            pl.Series("_field", field),
            pl.Series("_variant", variant),
            pl.Series("_bad_market", _codes(BAD_MARKETS, bad_market)),
            pl.Series("_bad_ts", bad_ts_values.gather(bad_ts)),
            pl.Series("_flip", flip_action),
            pl.Series("_rot", rotate),
            pl.Series("_next", to_next),
        )
        messy = pl.col("_k_messy_code_case")
        df = df.with_columns(
            pl.when(pl.col("_k_missing_decision_id"))
            .then(None)
            .otherwise(pl.col("decision_id"))
            .alias("decision_id"),
            pl.when(pl.col("_k_missing_object_id"))
            .then(None)
            .otherwise(pl.col("object_id"))
            .alias("object_id"),
            pl.when(pl.col("_k_missing_creator_id"))
            .then(None)
            .otherwise(pl.col("creator_id"))
            .alias("creator_id"),
            pl.when(pl.col("_k_invalid_market"))
            .then(pl.col("_bad_market"))
            .when(messy & (pl.col("_field") == 0))
            .then(_messy("market", "_variant"))
            .otherwise(pl.col("market"))
            .alias("market"),
            pl.when(messy & (pl.col("_field") == 1))
            .then(_messy("action", "_variant"))
            .otherwise(pl.col("action"))
            .alias("action"),
            pl.when(messy & (pl.col("_field") == 2))
            .then(_messy("source", "_variant"))
            .otherwise(pl.col("source"))
            .alias("source"),
            pl.when(pl.col("_k_penalize_without_policy"))
            .then(None)
            .when(messy & (pl.col("_field") == 3))
            # policy is free text, not a code value: only its spacing varies, never its case
            .then(pl.concat_str([pl.lit(" "), pl.col("policy"), pl.lit("  ")]))
            .otherwise(pl.col("policy"))
            .alias("policy"),
            pl.when(pl.col("_k_future_decided_at"))
            .then(pl.col("decided_at") + future_shift_us)
            .otherwise(pl.col("decided_at"))
            .alias("decided_at"),
            pl.when(pl.col("_k_unparseable_decided_at"))
            .then(pl.col("_bad_ts"))
            .otherwise(pl.col("_bad"))
            .alias("_bad"),
        )
        ident = df.filter(pl.col("_k_identical_duplicate"))
        is_pen = pl.col("action") == "penalize"
        rotated = (
            pl.when(pl.col("_rot") == 1)
            .then(pl.col("market").replace_strict(market_rot[1]))
            .otherwise(pl.col("market").replace_strict(market_rot[2]))
        )
        # Conflicting copy: same decision_id, either the other action or another market.
        conflict = df.filter(pl.col("_k_conflicting_duplicate")).with_columns(
            pl.when(~pl.col("_flip"))
            .then(pl.col("action"))
            .when(is_pen)
            .then(pl.lit("no_action"))
            .otherwise(pl.lit("penalize"))
            .alias("action"),
            pl.when(~pl.col("_flip"))
            .then(pl.col("penalty"))
            .when(is_pen)
            .then(None)
            .otherwise(pl.lit("warning"))
            .alias("penalty"),
            pl.when(pl.col("_flip")).then(pl.col("market")).otherwise(rotated).alias("market"),
        )
        dups = pl.concat([ident, conflict])
        keep_cols = [c for c in df.columns if not c.startswith("_") or c in ("_off", "_bad")]
        today = pl.concat([df, dups.filter(~pl.col("_next"))]).select(keep_cols)
        carry = dups.filter(pl.col("_next")).select(keep_cols)
        return today, carry

    # ---------------------------------------------------------------- appeals & audits

    def _take(self, chunks: list[dict], keys: tuple[str, ...], d: int) -> dict[str, np.ndarray]:
        parts, rest = [], []
        for c in chunks:
            sel = c["day"] == d
            if sel.any():
                parts.append({k: c[k][sel] for k in keys})
            if c["day"].max() > d:
                rest.append(c)
        chunks[:] = rest
        if not parts:
            return {k: np.zeros(0, dtype=np.int64) for k in keys}
        ev = _concat_chunks(parts, keys)
        order = np.lexsort((ev[keys[2]], ev["ets"]))
        return {k: v[order] for k, v in ev.items()}

    def _appeals(self, d: int) -> pl.DataFrame:
        ev = self._take(self.appeal_chunks, _APPEAL_KEYS, d)
        rng = self._rng(_S_APP_DIRT, d)
        n = ev["day"].size
        k = rng.binomial(n, self.dirty_share)
        counts = dict(zip(APPEAL_DIRT, rng.multinomial(k, list(APPEAL_DIRT.values())), strict=True))

        # Orphan appeals: decision ids that exist nowhere.
        m = int(counts.pop("orphan_appeal"))
        if m:
            day0 = self.start_us + d * DAY_US
            appealed = day0 + rng.integers(0, 43_200, size=m) * SEC_US
            status = rng.choice(3, size=m, p=[0.5, 0.3, 0.2]).astype(np.int8)
            resolved = np.where(
                status > 0, appealed + rng.integers(600, 40_000, size=m) * SEC_US, -1
            )
            orphan = {
                "day": np.full(m, d),
                "ets": np.where(status > 0, resolved, appealed),
                "anum": self.next_app + np.arange(m),
                "dnum": self.next_orphan + np.arange(m),
                "appealed": appealed,
                "status": status,
                "resolved": resolved,
                "appellant": rng.integers(0, 2, size=m),
                "off": rng.choice(ALL_OFFSETS, size=m),
            }
            self.next_app += m
            self.next_orphan += m
            ev = {key: np.concatenate([ev[key], orphan[key]]) for key in _APPEAL_KEYS}
            self.dirty["orphan_appeal"] += m
            n += m

        status, resolved, appealed = ev["status"], ev["resolved"].copy(), ev["appealed"]
        used = np.zeros(n, dtype=bool)
        sel = {}
        for kind, cnt in counts.items():
            if kind == "overturned_without_resolved_at":
                elig = status == 2
            elif kind == "resolved_before_appealed":
                elig = status > 0
            else:
                elig = np.ones(n, dtype=bool)
            idx = _pick(rng, elig & ~used, cnt)
            used[idx] = True
            sel[kind] = _mask(n, idx)
            self.dirty[kind] += idx.size
        variant = rng.integers(0, 3, size=n)
        bad_ts = rng.integers(0, 4, size=n)
        back_s = rng.integers(3600, 3 * 86_400, size=n)

        resolved = np.where(sel["resolved_before_appealed"], appealed - back_s * SEC_US, resolved)
        resolved_valid = (status > 0) & ~sel["overturned_without_resolved_at"]
        y = self._day(d).year
        bad_values = ("yesterday", f"{y}-13-45", "not a timestamp", f"{y}-02-30 10:00:00")
        frame = pl.DataFrame(
            {
                "appeal_id": ev["anum"].astype(np.int64),
                "decision_id": ev["dnum"].astype(np.int64),
                "appealed_at": appealed.astype(np.int64),
                "status": _codes(STATUSES, status),
                "resolved_at": pl.Series(resolved.astype(np.int64)).set(
                    pl.Series(~resolved_valid), None
                ),
                "appellant": _codes(APPELLANTS, ev["appellant"]),
                "_off": ev["off"].astype(np.int16),
                "_bad": _codes(bad_values, bad_ts, valid=sel["unparseable_appealed_at"]),
                "_messy": sel["messy_status_case"],
                "_variant": variant,
            }
        )
        return frame.with_columns(
            _id("appeal_id", "a-", self.width),
            _id("decision_id", "d-", self.width),
            pl.when(pl.col("_messy"))
            .then(_messy("status", "_variant"))
            .otherwise(pl.col("status"))
            .alias("status"),
        ).drop("_messy", "_variant")

    def _audits(self, d: int, split: bool) -> pl.DataFrame:
        ev = self._take(self.audit_chunks, _AUDIT_KEYS, d)
        rng = self._rng(_S_AUD_DIRT, d)
        n = ev["day"].size
        k = rng.binomial(n, self.dirty_share)
        counts = rng.multinomial(k, list(AUDIT_DIRT.values()))
        used = np.zeros(n, dtype=bool)
        sel = {}
        for kind, cnt in zip(AUDIT_DIRT, counts, strict=True):
            elig = ~used
            if kind == "nonpositive_sample_weight" and split:
                elig &= ev["src"] == 1  # only the machine file keeps the weight column
            idx = _pick(rng, elig, cnt)
            used[idx] = True
            sel[kind] = _mask(n, idx)
            self.dirty[kind] += idx.size
        variant = rng.integers(0, 3, size=n)
        bad_w = rng.integers(0, BAD_WEIGHTS.size, size=n)
        bad_v = rng.integers(0, len(BAD_VERDICTS), size=n)
        bad_ts = rng.integers(0, 4, size=n)

        weight = np.where(
            sel["nonpositive_sample_weight"], BAD_WEIGHTS[bad_w], AUDIT_WEIGHT[ev["src"]]
        ).astype(np.int64)
        y = self._day(d).year
        bad_values = ("yesterday", f"{y}-13-45", "not a timestamp", f"{y}-04-31T12:00:00Z")
        frame = pl.DataFrame(
            {
                "audit_id": ev["qnum"].astype(np.int64),
                "decision_id": ev["dnum"].astype(np.int64),
                "audited_at": ev["audited"].astype(np.int64),
                "verdict": _codes(VERDICTS, ev["verdict"]),
                "auditor_id": ev["auditor"].astype(np.int64),
                "sample_weight": weight,
                "_src": ev["src"].astype(np.int8),
                "_off": ev["off"].astype(np.int16),
                "_bad": _codes(bad_values, bad_ts, valid=sel["unparseable_audited_at"]),
                "_messy": sel["messy_verdict_case"],
                "_invalid": sel["invalid_verdict"],
                "_bad_verdict": _codes(BAD_VERDICTS, bad_v),
                "_variant": variant,
            }
        )
        frame = frame.with_columns(
            _id("audit_id", "q-", self.width),
            _id("decision_id", "d-", self.width),
            _id("auditor_id", "m-", 6),
            pl.when(pl.col("_invalid"))
            .then(pl.col("_bad_verdict"))
            .when(pl.col("_messy"))
            .then(_messy("verdict", "_variant"))
            .otherwise(pl.col("verdict"))
            .alias("verdict"),
        ).drop("_messy", "_invalid", "_bad_verdict", "_variant")
        return pl.concat([frame, self._reaudits(d, ev, used, frame)])

    def _reaudits(self, d: int, ev: dict, dirty: np.ndarray, frame: pl.DataFrame) -> pl.DataFrame:
        """The blind second audits of REAUDIT_SHARE of the clean audits of ``ev``: another
        auditor, its own QA error, a time between a day after the decision and the first audit."""
        rng = self._rng(_S_REAUDIT, d)
        n = ev["day"].size
        delay = ev["audited"] - ev["decided"]
        chosen = rng.random(n) < REAUDIT_SHARE
        idx = np.flatnonzero(chosen & ~dirty & (delay > DAY_US + 3600 * SEC_US))
        k = idx.size
        at = ev["decided"][idx] + DAY_US + (rng.random(k) * (delay[idx] - DAY_US)).astype(np.int64)
        step = 1 + rng.integers(0, self.n_auditors - 1, size=k)
        auditor = (ev["auditor"][idx] - self.auditor_base + step) % self.n_auditors
        verdict = ev["truth"][idx] ^ (rng.random(k) < QA_ERROR).astype(np.int64)
        qnum = self.next_reaudit + np.arange(k, dtype=np.int64)
        self.next_reaudit += k
        reaudits = pl.DataFrame(
            {
                "audit_id": qnum,
                "decision_id": ev["dnum"][idx].astype(np.int64),
                "audited_at": at.astype(np.int64),
                "verdict": _codes(VERDICTS, verdict.astype(np.int8)),
                "auditor_id": (auditor + self.auditor_base).astype(np.int64),
                "sample_weight": AUDIT_WEIGHT[ev["src"][idx]].astype(np.int64),
                "_src": ev["src"][idx].astype(np.int8),
                "_off": ev["off"][idx].astype(np.int16),
            }
        ).with_columns(
            _id("audit_id", "qr-", self.width),
            _id("decision_id", "d-", self.width),
            _id("auditor_id", "m-", 6),
            pl.lit(None, dtype=frame.schema["_bad"]).alias("_bad"),
        )
        return reaudits.select(frame.columns).cast(frame.schema)

    # ---------------------------------------------------------------- writing

    def _write(
        self,
        df: pl.DataFrame,
        folder: Path,
        stem: str,
        rng: np.random.Generator,
        ts_cols: tuple[str, ...],
        batch: str,
    ) -> None:
        """Write one landing file; format, column order, extras and ts style come from ``rng``."""
        u_fmt = rng.random()
        shuffle = rng.random() < 0.15
        public = [c for c in df.columns if not c.startswith("_")]
        add_batch = rng.random() < 0.30
        cols = public + (["export_batch"] if add_batch else [])
        perm = rng.permutation(len(cols))
        profile = rng.choice(len(STYLE_PROFILES), p=STYLE_PROFILE_P)
        tz_aware = rng.random() < 0.5
        styles = rng.choice(3, size=df.height, p=STYLE_PROFILES[profile])
        if shuffle:
            cols = [cols[i] for i in perm]
        if self.file_format == "mixed":
            ext = "csv" if u_fmt < 0.80 else ("csv.gz" if u_fmt < 0.90 else "parquet")
        else:
            ext = self.file_format
        if df.height == 0:
            return

        df = df.with_columns(pl.lit(batch).alias("export_batch"))
        if ext == "parquet":
            conv = []
            for c in ts_cols:
                e = pl.col(c).cast(pl.Datetime("us"))
                if c == ts_cols[0]:
                    e = pl.when(pl.col("_bad").is_null()).then(e)
                if tz_aware:
                    e = e.dt.replace_time_zone("UTC")
                conv.append(e.alias(c))
            if "sample_weight" in df.columns:
                conv.append(pl.col("sample_weight").cast(pl.Float64))
            df = df.with_columns(conv).select(cols)
        else:
            df = df.with_columns(pl.Series("_style", styles, dtype=pl.Int8))
            df = (
                df.with_columns([_render_ts(c) for c in ts_cols])
                .with_columns(pl.coalesce(pl.col("_bad"), pl.col(ts_cols[0])).alias(ts_cols[0]))
                .select(cols)
            )

        path = folder / f"{stem}.{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        if ext == "parquet":
            df.write_parquet(path, compression="zstd", statistics=True)
        else:
            data = df.write_csv().encode("utf-8")
            if ext == "csv.gz":
                data = gzip.compress(data, compresslevel=6, mtime=0)
            path.write_bytes(data)
        self.files.append(path)

    def _month_dir(self, table: str, day: dt.date) -> Path:
        return self.out / table / f"{day:%Y}" / f"{day:%m}"

    def _write_decisions(self, d: int, df: pl.DataFrame) -> None:
        rng = self._rng(_S_DEC_LAYOUT, d)
        day = self._day(d)
        split = rng.random() < 0.10
        self.rows["decisions"] += df.height
        if d in self.late_days:
            delivered = day + dt.timedelta(days=3)
            self._write(
                df,
                self.out / "decisions" / "late",
                f"decisions_{day}_redelivered_{delivered}",
                rng,
                ("decided_at",),
                f"eb-{delivered:%Y%m%d}-late",
            )
            return
        folder = self._month_dir("decisions", day)
        if split and df.height > 1:
            h = df.height // 2
            for i, part in enumerate((df.slice(0, h), df.slice(h)), start=1):
                self._write(
                    part,
                    folder,
                    f"decisions_{day}_part{i}",
                    rng,
                    ("decided_at",),
                    f"eb-{day:%Y%m%d}-{i:02d}",
                )
        else:
            self._write(df, folder, f"decisions_{day}", rng, ("decided_at",), f"eb-{day:%Y%m%d}-01")

    def _write_appeals(self, d: int) -> None:
        rng = self._rng(_S_APP_LAYOUT, d)
        keep_appellant = rng.random() < 0.80
        df = self._appeals(d)
        if not keep_appellant:
            df = df.drop("appellant")
        self.rows["appeals"] += df.height
        day = self._day(d)
        self._write(
            df,
            self._month_dir("appeals", day),
            f"appeals_{day}",
            rng,
            ("appealed_at", "resolved_at"),
            f"eb-{day:%Y%m%d}-01",
        )

    def _write_audits(self, d: int) -> None:
        rng = self._rng(_S_AUD_LAYOUT, d)
        split = rng.random() < 0.25
        df = self._audits(d, split)
        self.rows["audits"] += df.height
        day = self._day(d)
        folder = self._month_dir("audits", day)
        if split:
            machine = df.filter(pl.col("_src") == 1).drop("_src")
            human = df.filter(pl.col("_src") == 0).drop("_src", "sample_weight")
            self._write(
                machine,
                folder,
                f"audits_{day}_machine_qa",
                rng,
                ("audited_at",),
                f"eb-{day:%Y%m%d}-01",
            )
            self._write(
                human, folder, f"audits_{day}_human_qa", rng, ("audited_at",), f"eb-{day:%Y%m%d}-02"
            )
        else:
            self._write(
                df.drop("_src"),
                folder,
                f"audits_{day}",
                rng,
                ("audited_at",),
                f"eb-{day:%Y%m%d}-01",
            )

    # ---------------------------------------------------------------- driver

    def run(self) -> dict:
        for d in range(self.days):
            df, has_event, pen = self._decisions(d)
            today, carry = self._dirty_decisions(d, df, has_event, pen)
            if self.carry is not None and self.carry.height:
                today = pl.concat([today, self.carry])
            self.carry = carry
            self._write_decisions(d, today)
            self._write_appeals(d)
            self._write_audits(d)
        dirty_rows = sum(self.dirty.values())
        return {
            **self.rows,
            "files": len(self.files),
            "dirty_rows": dirty_rows,
            "invalid_rows": dirty_rows - sum(self.dirty[k] for k in VALID_DIRT),
            "dirty_by_kind": dict(self.dirty),
            "decision_ids": self.total,
            "late_files": sum(1 for p in self.files if p.parent.name == "late"),
            "start": self.start.isoformat(),
            "end": self._day(self.days).isoformat(),
        }


def generate_landing(
    out: Path,
    start: dt.date,
    days: int = 60,
    decisions_per_day: int = 2000,
    seed: int = 7,
    dirty_share: float = 0.005,
    file_format: str = "mixed",
) -> dict:
    """Write synthetic landing files under `out`; return a summary dict (counts per table,
    files written).

    Files go to ``out/{decisions,appeals,audits}/YYYY/MM/<table>_<date>[...].<ext>`` (plus
    ``out/decisions/late/``).  ``file_format`` is ``"mixed"`` (~80% csv, 10% csv.gz, 10%
    parquet), ``"csv"`` or ``"parquet"``.  All timestamps are < ``start + days`` except the
    deliberate ``future_decided_at`` dirty rows (year 2099).  Existing files are overwritten,
    stale ones are not removed.

    The summary holds row counts per table (``decisions``, ``appeals``, ``audits``, all rows
    written including duplicates), ``files``, ``dirty_rows`` (all injected anomalies, including
    the valid messy-case ones), ``invalid_rows`` (dirty rows minus the valid messy-case ones),
    ``dirty_by_kind`` and ``decision_ids`` (distinct decisions generated).
    """
    if isinstance(start, dt.datetime):
        start = start.date()
    if file_format not in FILE_FORMATS:
        raise ValueError(f"file_format must be one of {FILE_FORMATS}, got {file_format!r}")
    if days < 1 or decisions_per_day < 1:
        raise ValueError("days and decisions_per_day must be >= 1")
    if not 0.0 <= dirty_share <= 0.5:
        raise ValueError("dirty_share must be within [0, 0.5]")
    gen = _Landing(
        Path(out),
        start,
        int(days),
        int(decisions_per_day),
        int(seed),
        float(dirty_share),
        file_format,
    )
    return gen.run()
