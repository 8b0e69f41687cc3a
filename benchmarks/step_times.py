"""Where one `modmetrics run` spends its time, per Dagster step, and the share of the
Great Expectations checks' steps: robust to a noisy machine, since it is taken inside one run.

    uv run python benchmarks/step_times.py --landing L --warehouse W --as-of D

It does not see what happens outside the steps (importing the check modules at start-up), nor
work a step leaves to a background thread (the Great Expectations import, started during
ingestion, slows the ingest steps a little instead): compare with the interleaved wall times of
run_benchmark.py --validation on off.
"""

import sys
import time

import dagster as dg

from checks.input_checks import INPUT_CHECKS
from checks.metric_checks import METRIC_CHECKS
from checks.upstream_checks import UPSTREAM_CHECKS
from pipelines import cli

GX_STEPS = {c.node_def.name for c in [*INPUT_CHECKS, *UPSTREAM_CHECKS, *METRIC_CHECKS]}


def main() -> None:
    results = []
    materialize = dg.materialize

    def keep_result(*args, **kwargs):
        results.append(materialize(*args, **kwargs))
        return results[-1]

    dg.materialize = keep_result
    started = time.perf_counter()
    code = cli.main(["run", *sys.argv[1:]])
    total = time.perf_counter() - started
    steps = {
        e.step_key: e.event_specific_data.duration_ms / 1000
        for e in results[0].all_events
        if e.event_type_value == "STEP_SUCCESS"
    }
    for step, seconds in steps.items():
        print(f"  {step:<60} {seconds:6.2f} s{'  (validation)' if step in GX_STEPS else ''}")
    checks = sum(s for step, s in steps.items() if step in GX_STEPS)
    print(
        f"run {total:.1f} s (exit {code}), validation steps {checks:.1f} s: "
        f"{checks / (total - checks):+.0%} on the rest of the run"
    )


if __name__ == "__main__":
    main()
