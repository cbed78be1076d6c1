#!/bin/sh
# Rehearse the sandbox smoke check offline against a separately started mock.
# Usage: scripts/rehearse.sh [--profile smoke|sandbox-like] [--webhook-delay 5-20]
#                            [--fail-first create=1] [-- pytest args]
# See docs/sandbox.md ("Rehearsal") and python -m sknpay_harness.rehearsal --help.
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}"
exec "$PYTHON" -m sknpay_harness.rehearsal "$@"
