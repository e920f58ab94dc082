#!/bin/sh
# unitgen's unit helper, interface version 1: what every unit unitgen writes runs.
#
#   container-v1 start NAME             start container NAME and wait until it is up
#   container-v1 wait NAME              block until NAME stops; exit with its status
#   container-v1 stop NAME SECONDS      stop NAME, giving it SECONDS before SIGKILL
#   container-v1 network PATH MEMBER... create network PATH from {MEMBER,...} if missing
#   container-v1 policy NAME POLICY     set Docker's restart policy (hand NAME back)
#
# A stop leaves the container running when /run/unitgen/release/NAME exists: that is how
# `unitgen uninstall --keep-running` and purging the package hand a container back to
# Docker's restart policy without taking it down.
# unitgen writes this file to /var/lib/unitgen/helper/container-v1 and records its sha256 in
# each unit ([X-Unitgen] HelperHash=); `unitgen drift` reports it missing or edited. It
# talks to the Docker engine over its Unix socket (DOCKER_HOST=unix://PATH, as the unit sets
# it) with netcat-openbsd, one HTTP/1.0 request per step: no docker CLI, no unitgen, so the
# units keep working after `apt remove unitgen`. A later unitgen may change this file but
# never the verbs and arguments above: a new interface gets a new name (container-v2).
#
# The engine's answers are read without relying on field order or whitespace: readiness is
# asked with filtered container listings, which answer `[]` (no) or a list (yes).
set -u
LC_ALL=C # ${#body} must count bytes, for Content-Length
export LC_ALL
NC=/bin/nc.openbsd # the exact binary: Debian's `nc` may be netcat-traditional, without -U
CR=$(printf '\r')

say() { printf '%s\n' "$*" >&2; }
die() {
    say "$*"
    exit 1
}

HOST=${DOCKER_HOST:-unix:///run/docker.sock}
case $HOST in
unix://?*) SOCK=${HOST#unix://} ;;
*) die "DOCKER_HOST=$HOST: only unix:// sockets are supported" ;;
esac
[ -x "$NC" ] || die "$NC is missing: install netcat-openbsd"
API= # /vX.Y once negotiated

