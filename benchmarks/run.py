"""Run every benchmark, print a table, write reports/bench.json.

    python -m benchmarks            # the full run (~8 min on 2 cores)
    python -m benchmarks --quick    # a short run (~2 min) to check nothing regressed

First what users feel: what one test costs under pytest with allure and junit
on (an empty test, a test that only asks for the fixtures, the scenario), the
scenario alone under pytest and the whole suite on 2 cores. Then the detail
under it: the scenario through the harness's parts against a floor (bare
sockets, http.client, a bare Condition) measured in the same run, one
exchange per layer, wake latency, throughput and memory. Nothing here
asserts a target; the table says which are met.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from . import components, per_test
from .floor import FloorRig, bare_wake
from .harness_rig import STEPS, HarnessRig, ScenarioResult, throughput, wake_latency
from .stats import percentile, summary_ms, table

ROOT = Path(__file__).resolve().parents[1]
SEQUENTIAL_BLOCK = 100  # scenarios per side before switching
# What allure writes for one scenario test: its result, a container for each
# of sknpay_api and sknpay_webhooks, and 8 attachments (create: request body,
# response body, curl; cancel: response body, curl; the event body; the page
# and its curl). tests/plugin/test_allure_report.py pins the parts.
SCENARIO_FILES = 11


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    report: dict[str, Any] = {"machine": _machine(), "args": vars(args)}
    if not args.skip_pytest:
        _say(f"per test under pytest: {args.per_test_copies} copies x {args.per_test_repeats} "
             "runs of an empty test, the fixtures and the scenario")
        report["per_test"] = per_test.per_test_costs(args.per_test_copies, args.per_test_repeats)
    _say(f"sequential scenario x{args.scenarios}: harness, then floor")
    report["sequential"] = sequential(args.scenarios)
    _say(f"wake latency x{args.wakes}")
    report["wake"] = wakes(args.wakes)
    _say(f"one exchange per layer x{args.exchanges}")
    report["exchange"] = {k: summary_ms(v) for k, v in
                          components.exchange_costs(args.exchanges).items()}
    report["exchange"]["new httpx.Client()"] = summary_ms(components.new_httpx_client(20))
    report["throughput"] = []
    for workers in args.workers:
        _say(f"throughput: {args.throughput_count} scenarios on {workers} threads, shared rig")
        r = throughput(workers, args.throughput_count)
        report["throughput"].append({
            "mode": "threads", "workers": workers, "scenarios": r.scenarios,
            "seconds": round(r.seconds, 3), "per_second": round(r.per_second, 1),
            "lost": r.lost, "duplicated": r.duplicated, "crossed": r.crossed,
            "failures": len(r.failures), "first_failures": r.failures[:3],
        })
    _say(f"throughput: {args.throughput_count} scenarios on 2 processes (as pytest -n 2)")
    report["throughput"].append(processes(2, args.throughput_count))
    if not args.skip_memory:
        report["memory"] = {}
        for mode in ("reset", "no-reset"):
            _say(f"memory: {args.memory_count} scenarios, mock {mode}, fresh process")
            report["memory"][mode] = memory(args.memory_count, args.memory_checkpoint,
                                            mode == "reset")
    if not args.skip_pytest:
        _say("pytest wall times (subprocesses)")
        report["pytest"] = pytest_walls(args.pytest_repeats)
    report["stack_floor"] = stack_floor(report)
    report["machine"]["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    report["verdicts"] = verdicts(report, args)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(render(report))
    print(f"\nwritten: {out}")
    return 0


# -- measurements ----------------------------------------------------------
def sequential(count: int) -> dict[str, Any]:
    rig, floor_rig = HarnessRig(keep_events=1000), FloorRig()
    for _ in range(min(200, count)):
        rig.scenario()
        floor_rig.scenario()
    # Alternate blocks, so a noisy moment on the machine lands on both sides
    # of the ratio instead of on one of them.
    harness: list[ScenarioResult] = []
    floor: list[Any] = []
    while len(harness) < count:
        block = min(SEQUENTIAL_BLOCK, count - len(harness))
        harness += [rig.scenario() for _ in range(block)]
        floor += [floor_rig.scenario() for _ in range(block)]
    rig.close()
    floor_rig.close()
    out: dict[str, Any] = {"harness": {}, "floor": {}}
    for step in STEPS:
        out["harness"][step] = summary_ms([r.steps[step] for r in harness])
        out["floor"][step] = summary_ms([f[0][step] for f in floor])
    out["harness"]["total"] = summary_ms([r.total for r in harness])
    out["floor"]["total"] = summary_ms([f[1] for f in floor])
    out["harness"]["wake_in_scenario"] = summary_ms([r.wake for r in harness if r.wake])
    out["floor"]["wake_in_scenario"] = summary_ms([f[2] for f in floor if f[2]])
    return out


def wakes(count: int) -> dict[str, Any]:
    rig = HarnessRig()
    try:
        harness = wake_latency(rig, count)
    finally:
        rig.close()
    return {"harness": summary_ms(harness), "floor": summary_ms(bare_wake(count))}


def _process_worker(args: tuple[int, Any]) -> tuple[int, float, float]:
    count, barrier = args
    rig = HarnessRig(keep_events=count + 10)
    for _ in range(20):
        rig.scenario()
    barrier.wait()
    started = time.monotonic()  # CLOCK_MONOTONIC: comparable across processes on Linux
    done = 0
    for _ in range(count):
        rig.scenario()
        done += 1
    ended = time.monotonic()
    rig.close()
    return done, started, ended


def processes(workers: int, count: int) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(workers)
        with ctx.Pool(workers) as pool:
            parts = pool.map(_process_worker, [(count // workers, barrier)] * workers)
    done = sum(p[0] for p in parts)
    seconds = max(p[2] for p in parts) - min(p[1] for p in parts)
    return {"mode": "processes", "workers": workers, "scenarios": done,
            "seconds": round(seconds, 3), "per_second": round(done / seconds, 1),
            "lost": None, "duplicated": None, "crossed": None, "failures": 0}


def memory(count: int, checkpoint: int, reset: bool) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.memory", "--count", str(count),
           "--checkpoint", str(checkpoint)] + (["--reset"] if reset else [])
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout))


def pytest_walls(repeats: int) -> dict[str, Any]:
    base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "--junitxml=reports/bench-junit.xml", "--alluredir=reports/bench-allure"]
    runs = {
        "scenario alone (pytest tests/scenarios)": [*base, "tests/scenarios"],
        "whole suite (pytest -n 2)": [*base, "-n", "2"],
    }
    out: dict[str, Any] = {}
    for label, cmd in runs.items():
        walls = []
        for _ in range(repeats if "alone" in label else 1):
            started = time.perf_counter()
            done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
            walls.append(time.perf_counter() - started)
        tail = (done.stdout.strip().splitlines() or [""])[-1]
        out[label] = {"seconds": round(percentile(walls, 50), 3), "runs": len(walls),
                      "exit": done.returncode, "summary": tail}
    return out


def stack_floor(report: dict[str, Any]) -> dict[str, Any]:
    """What the scenario's four exchanges cost on the stack alone (httpx's own
    client and transport, cheroot kept alive), with no harness logic at all:
    the floor any harness built on this stack can reach."""
    per_exchange = report["exchange"][components.STACK]["p50"]
    floor_ms = 4 * per_exchange + report["wake"]["floor"]["p50"]
    harness = report["sequential"]["harness"]["total"]["p50"]
    return {"p50_ms": round(floor_ms, 3), "harness_ratio": round(harness / floor_ms, 2)}


# -- verdicts and rendering ------------------------------------------------
def verdicts(report: dict[str, Any], args: argparse.Namespace) -> list[dict[str, Any]]:
    out = []
    cost = report.get("per_test")
    if cost:
        ratio = cost["scenario_over_empty"]["wall_ms"]
        out.append(_verdict("scenario test <= 3x an empty test (allure and junit on)",
                            f"{ratio:.2f}x ({cost['scenario']['wall_ms']:.2f} vs "
                            f"{cost['empty']['wall_ms']:.2f} ms per test)",
                            ratio is not None and ratio <= 3))
    out.append(_verdict("wake latency p99 < 1 ms", f"{report['wake']['harness']['p99']:.3f} ms",
                        report["wake"]["harness"]["p99"] < 1.0))
    for t in report["throughput"]:
        if t["workers"] == 2:
            out.append(_verdict(f">= 150 scenarios/s, 2 workers ({t['mode']})",
                                f"{t['per_second']:.0f}/s", t["per_second"] >= 150))
        if t["workers"] == 16 and t["mode"] == "threads":
            clean = t["lost"] == t["crossed"] == t["duplicated"] == t["failures"] == 0
            out.append(_verdict("0 lost / duplicated / crossed at 16",
                                f"lost {t['lost']}, dup {t['duplicated']}, crossed "
                                f"{t['crossed']}, failures {t['failures']}", clean))
    # The target is the harness as pytest runs it: mock reset before each
    # test. The no-reset run (a long-lived standalone mock) is shown in the
    # memory table: it grows until the mock's caps (payments, outbox log).
    points = report.get("memory", {}).get("reset")
    if points:
        first = points[f"after {args.memory_checkpoint}"]["peak_kib"]
        last = points[f"after {args.memory_count}"]["peak_kib"]
        growth = (last - first) / first * 100
        out.append(_verdict(f"peak RSS after {args.memory_count} within 20 % of after "
                            f"{args.memory_checkpoint} (mock reset per test, as pytest runs)",
                            f"{first / 1024:.1f} -> {last / 1024:.1f} MiB ({growth:+.1f} %)",
                            growth <= 20))
    walls = report.get("pytest", {})
    if walls:
        alone = walls["scenario alone (pytest tests/scenarios)"]
        out.append(_verdict("scenario alone under pytest <= 1 s wall", f"{alone['seconds']:.2f} s",
                            alone["seconds"] <= 1 and alone["exit"] == 0))
        w = walls["whole suite (pytest -n 2)"]
        out.append(_verdict("whole suite on 2 cores (pytest -n 2) <= 60 s",
                            f"{w['seconds']:.1f} s, exit {w['exit']}",
                            w["seconds"] <= 60 and w["exit"] == 0))
    return out


def _verdict(what: str, measured: str, met: bool) -> dict[str, Any]:
    return {"target": what, "measured": measured, "met": met}


def render(report: dict[str, Any]) -> str:
    seq = report["sequential"]
    machine = report["machine"]
    parts = [f"machine: {machine['cpus']} cpus, python {machine['python']}, load avg "
             f"{machine['loadavg_before']} before, {machine.get('loadavg_after', '?')} after"]
    cost = report.get("per_test")
    if cost:
        rows = [[kind, cost[kind]["wall_ms"], cost[kind]["cpu_ms"],
                 " ".join(f"{w:.2f}" for w in cost[kind]["wall_runs_ms"])]
                for kind in per_test.ROWS if kind in cost]
        parts += ["", f"Per test under pytest, allure and junit on, ms (median of "
                      f"{cost['repeats']} runs of (wall(N+1) - wall(1)) / N, N = {cost['copies']})",
                  table(["test", "wall", "cpu", "each run (wall)"], rows),
                  f"fixture overhead (fixtures - empty): {cost['fixture_overhead']['wall_ms']:.2f} ms "
                  f"wall, {cost['fixture_overhead']['cpu_ms']:.2f} ms cpu; scenario / empty: "
                  f"{cost['scenario_over_empty']['wall_ms']}x wall, "
                  f"{cost['scenario_over_empty']['cpu_ms']}x cpu",
                  f"one file written as allure writes it (tmp + rename), on this disk: "
                  f"{cost['file_write_ms']:.3f} ms p50 in a tight loop (allure writes 1 per "
                  f"empty test, {SCENARIO_FILES} per scenario test)"]
        if "scenario_over_empty_tmpfs" in cost:
            disk_share = cost["scenario"]["wall_ms"] - cost["scenario, results on tmpfs"]["wall_ms"]
            parts.append(f"with the allure results on tmpfs: scenario / empty "
                         f"{cost['scenario_over_empty_tmpfs']['wall_ms']}x wall; the disk's "
                         f"share of the scenario test: {disk_share:.2f} ms")
    if "pytest" in report:
        parts += ["", "pytest wall time, s (including start-up)",
                  table(["run", "seconds", "exit", "summary"],
                        [[k, v["seconds"], v["exit"], v["summary"][:60]]
                         for k, v in report["pytest"].items()])]
    rows = []
    for step in (*STEPS, "total"):
        h, f = seq["harness"][step], seq["floor"][step]
        rows.append([step, h["p50"], h["p90"], h["p99"], f["p50"], f["p99"],
                     f"{h['p50'] / f['p50']:.1f}x" if f["p50"] else "-"])
    sf = report["stack_floor"]
    parts += ["", "Detail: the scenario through the harness's parts, no pytest, ms (harness vs floor)",
              table(["step", "p50", "p90", "p99", "floor p50", "floor p99", "p50 ratio"], rows),
              f"stack floor (4 exchanges {components.STACK} + a Condition wake, "
              f"no harness logic): {sf['p50_ms']:.2f} ms p50; the harness is "
              f"{sf['harness_ratio']:.1f}x that"]
    w = report["wake"]
    parts += ["", "Webhook wake latency, ms (listener received -> waiter unblocked)",
              table(["", "p50", "p99", "n"],
                    [["harness (inbox.wait_for)", w["harness"]["p50"], w["harness"]["p99"],
                      w["harness"]["n"]],
                     ["floor (bare Condition)", w["floor"]["p50"], w["floor"]["p99"],
                      w["floor"]["n"]]])]
    parts += ["", "One loopback exchange per layer, ms",
              table(["layer", "p50", "p99"],
                    [[k, v["p50"], v["p99"]] for k, v in report["exchange"].items()])]
    parts += ["", "Throughput",
              table(["mode", "workers", "scenarios", "per second", "lost", "dup", "crossed",
                     "failures"],
                    [[t["mode"], t["workers"], t["scenarios"], t["per_second"],
                      _dash(t["lost"]), _dash(t["duplicated"]), _dash(t["crossed"]),
                      t["failures"]] for t in report["throughput"]])]
    if "memory" in report:
        rows = []
        for mode, points in report["memory"].items():
            for label, p in points.items():
                if not isinstance(p, dict):
                    continue
                rows.append([f"mock {mode}", label, f"{p['peak_kib'] / 1024:.1f}",
                             f"{p['current_kib'] / 1024:.1f}"])
        since = next(iter(report["memory"].values())).get("peak_since", "?")
        parts += ["", f"Memory (fresh process; peak since {since})",
                  table(["mode", "point", "peak MiB", "now MiB"], rows)]
    parts += ["", "Targets (provisional until re-measured on a quiet machine)",
              table(["target", "measured", "met"],
                    [[v["target"], v["measured"], "yes" if v["met"] else "NO"]
                     for v in report["verdicts"]])]
    return "\n".join(parts)


def _dash(value: object) -> object:
    return "-" if value is None else value


def _machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(),
            "loadavg_before": [round(x, 2) for x in os.getloadavg()],
            "when": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def _say(text: str) -> None:
    print(f"... {text}", file=sys.stderr, flush=True)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="short run with small counts")
    p.add_argument("--scenarios", type=int, help="sequential scenarios (default 2000; quick 300)")
    p.add_argument("--wakes", type=int, help="wake-latency samples (default 500; quick 100)")
    p.add_argument("--exchanges", type=int, help="exchanges per layer (default 2000; quick 300)")
    p.add_argument("--throughput-count", type=int,
                   help="scenarios per throughput run (default 2000; quick 400)")
    p.add_argument("--workers", type=int, nargs="+", default=[2, 8, 16],
                   help="thread counts for throughput (default 2 8 16)")
    p.add_argument("--memory-count", type=int,
                   help="scenarios for memory (default 10000; quick 2000)")
    p.add_argument("--memory-checkpoint", type=int, default=1000,
                   help="the earlier memory reading (default 1000)")
    p.add_argument("--pytest-repeats", type=int,
                   help="runs of the scenario alone (default 5; quick 2)")
    p.add_argument("--per-test-copies", type=int,
                   help="copies of each test in the per-test runs (default 200; quick 50)")
    p.add_argument("--per-test-repeats", type=int,
                   help="runs of each per-test size (default 5; quick 2)")
    p.add_argument("--skip-memory", action="store_true")
    p.add_argument("--skip-pytest", action="store_true",
                   help="skip every child pytest run (per test, scenario alone, suite)")
    p.add_argument("--out", default=str(ROOT / "reports" / "bench.json"))
    args = p.parse_args(argv)
    defaults = {"scenarios": (2000, 300), "wakes": (500, 100), "exchanges": (2000, 300),
                "throughput_count": (2000, 400), "memory_count": (10_000, 2000),
                "pytest_repeats": (5, 2), "per_test_copies": (200, 50),
                "per_test_repeats": (5, 2)}
    for name, (full, quick) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    return args
