"""The contract suite in sandbox mode, sequential and under ``-n``: wall times and ratio.

    python -m benchmarks.sandbox_parallel             # ~4-6 min: mostly waiting for webhooks
    python -m benchmarks.sandbox_parallel --workers 2 --webhook-delay 2-5   # a short look

Each run is a rehearsal (``python -m sknpay_harness.rehearsal``): the mock
started as its own process, behaving like the sandbox (webhook delays drawn
from ``--webhook-delay``, duplicate deliveries, other payments' events), and
``pytest tests/contract`` with ``SKNPAY_TARGET=sandbox`` against it, once in
one process and once under ``-n N``, where the controller's relay holds the
one webhook port. On a live target a test that waits for a webhook waits its
delay out, so the suite's time is the sum of the waits run sequentially, and
about the longest share of them one worker gets under ``-n``.

Settings, the same for both runs: ``--sknpay-quiet-period`` (default 1 s, the
watch for an unwanted second event), linger 0 (the listener does not stay up
after the last test) and one mock seed. Each run's output goes to
``reports/bench-sandbox-<mode>.log``; the figures go to
``reports/bench-sandbox.json``, with each test's time and the best split of
those times over the workers (no scheduler can beat the longest single wait).
Nothing here asserts the target (parallel at most a third of sequential); the
JSON and the printout say whether it was met.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 1 / 3
_OUTCOME = re.compile(r"(\d+) (passed|failed|skipped|error|errors|xfailed|xpassed)\b")


def run_suite(args: argparse.Namespace, workers: int | None) -> dict[str, Any]:
    """One rehearsal of the suite; its wall time, exit code and outcome counts."""
    mode = "sequential" if workers is None else f"n{workers}"
    reports = Path(args.reports)
    log_path = reports / f"bench-sandbox-{mode}.log"
    argv = [sys.executable, "-m", "sknpay_harness.rehearsal",
            "--webhook-delay", args.webhook_delay, "--linger", "0", "--seed", str(args.seed),
            "--reports", str(reports / f"bench-sandbox-{mode}"),
            "--", args.suite, "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
            f"--sknpay-quiet-period={args.quiet_period:g}"]
    if workers is not None:
        argv += ["-n", str(workers)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKNPAY_")}
    log_path.parent.mkdir(parents=True, exist_ok=True)
    _say(f"{mode}: {' '.join(argv[1:])}")
    started = time.perf_counter()
    with log_path.open("w", encoding="utf-8") as log:
        code = subprocess.call(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - started
    tail = log_path.read_text(encoding="utf-8").splitlines()
    last = next((line for line in reversed(tail) if _OUTCOME.search(line)), "")
    outcomes = {kind: int(n) for n, kind in _OUTCOME.findall(last)}
    _say(f"{mode}: {seconds:.1f} s, pytest exit {code}: {last.strip('= ')}")
    return {"mode": mode, "workers": workers or 1, "seconds": round(seconds, 2),
            "exit_code": code, "outcomes": outcomes, "log": str(log_path),
            "test_seconds": _test_times(reports / f"bench-sandbox-{mode}" / "junit.xml")}


def _test_times(junit: Path) -> dict[str, float]:
    """Each test's time from the run's junit.xml, longest first."""
    if not junit.is_file():
        return {}
    cases = ElementTree.parse(junit).getroot().iter("testcase")
    times = {f"{c.get('classname')}::{c.get('name')}": float(c.get("time") or 0) for c in cases}
    return dict(sorted(times.items(), key=lambda kv: -kv[1]))


def best_split(times: list[float], workers: int) -> float:
    """The longest share of the tests' times over ``workers`` (longest first, each
    to the least loaded): about the least a perfect scheduler could get."""
    loads = [0.0] * workers
    for t in sorted(times, reverse=True):
        heapq.heapreplace(loads, loads[0] + t)
    return max(loads)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    report: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "loadavg_before": [round(x, 2) for x in os.getloadavg()],
                    "when": time.strftime("%Y-%m-%dT%H:%M:%S%z")},
        "suite": args.suite, "target": "sandbox mode, the mock as its own process",
        "webhook_delay_seconds": args.webhook_delay, "quiet_period_seconds": args.quiet_period,
        "linger_seconds": 0, "seed": args.seed,
    }
    sequential = run_suite(args, None)
    parallel = run_suite(args, args.workers)
    ratio = parallel["seconds"] / sequential["seconds"]
    # The waits cannot be split finer than one test: with few webhook tests, the
    # longest share bounds what -n N can do, whatever runs them.
    times = list(sequential["test_seconds"].values())
    floor = best_split(times, args.workers) if times else 0.0
    overhead = sequential["seconds"] - sum(times)
    report.update(sequential=sequential, parallel=parallel, ratio=round(ratio, 3),
                  target_ratio=round(TARGET_RATIO, 3), target_met=ratio <= TARGET_RATIO,
                  tests_waiting_over_1s=sum(t > 1 for t in times),
                  best_split_seconds=round(floor, 2),
                  best_ratio=round((floor + overhead) / sequential["seconds"], 3))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"{args.suite} in sandbox mode, webhook delays {args.webhook_delay} s, "
          f"quiet period {args.quiet_period:g} s:")
    for run in (sequential, parallel):
        counts = ", ".join(f"{n} {kind}" for kind, n in run["outcomes"].items()) or "no outcome"
        print(f"  {run['mode']:>10}: {run['seconds']:7.1f} s   ({counts}; pytest exit "
              f"{run['exit_code']})")
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(f"  ratio -n {args.workers} / sequential: {ratio:.3f} (target <= {TARGET_RATIO:.3f}: "
          f"{verdict})")
    print(f"  {report['tests_waiting_over_1s']} tests wait over 1 s; their best split over "
          f"{args.workers} workers is {floor:.1f} s, so the best ratio with this run's "
          f"start-up is about {report['best_ratio']:.3f}")
    print(f"written: {out}")
    # Test failures do not void the timing; a run that did not get to its end does.
    return 0 if {sequential["exit_code"], parallel["exit_code"]} <= {0, 1} else 1


def _say(text: str) -> None:
    print(f"... {text}", file=sys.stderr, flush=True)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.sandbox_parallel", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workers", type=int, default=4, help="xdist workers (default 4)")
    p.add_argument("--webhook-delay", default="10-30", metavar="LOW-HIGH",
                   help="the mock's webhook delay range in seconds (default 10-30)")
    p.add_argument("--quiet-period", type=float, default=1.0, metavar="SECONDS",
                   help="--sknpay-quiet-period for both runs (default 1)")
    p.add_argument("--seed", type=int, default=11, help="the mock's seed (default 11)")
    p.add_argument("--suite", default="tests/contract", help="what pytest runs")
    p.add_argument("--reports", default="reports", help="where logs and results go")
    p.add_argument("--out", default="reports/bench-sandbox.json")
    return p.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(main())