# request METHOD PATH [BODY]: sets STATUS (000 when the engine did not answer) and BODY.
request() {
    if [ $# -ge 3 ]; then
        out=$(printf '%s %s HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: %s\r\n\r\n%s' \
            "$1" "$API$2" "${#3}" "$3" | "$NC" -U "$SOCK" 2>/dev/null)
    else
        out=$(printf '%s %s HTTP/1.0\r\n\r\n' "$1" "$API$2" | "$NC" -U "$SOCK" 2>/dev/null)
    fi
    case $out in
    HTTP/1.?\ [0-9][0-9][0-9]*)
        STATUS=${out#HTTP/1.? }
        STATUS=${STATUS%"${STATUS#???}"}
        ;;
    *) STATUS=000 ;;
    esac
    HEAD=${out%%"$CR
$CR"*}
    BODY=${out#*"$CR
$CR"}
}

# The engine's error text, for messages: {"message":"..."}.
message() {
    m=${BODY#*\"message\"}
    m=${m#*:}
    m=${m#*\"}
    printf '%s' "${m%\"*}"
}

# Ask the engine which API version it speaks (GET /_ping, header Api-Version) and use it for
# every later request: unversioned paths are deprecated, and engines raise their minimum
# version over time, so no pinned version suits Debian 12's 20.10 and today's engines alike.
# Tries TRIES times, a second apart (the engine may be starting or restarting).
negotiate() {
    tries=$1 was=$API
    while :; do
        API=
        request GET /_ping
        if [ "$STATUS" = 200 ]; then
            API=$(api_version)
            return 0
        fi
        API=$was
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || return 1
        sleep 1
    done
}

# /vX.Y from the Api-Version header of HEAD, or nothing (any case, any spacing).
api_version() {
    while IFS= read -r line; do
        case $line in
        [Aa][Pp][Ii]-[Vv][Ee][Rr][Ss][Ii][Oo][Nn]:*)
            v=${line#*:}
            v=${v%"$CR"}
            v=${v#"${v%%[! ]*}"}
            case $v in
            '' | *[!0-9.]*) ;;
            *) printf '/v%s' "$v" ;;
            esac
            return
            ;;
        esac
    done <<EOF
$HEAD
EOF
}

# A filter on exactly one container name, URL-encoded: {"name":["^/NAME$"],...}. Names are
# [a-zA-Z0-9][a-zA-Z0-9_.-]* (Docker's rule); `.` is the one regex character, escaped.
name_filter() {
    rest=$1 esc=
    while [ -n "$rest" ]; do
        c=${rest%"${rest#?}"}
        case $c in
        .) esc="$esc%5C%5C." ;;
        *) esc="$esc$c" ;;
        esac
        rest=${rest#?}
    done
    FILTER="%22name%22%3A%5B%22%5E%2F$esc%24%22%5D"
}

# listed EXTRA: does a container match the name filter and EXTRA (more filter members)?
listed() {
    request GET "/containers/json?all=1&filters=%7B$FILTER$1%7D"
    [ "$STATUS" = 200 ] || die "cannot list containers (HTTP $STATUS): $(message)"
    case $BODY in
    *"{"*) return 0 ;; # a list of objects, however spaced
    *) return 1 ;;     # [] (or [ ])
    esac
}

# The number after "KEY": in BODY, whatever the spacing and the order of fields; else empty.
number_of() {
    n=${BODY#*\""$1"\"}
    [ "$n" != "$BODY" ] || return 0
    n=${n#*:}
    while :; do
        case $n in
        [\ "$CR"]*) n=${n#?} ;;
        *) break ;;
        esac
    done
    printf '%s' "${n%%[!0-9]*}"
}

start() {
    name=$1
    negotiate 30 || die "cannot reach the Docker engine at $SOCK"
    request POST "/containers/$name/start" ""
    case $STATUS in
    204 | 304) ;;
    404)
        # Nothing to start. Said, then left to the wait verb, which fails at once: the unit
        # fails and restarts as after a crash, with Docker's back-off, while the boot goes on
        # (a failing start would hold the boot's start job under RestartMode=direct).
        say "no container named $name: recreate it, then run: unitgen install $name"
        exit 0
        ;;
    *) die "could not start container $name (HTTP $STATUS): $(message)" ;;
    esac
    # Up means running, and healthy when it has a health check; TimeoutStartSec= bounds this.
    name_filter "$name"
    running=%2C%22status%22%3A%5B%22running%22%5D
    ready=$running%2C%22health%22%3A%5B%22none%22%2C%22healthy%22%5D
    while :; do
        # Running with no health check, or healthy: one listing in the usual case, since a
        # start at boot runs beside every other unit's and each request costs the engine.
        listed "$ready" && exit 0
        if listed "$running"; then
            listed "$running%2C%22health%22%3A%5B%22starting%22%5D" || {
                listed "$running%2C%22health%22%3A%5B%22unhealthy%22%5D" &&
                    die "container $name is unhealthy"
                exit 0
            }
        elif listed "%2C%22status%22%3A%5B%22exited%22%2C%22dead%22%5D"; then
            # A one-shot job that already finished with 0 counts as started; the wait verb
            # then returns at once with that 0.
            listed "%2C%22exited%22%3A%5B%220%22%5D" && exit 0
            request GET "/containers/$name/json"
            die "container $name stopped while starting, exit status $(number_of ExitCode)"
        fi
        sleep 0.2
    done
}

