#!/bin/sh
# The demo of unitgen's main job, on a fresh Debian 12 machine as root: set everything up,
# create a few containers that need each other, install their units into a real systemd (the
# harness: Debian 12 with systemd as PID 1, driving this machine's Docker engine), reboot it,
# and show that every container came back, dependencies first.
set -eu
cd "$(dirname "$0")/.."
tests/setup.sh --demo
exec .venv/bin/python -m demo "$@"
