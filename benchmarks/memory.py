"""Peak RSS across many scenarios, in a fresh process (run as a module).

``--reset`` resets the mock before each scenario, as the plugin's
``sknpay_target`` fixture does before each test; without it the mock keeps
every payment up to its caps (the standalone-mock case).
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys


def reset_peak() -> bool:
    """Restart the peak-RSS count (Linux: VmHWM), so start-up's one-off peak
    (loading the CA bundle for httpx's SSL context, say) does not hide growth."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def rss_kib() -> tuple[int, int]:
    """(peak RSS, current RSS) in KiB: VmHWM/VmRSS, else getrusage's lifetime peak."""
    peak = current = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    peak = int(line.split()[1])
                elif line.startswith("VmRSS:"):
                    current = int(line.split()[1])
    except OSError:
        pass
    return peak, current


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--checkpoint", type=int, default=1_000)
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args(argv)
    from .harness_rig import HarnessRig

    rig = HarnessRig()
    for _ in range(50):
        rig.scenario()
    gc.collect()
    peak_reset = reset_peak()
    points = {"start": rss_kib()}
    for n in range(1, args.count + 1):
        if args.reset:
            rig.target.reset()
        rig.scenario()
        if n == args.checkpoint:
            points[f"after {n}"] = rss_kib()
    gc.collect()
    points[f"after {args.count}"] = rss_kib()
    rig.close()
    out: dict[str, object] = {k: {"peak_kib": v[0], "current_kib": v[1]}
                              for k, v in points.items()}
    out["peak_since"] = "warm-up (VmHWM reset)" if peak_reset else "process start (ru_maxrss)"
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