wait_() {
    name=$1 stopping=0 lost=0
    # The stop verb sends USR1 first: a stop that systemd asked for ends in a clean exit 0,
    # not the container's 143 or 137.
    trap 'stopping=1' USR1
    negotiate 30 || die "cannot reach the Docker engine at $SOCK"
    while :; do
        request POST "/containers/$name/wait" ""
        [ "$stopping" = 1 ] && exit 0
        # Docker sends the 200 and its headers at once, the body when NAME stops: a 200
        # without a body is an engine that went away in between, like no answer at all.
        case $STATUS/$BODY in
        200/*"{"*) ;;
        200/*) STATUS=000 ;;
        esac
        case $STATUS in
        200)
            code=$(number_of StatusCode)
            [ -n "$code" ] || die "the engine's answer to wait for $name has no StatusCode: $BODY"
            [ "$code" -le 255 ] || code=255
            say "container $name exited with status $code"
            exit "$code"
            ;;
        404) die "container $name no longer exists" ;;
        000 | 5??)
            # The engine went away (restarted, upgraded, crashed) while the container may
            # well go on running (live-restore): wait for the engine and wait again, rather
            # than report a failure the container did not have.
            [ "$lost" = 1 ] || say "lost the Docker engine at $SOCK while waiting for $name; waiting for it"
            lost=1
            negotiate 1 || sleep 1
            ;;
        *) die "could not wait for container $name (HTTP $STATUS): $(message)" ;;
        esac
    done
}

stop() {
    name=$1 seconds=$2
    [ -n "${MAINPID:-}" ] && kill -USR1 "$MAINPID" 2>/dev/null
    if [ -e "/run/unitgen/release/$name" ]; then
        say "container $name handed back to Docker: left running"
        exit 0 # systemd ends the waiter; the container is not in this unit's cgroup
    fi
    negotiate 5 || die "cannot reach the Docker engine at $SOCK to stop $name"
    request POST "/containers/$name/stop?t=$seconds" ""
    case $STATUS in
    204 | 304 | 404) exit 0 ;;
    *) die "could not stop container $name (HTTP $STATUS): $(message)" ;;
    esac
}

policy() {
    name=$1 policy=$2 count=0
    case $policy in
    on-failure:*) count=${policy#on-failure:} policy=on-failure ;;
    esac
    case $policy/$count in
    on-failure/*[!0-9]* | on-failure/) die "bad restart policy $2" ;;
    no/0 | always/0 | unless-stopped/0 | on-failure/*) ;;
    *) die "bad restart policy $2" ;;
    esac
    negotiate 5 || die "cannot reach the Docker engine at $SOCK"
    request POST "/containers/$name/update" \
        "{\"RestartPolicy\":{\"Name\":\"$policy\",\"MaximumRetryCount\":$count}}"
    [ "$STATUS" = 200 ] || die "could not set the restart policy of $name (HTTP $STATUS): $(message)"
}

network() {
    path=$1 create='' sep=''
    shift
    # Each MEMBER is one `"Key":value` of the create body: the unit shows one per line.
    for member in "$@"; do
        create=$create$sep$member sep=,
    done
    create="{$create}"
    negotiate 30 || die "cannot reach the Docker engine at $SOCK"
    request GET "/networks/$path"
    case $STATUS in
    200) exit 0 ;;
    404) ;;
    *) die "cannot inspect network $path (HTTP $STATUS): $(message)" ;;
    esac
    say "network $path is missing; creating it"
    request POST /networks/create "$create"
    case $STATUS in
    201 | 409) exit 0 ;; # 409: created meanwhile by someone else
    *) die "could not create network $path (HTTP $STATUS): $(message)" ;;
    esac
}

verb=${1:-}
[ $# -gt 0 ] && shift
case $verb/$# in
start/1) start "$1" ;;
wait/1) wait_ "$1" ;;
stop/2) stop "$1" "$2" ;;
network/[2-9] | network/[1-9][0-9]) network "$@" ;;
policy/2) policy "$1" "$2" ;;
--help/0 | -h/0) sed -n '4,8s/^# *//p' "$0" ;; # the usage lines at the top
*) die "usage: $0 start NAME | wait NAME | stop NAME SECONDS | network PATHNAME MEMBER... | policy NAME POLICY" ;;
esac
