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

# ExecStartPre. Start the container through the engine's API (204 started, 304 already
# running), then wait until it runs, and, if it has a HEALTHCHECK, until it is healthy
# (TimeoutStartSec= bounds the wait), so the unit becomes active only once the container is up.
# A container that already exited with status 0 (a one-shot job) counts as started; ExecStart's
# /wait then returns at once with that 0.
# Why one script, and the engine's API rather than the docker CLI: at boot every unit runs this
# at once, and each process a unit spawns pays for its sandbox (a mount namespace, a seccomp
# filter: 50 ms against 13 ms bare, bench/sandbox.py), each docker CLI call 18 ms more
# (bench/startup.py).
# The engine's JSON is compact and every quote inside a JSON string is escaped, so the patterns
# only match its structure: State.Status is State's first field, Health.Status Health's,
# State.ExitCode the first ExitCode.
START = r"""n=$1 sock=$2
out=$(printf 'POST /containers/%s/start HTTP/1.0\r\nContent-Length: 0\r\n\r\n' "$n" | nc -U "$sock")
case $out in
'HTTP/1.'?' 204 '* | 'HTTP/1.'?' 304 '*) ;;
'') echo "cannot reach the Docker engine at $sock" >&2; exit 1 ;;
*) echo "could not start container $n: ${out##*'"message":'}" >&2; exit 1 ;;
esac
while :; do
  out=$(printf 'GET /containers/%s/json HTTP/1.0\r\n\r\n' "$n" | nc -U "$sock")
  case $out in
  'HTTP/1.'?' 200 '*) ;;
  '') echo "cannot reach the Docker engine at $sock" >&2; exit 1 ;;
  *) echo "cannot inspect container $n: ${out##*'"message":'}" >&2; exit 1 ;;
  esac
  case $out in
  *'"State":{"Status":"running"'*)
    case $out in
    *'"Health":{"Status":"starting"'*) ;;
    *'"Health":{"Status":"unhealthy"'*) echo "container $n is unhealthy" >&2; exit 1 ;;
    *) exit 0 ;;
    esac ;;
  *'"State":{"Status":"exited"'* | *'"State":{"Status":"dead"'* | *'"State":{"Status":"removing"'*)
    code=${out#*'"ExitCode":'}
    code=${code%%[!0-9]*}
    [ "$code" = 0 ] && exit 0
    echo "container $n stopped while starting, exit status $code" >&2; exit 1 ;;
  esac
  sleep 0.2
done
"""

# ExecStop. Tell the main process the stop is ours, then stop the container with its own
# timeout (TimeoutStopSec= leaves a margin above it); a container already gone is stopped.
STOP = r"""kill -USR1 "$MAINPID" 2>/dev/null
out=$(printf 'POST /containers/%s/stop?t=%s HTTP/1.0\r\nContent-Length: 0\r\n\r\n' "$2" "$1" | nc -U "$3")
case $out in
'HTTP/1.'?' 204 '* | 'HTTP/1.'?' 304 '* | 'HTTP/1.'?' 404 '*) exit 0 ;;
'') echo "cannot reach the Docker engine at $3" >&2 ;;
*) echo "could not stop container $2: ${out##*'"message":'}" >&2 ;;
esac
exit 1
"""

# A user-defined network's unit: make sure the network exists, recreating it with the
# recorded driver and options if it is missing (a fresh engine, a pruned host).
NETWORK = r"""n=$1
shift
docker network inspect -- "$n" >/dev/null 2>&1 && exit 0
echo "network $n is missing; creating it"
exec docker network create "$@" -- "$n"
"""
