"""The small POSIX shell programs a container unit runs (constants, tested in the harness).

They are inlined in each unit (`/bin/sh -c SCRIPT NAME ARGS...`) rather than shipped as files,
so a unit keeps working when unitgen itself is removed (`apt remove` keeps /etc). The container
name always arrives as a positional argument, never spliced into the script text.

Why not `docker start -a` as the main process: it keeps a Go client of ~38 MB RSS (~10 MB
private) per container for its whole life. The main process here is `sh` plus `nc -U` blocked in
one HTTP request to the engine's `/containers/NAME/wait` endpoint: a few hundred kB of PSS per
container (README, "Resident cost").
"""

from __future__ import annotations

# Main process. Blocks until the container stops and exits with the container's exit status,
# so Restart= and `systemctl status` see what Docker saw. ExecStop sends USR1 first: a stop that
# systemd asked for ends in a clean exit 0 instead of the container's 143 or 137.
WAIT = r"""n=$1 sock=$2 stopping=0
trap 'stopping=1' USR1
out=$(printf 'POST /containers/%s/wait HTTP/1.0\r\n\r\n' "$n" | nc -U "$sock")
[ "$stopping" = 1 ] && exit 0
case $out in
*'"StatusCode":'*) ;;
*) echo "lost the Docker engine at $sock while waiting for container $n" >&2; exit 1 ;;
esac
code=${out##*'"StatusCode":'}
code=${code%%[!0-9]*}
echo "container $n exited with status $code"
exit "$code"
"""

# ExecStartPost. The unit becomes active only once the container runs, and, if it has a
# HEALTHCHECK, once it is healthy; TimeoutStartSec= bounds the wait. A container that already
# exited with status 0 (a one-shot job) counts as started.
READY = r"""n=$1
while :; do
  st=$(docker inspect --format '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.ExitCode}}' -- "$n") || exit 1
  case $st in
  'running healthy '* | 'running none '*) exit 0 ;;
  'running unhealthy '*) echo "container $n is unhealthy" >&2; exit 1 ;;
  'exited none 0' | 'exited healthy 0') exit 0 ;;
  exited* | dead* | removing*) echo "container $n stopped while starting: $st" >&2; exit 1 ;;
  esac
  sleep 0.2
done
"""

# ExecStop. Tell the main process the stop is ours, then stop the container with its own
# timeout (TimeoutStopSec= leaves a margin above it).
STOP = r"""kill -USR1 "$MAINPID" 2>/dev/null
exec docker stop --time "$1" -- "$2" >/dev/null
"""

# A user-defined network's unit: make sure the network exists, recreating it with the
# recorded driver and options if it is missing (a fresh engine, a pruned host).
NETWORK = r"""n=$1
shift
docker network inspect -- "$n" >/dev/null 2>&1 && exit 0
echo "network $n is missing; creating it"
exec docker network create "$@" -- "$n"
"""
