"""Speed and scale benchmarks: scripts, not tests. Run ``python -m benchmarks``."""
