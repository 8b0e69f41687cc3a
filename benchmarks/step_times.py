"""Where one `modmetrics run` spends its time and its memory, per Dagster step, and the share of
the Great Expectations checks' steps: robust to a noisy machine, since it is taken inside one run.

    uv run python benchmarks/step_times.py --landing L --warehouse W --as-of D

For each step, in the order they ran: when it started (seconds into the run), how long it took,
and the process's peak resident memory while it ran (VmRSS, sampled every 20 ms by a thread of
this process; the run's own peak is the last line). It does not see what happens outside the
steps (importing the check modules at start-up), nor work a step leaves to a background thread
(the Great Expectations import, started during ingestion, slows the ingest steps a little and
adds its memory to theirs), nor a child process's memory (Spark's JVM with --engine spark):
compare with the interleaved wall times of run_benchmark.py --validation on off. A step that
failed is marked, and the steps that did not run are counted.
"""

import sys
import threading
import time
from pathlib import Path

import dagster as dg

from checks.input_checks import INPUT_CHECKS
from checks.metric_checks import METRIC_CHECKS
from checks.upstream_checks import UPSTREAM_CHECKS
from pipelines import cli

GX_STEPS = {c.node_def.name for c in [*INPUT_CHECKS, *UPSTREAM_CHECKS, *METRIC_CHECKS]}


class RssSampler(threading.Thread):
    """This process's resident memory (MiB) every `every` seconds, with the time it was read."""

    def __init__(self, every: float = 0.02):
        super().__init__(daemon=True)
        self.every, self.samples, self.running = every, [], True

    def run(self) -> None:
        status = Path("/proc/self/status")
        while self.running:
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    self.samples.append((time.time(), int(line.split()[1]) / 1024))
            time.sleep(self.every)

    def peak(self, start: float = 0.0, end: float = float("inf")) -> float:
        """The highest sample from `start` to `end`, and the last one before `start` (a step
        shorter than the interval holds at least what the process held when it began)."""
        before = [mib for at, mib in self.samples if at < start][-1:]
        return max([*before, *(mib for at, mib in self.samples if start <= at <= end)], default=0)


def main() -> None:
    runs = []
    materialize = dg.materialize

    def keep_run(*args, **kwargs):
        kwargs["instance"] = dg.DagsterInstance.ephemeral()  # what materialize makes, kept
        runs.append((kwargs["instance"], materialize(*args, **kwargs)))
        return runs[-1][1]

    dg.materialize = keep_run
    sampler = RssSampler()
    sampler.start()
    started, began = time.perf_counter(), time.time()
    code = cli.main(["run", *sys.argv[1:]])
    total = time.perf_counter() - started
    sampler.running = False
    sampler.join()
    if not runs:  # nothing new, or a settings error: the CLI said why
        print(f"no run materialised (exit {code})")
        sys.exit(code)
    instance, result = runs[0]
    spans: dict[str, list] = {}  # step -> [started, finished (epoch seconds), failed]
    skipped = set()
    for entry in instance.all_logs(result.run_id):
        event = entry.dagster_event
        if event is None or not event.step_key:
            continue
        kind = event.event_type_value
        if kind == "STEP_SKIPPED":
            skipped.add(event.step_key)
        elif kind in ("STEP_START", "STEP_SUCCESS", "STEP_FAILURE"):
            span = spans.setdefault(event.step_key, [entry.timestamp, entry.timestamp, False])
            if kind != "STEP_START":
                span[1:] = [entry.timestamp, kind == "STEP_FAILURE"]
    for step, (start, end, failed) in sorted(spans.items(), key=lambda kv: kv[1][0]):
        print(
            f"  {start - began:6.1f}  {step:<55} {end - start:6.2f} s  peak "
            f"{sampler.peak(start, end):6,.0f} MiB{'  (validation)' if step in GX_STEPS else ''}"
            f"{'  FAILED' if failed else ''}"
        )
    if skipped:
        print(f"  did not run (a step before them failed): {', '.join(sorted(skipped))}")
    checks = sum(end - start for step, (start, end, _) in spans.items() if step in GX_STEPS)
    print(
        f"run {total:.1f} s (exit {code}), peak {sampler.peak():,.0f} MiB, validation steps "
        f"{checks:.1f} s: {checks / (total - checks):+.0%} on the rest of the run"
    )
    sys.exit(code)


if __name__ == "__main__":
    main()
