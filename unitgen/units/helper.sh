#!/bin/sh
# unitgen's unit helper, interface version 1: what every unit unitgen writes runs.
#
#   container-v1 run NAME [RECORD SECONDS]    start NAME, tell systemd once it is up, wait
#   container-v1 start NAME                   start container NAME and wait until it is up
#   container-v1 wait NAME                    block until NAME stops; exit with its status
#   container-v1 stop NAME SECONDS            stop NAME, giving it SECONDS before SIGKILL
#   container-v1 network PATH MEMBER...       create network PATH from {MEMBER,...} if missing
#   container-v1 policy NAME POLICY           set Docker's restart policy (hand NAME back)
#   container-v1 recreate NAME RECORD SECONDS replace NAME by a new one from RECORD; start it
#   container-v1 discard NAME SECONDS         stop NAME as stop does, then remove it
#   container-v1 signal NAME SIGNAL           send SIGNAL to NAME (a reload)
#   container-v1 exec NAME JSON-ARRAY         run the command JSON-ARRAY in NAME (a reload)
#
# A stop or discard leaves the container running when /run/unitgen/release/NAME exists: that
# is how `unitgen uninstall --keep-running` and purging the package hand a container back to
# Docker's restart policy without taking it down.
# unitgen writes this file to /var/lib/unitgen/helper/container-v1 and records its sha256 in
# each unit ([X-Unitgen] HelperHash=); `unitgen drift` reports it missing or edited. It
# talks to the Docker engine over its Unix socket (DOCKER_HOST=unix://PATH, as the unit sets
# it) with netcat-openbsd, one HTTP/1.0 request per step: no docker CLI, no unitgen, so the
# units keep working after `apt remove unitgen`. A later unitgen may change this file and add
# verbs (recreate and discard came with recreate mode, run with Type=notify units, signal and
# exec with reloads) but never
# change the verbs and arguments it has: a new interface gets a new name (container-v2).
#
# run is the main process of a Type=notify unit: one process per start, where units written
# before it spawn two (ExecStartPre= start, ExecStart= wait), each paying for its sandbox. It
# starts the container (with RECORD and SECONDS, recreated first, as recreate does), says
# READY=1 with systemd-notify once it is up, then does what wait does. systemd-notify, not a
# datagram from nc: a message from a process that has exited may find no unit (systemd looks
# the sender's cgroup up when it reads the message), and systemd-notify waits until systemd
# has read it (BARRIER=1, with a file descriptor nc cannot pass); the sender is a child, so
# the unit says NotifyAccess=all (main would need CAP_SYS_ADMIN to send as the main PID).
#
# recreate reads RECORD (/etc/unitgen/recreate/NAME.json, written by `unitgen install
# --recreate`) line by line, without a JSON parser: unitgen writes one top-level member a
# line, each value compact and ASCII-only, among them "image":REF, "create":BODY (of POST
# /containers/create) and one "connect NET":BODY per further network (of POST
# /networks/NET/connect, without "Container").
#
# The engine's answers are read without relying on whitespace, nor on field order but where
# state_of says: readiness comes from one inspect of the container (its "State" member), not
# a listing of them all.
set -u
LC_ALL=C # ${#body} must count bytes, for Content-Length
export LC_ALL
NC=/bin/nc.openbsd # the exact binary: Debian's `nc` may be netcat-traditional, without -U
CR=$(printf '\r')
TAB=$(printf '\t')
NL='
'

say() { printf '%s\n' "$*" >&2; }
# SOFT=1 while recreate has no container yet: a failure there is said and ends the step with
# 0, so the wait verb finds no container and the unit fails and restarts as after a crash,
# with Docker's back-off, while the boot goes on (a failing start would hold the boot's start
# job under RestartMode=direct, as in start's 404 case).
# SOFT=2 is the same for run: ready (the start job ends), then failed as after a crash.
SOFT=0
die() {
    say "$*"
    case $SOFT in
    1) exit 0 ;;
    2) notify_ready && exit 1 ;;
    esac
    exit 1
}

# notify_ready: READY=1 to systemd, when a Type=notify unit runs this (NOTIFY_SOCKET set).
notify_ready() {
    [ -n "${NOTIFY_SOCKET:-}" ] || return 0
    systemd-notify --ready || say "could not tell systemd that $name is up"
}

HOST=${DOCKER_HOST:-unix:///run/docker.sock}
case $HOST in
unix://?*) SOCK=${HOST#unix://} ;;
*) die "DOCKER_HOST=$HOST: only unix:// sockets are supported" ;;
esac
[ -x "$NC" ] || die "$NC is missing: install netcat-openbsd"
API= # /vX.Y once negotiated
HEALTH=none # the container's health once up: none, healthy, ...
HEADER='' # one more header line (with its CRLF) for the next request: a pull's login

# request METHOD PATH [BODY]: sets STATUS (000 when the engine did not answer) and BODY.
request() {
    if [ $# -ge 3 ]; then
        out=$(printf '%s %s HTTP/1.0\r\n%sContent-Type: application/json\r\nContent-Length: %s\r\n\r\n%s' \
            "$1" "$API$2" "$HEADER" "${#3}" "$3" | "$NC" -U "$SOCK" 2>/dev/null)
    else
        out=$(printf '%s %s HTTP/1.0\r\n%s\r\n' "$1" "$API$2" "$HEADER" | "$NC" -U "$SOCK" 2>/dev/null)
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
message() { string_of message; }

# The string value of the first member "KEY" of BODY, read within its line (JSON escapes every
# newline inside a value), unescaped enough to be read: \" \\ \/ and the \u003c \u003e \u0026
# Go writes for < > &; \n \r \t become spaces.
string_of() {
    s=${BODY#*\""$1"\"}
    [ "$s" != "$BODY" ] || return 0
    s=${s#*:}
    s=${s#*\"}
    s=${s%%"$NL"*}
    json_string
    printf '%s' "$text"
}

# json_string: TEXT, the JSON string that S starts with (after its opening quote), read as
# string_of says; S is left after its closing quote. No fork: TEXT and S are set.
json_string() {
    text=
    while :; do
        chunk=${s%%[\"\\]*}
        text=$text$chunk
        s=${s#"$chunk"}
        case $s in
        \\u003[cC]*) text="$text<" ;;
        \\u003[eE]*) text="$text>" ;;
        \\u0026*) text="$text&" ;;
        \\[nrt]*) text="$text " ;;
        \\u????*) text="$text${s%"${s#??????}"}" ;; # kept as written
        \\?*)
            c=${s#?}
            text=$text${c%"${c#?}"}
            ;;
        *) break ;; # the closing quote, or the end of a cut answer
        esac
        case $s in
        \\u????*) s=${s#??????} ;;
        *) s=${s#??} ;;
        esac
    done
    s=${s#\"}
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

# up NAME GONE: start NAME and return once it is up: how run, start and recreate end. GONE
# says what to do when there is no container NAME.
up() {
    name=$1
    request POST "/containers/$name/start" ""
    case $STATUS in
    204 | 304) ;;
    404)
        # Nothing to start. Said, then left to the wait verb, which fails at once: the unit
        # fails and restarts as after a crash, with Docker's back-off, while the boot goes on
        # (a failing start would hold the boot's start job under RestartMode=direct).
        say "no container named $name: $2"
        return 0
        ;;
    *) die "could not start container $name (HTTP $STATUS): $(message)" ;;
    esac
    # Up means running, and healthy when it has a health check; TimeoutStartSec= bounds this.
    # One inspect of NAME a round: a filtered listing would walk every container the engine
    # has, and at boot every unit of a level asks at once.
    while :; do
        state_of "$name"
        case $RUNSTATE/$HEALTH in
        running/none | running/healthy) return 0 ;;
        running/unhealthy) die "container $name is unhealthy" ;;
        running/starting) ;;
        running/*) return 0 ;; # a health status this helper does not know: up
        exited/* | dead/*)
            # A one-shot job that already finished with 0 counts as started; the wait
            # then returns at once with that 0.
            [ "$CODE" = 0 ] && return 0
            die "container $name stopped while starting, exit status $CODE"
            ;;
        gone/*) return 0 ;; # removed meanwhile: the wait finds no container and fails
        esac
        sleep 0.2
    done
}

# state_of NAME: from one GET /containers/NAME/json, RUNSTATE (Docker's State.Status:
# running, exited, dead, created, restarting, ...; gone when there is no NAME), HEALTH
# (State.Health.Status, none without a health check) and CODE (State.ExitCode). Read within
# the "State" member whatever the spacing; its own members are read before its Health member,
# which Docker writes last (Go keeps a struct's order; so since health checks came, 1.12), so
# that the log's ExitCode is not taken for the state's.
state_of() {
    request GET "/containers/$1/json"
    case $STATUS in
    200) ;;
    404)
        RUNSTATE=gone HEALTH=none CODE=''
        return 0
        ;;
    *) die "cannot inspect container $1 (HTTP $STATUS): $(message)" ;;
    esac
    read_state
}

# read_state: what state_of says, from the inspect in BODY.
read_state() {
    st=${BODY#*\"State\"}
    HEALTH=none
    case $st in
    *\"Health\":\{* | *\"Health\":\ \{*) # an object: not null, not a label named so
        h=${st#*\"Health\"}
        h=${h#*\"Status\"}
        h=${h#*:}
        h=${h#*\"}
        HEALTH=${h%%\"*}
        st=${st%%\"Health\"*}
        ;;
    esac
    s=${st#*\"Status\"}
    s=${s#*:}
    s=${s#*\"}
    RUNSTATE=${s%%\"*}
    c=${st#*\"ExitCode\"}
    c=${c#*:}
    while :; do
        case $c in
        [\ "$CR$NL$TAB"]*) c=${c#?} ;;
        *) break ;;
        esac
    done
    CODE=${c%%[!0-9]*}
}

start() {
    negotiate 30 || die "cannot reach the Docker engine at $SOCK"
    up "$1" "recreate it, then run: unitgen install $1"
    exit 0
}

# Docker's restart back-off, which systemd lacks (252 has no RestartSteps=; 254's never
# resets its step), for units that set UNITGEN_BACKOFF=1 and a short RestartSec=: every end
# of a run that systemd did not ask for
# is noted in /run/unitgen/backoff/NAME as `DELAY AT` (centiseconds of /proc/uptime), DELAY
# 100 ms after a run that was up 10 s or more, else twice the last, 1 min at most (moby's
# restartmanager); the next run sleeps until DELAY after AT before it starts the container.
# /run is empty at boot: a boot never waits.
RUN_DIR=${UNITGEN_RUN_DIR:-/run/unitgen} # a user's units: %t/unitgen; tests: their own
BACKOFF=$RUN_DIR/backoff
UP_AT=''

# now_cs: NOW, centiseconds since boot, without a fork.
now_cs() {
    read -r up _ </proc/uptime
    f=${up#*.}
    NOW=$((${up%.*} * 100 + ${f#0}))
}

backoff_wait() {
    [ -n "${UNITGEN_BACKOFF:-}" ] && [ -f "$BACKOFF/$1" ] || return 0
    read -r delay at _ <"$BACKOFF/$1" || return 0
    now_cs
    left=$((at + delay - NOW))
    [ "$left" -gt 0 ] || return 0
    say "container $1 failed $(printf '%d.%02d' $(((NOW - at) / 100)) $(((NOW - at) % 100))) s ago:" \
        "starting it in $(printf '%d.%02d' $((left / 100)) $((left % 100))) s (back-off)"
    sleep "$(printf '%d.%02d' $((left / 100)) $((left % 100)))"
}

# backoff_note NAME: the EXIT trap of run.
backoff_note() {
    [ -n "${UNITGEN_BACKOFF:-}" ] || return 0
    if [ "$stopping" = 1 ]; then
        rm -f "$BACKOFF/$1" # a stop systemd asked for forgets the back-off
        return 0
    fi
    now_cs
    delay=0
    [ -f "$BACKOFF/$1" ] && read -r delay _ <"$BACKOFF/$1"
    if [ -n "$UP_AT" ] && [ $((NOW - UP_AT)) -ge 1000 ]; then
        delay=10
    elif [ "${delay:-0}" -gt 0 ] 2>/dev/null; then
        delay=$((delay * 2))
        [ "$delay" -le 6000 ] || delay=6000
    else
        delay=10
    fi
    [ -d "$BACKOFF" ] || mkdir -p "$BACKOFF"
    printf '%s %s\n' "$delay" "$NOW" >"$BACKOFF/$1"
}

# run NAME [RECORD SECONDS]: ExecStart= of a Type=notify unit. A container that is gone, or
# (with RECORD) could not be made, is said and the unit is ready, then fails in the wait as
# after a crash: under RestartMode=direct a failing start would hold the boot's start job.
run() {
    name=$1 stopping=0 RUN=1 since=''
    trap 'stopping=1' USR1 # before READY=1: a stop may follow at once
    trap 'backoff_note "$name"; end_watch' EXIT
    [ ! -e "$RUN_DIR/exited/$1" ] || rm -f "$RUN_DIR/exited/$1"
    [ ! -e "$RUN_DIR/unhealthy/$1" ] || rm -f "$RUN_DIR/unhealthy/$1"
    backoff_wait "$1"
    # The health events the watch asks for start here, before the start: none is missed.
    case ${UNITGEN_ON_UNHEALTHY:-none} in
    none) ;;
    *) since=$(date +%s.%N) ;;
    esac
    if [ $# = 3 ]; then
        SOFT=2
        recreate_ "$1" "$2" "$3"
        SOFT=0
    else
        negotiate 30 || die "cannot reach the Docker engine at $SOCK"
        up "$1" "recreate it, then run: unitgen install $1"
    fi
    notify_ready
    [ -z "${UNITGEN_BACKOFF:-}" ] || {
        now_cs
        UP_AT=$NOW
    }
    if [ -n "$since" ]; then
        if [ "$HEALTH" = none ]; then
            say "container $1 has no health check: on-unhealthy $UNITGEN_ON_UNHEALTHY has nothing to watch"
        else
            watch "$1" "$UNITGEN_ON_UNHEALTHY" "$since" &
            WATCH=$!
        fi
    fi
    wait_for "$1"
}

# end_watch: the watch of run, if any, ended (with its events request).
WATCH=''
end_watch() {
    [ -z "$WATCH" ] || kill "$WATCH" 2>/dev/null
    WATCH=''
}

# watch NAME ACTION SINCE: in the background of run (UNITGEN_ON_UNHEALTHY=ACTION), NAME's
# health events since SINCE, from one events request held open as the wait is: no polling,
# an sh and an nc per watched container, the nc writing into a FIFO this sh reads (so that
# run can end both: it sends TERM to this sh, which ends its nc). At an "unhealthy" that an
# inspect confirms, the check and its last output are said, NAME is stopped (restart, stop:
# with its own stop timeout) or killed (kill), and run, whose wait then returns, ends by
# UNHEALTHY_END for the unit to act on. A stream that ends otherwise (the engine restarted,
# an inspect failed) is asked for again from SINCE: Docker says a health status only when it
# changes, so an event not acted on is replayed rather than lost (an inspect tells whether
# it still holds).
watch() {
    main=$$ events='' fifo="$RUN_DIR/watch/$1"
    trap '[ -z "$events" ] || kill "$events" 2>/dev/null; rm -f "$fifo"; exit 0' TERM
    [ -d "$RUN_DIR/watch" ] || mkdir -p "$RUN_DIR/watch"
    rm -f "$fifo"
    mkfifo -m 0600 "$fifo" || {
        say "cannot watch the health of container $1: mkfifo $fifo failed"
        return 0
    }
    filters=$(urlencode "{\"container\":[\"$1\"],\"event\":[\"health_status\"]}")
    while kill -0 "$main" 2>/dev/null; do
        printf 'GET %s/events?since=%s&filters=%s HTTP/1.0\r\n\r\n' "$API" "$3" "$filters" |
            "$NC" -U "$SOCK" >"$fifo" 2>/dev/null &
        events=$! acted=0
        while IFS= read -r line; do
            # The event's own Action comes before its Actor's attributes (labels).
            a=${line#*\"Action\":}
            case ${a#"${a%%[! ]*}"} in
            \"health_status:\ unhealthy\"*) ;;
            *) continue ;;
            esac
            request GET "/containers/$1/json"
            [ "$STATUS" = 200 ] || continue # gone, or an engine going away: asked again
            read_state
            [ "$HEALTH" = unhealthy ] || continue
            act_unhealthy "$1" "$2"
            acted=1
            break
        done <"$fifo"
        kill "$events" 2>/dev/null
        events=''
        [ "$acted" = 0 ] || break
        sleep 1
    done
    rm -f "$fifo"
}

# act_unhealthy NAME ACTION: after state_of found NAME unhealthy (BODY: its inspect).
act_unhealthy() {
    say "container $1 is unhealthy: $(health_report); on-unhealthy $2:" \
        "$([ "$2" = kill ] && echo killing || echo stopping) it"
    [ -d "$RUN_DIR/unhealthy" ] || mkdir -p "$RUN_DIR/unhealthy"
    : >"$RUN_DIR/unhealthy/$1"
    case $2 in
    kill) request POST "/containers/$1/kill" "" ;;
    *) request POST "/containers/$1/stop" "" ;; # without t: the container's own timeout
    esac
    case $STATUS in
    204 | 304 | 404 | 409) ;;
    *) say "could not $([ "$2" = kill ] && echo kill || echo stop) container $1 (HTTP $STATUS): $(message)" ;;
    esac
}

# health_report: from the inspect in BODY, the health check's command and the exit status
# and output (its first 300 bytes, on one line) of its last run.
health_report() {
    s=${BODY#*\"Healthcheck\":\{\"Test\":\[} check=''
    if [ "$s" != "$BODY" ]; then
        while :; do
            case $s in
            \"*) s=${s#?} ;;
            *) break ;;
            esac
            json_string
            case $text in
            CMD | CMD-SHELL) ;;
            *) check="$check${check:+ }$text" ;;
            esac
            case $s in
            ,*) s=${s#,} ;;
            *) break ;;
            esac
        done
    fi
    code='' out=''
    s=${BODY#*\"Health\":\{}
    s=${s#*\"Log\":\[}
    while :; do
        case $s in
        \{*) ;;
        *) break ;;
        esac
        e=${s#*\"ExitCode\":}
        code=${e%%[!0-9-]*}
        s=${s#*\"Output\":\"}
        json_string
        out=${text%"${text##*[! ]}"}
        s=${s#\}}
        case $s in
        ,*) s=${s#,} ;;
        *) break ;;
        esac
    done
    printf 'health check "%s" failed, exit status %s: %.300s' "${check:-?}" "${code:-?}" "$out"
}

wait_() {
    name=$1 stopping=0
    # The stop verb sends USR1 first: a stop that systemd asked for ends in a clean exit 0,
    # not the container's 143 or 137.
    trap 'stopping=1' USR1
    negotiate 30 || die "cannot reach the Docker engine at $SOCK"
    wait_for "$1"
}

# exited NAME: run's word to the ExecStop= that systemd runs next, that the container has
# stopped by itself: the stop then has nothing to ask the engine (a crash's restart waits
# for it). wait, of units before run, says nothing, and their stop asks as it always did.
RUN=0
exited() {
    [ -d "$RUN_DIR/exited" ] || mkdir -p "$RUN_DIR/exited"
    : >"$RUN_DIR/exited/$1"
}

# wait_for NAME: the wait of wait and run, once the engine answered.
wait_for() {
    name=$1 lost=0
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
            [ "$RUN" = 0 ] || exited "$name"
            if [ "$RUN" = 1 ] && [ -e "$RUN_DIR/unhealthy/$name" ]; then
                rm -f "$RUN_DIR/unhealthy/$name"
                say "ending by SIGUSR2: container $name was stopped for being unhealthy"
                backoff_note "$name"
                end_watch
                trap - EXIT USR2
                kill -s USR2 $$
            fi
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
    # After run's container stopped by itself (systemd runs ExecStop= then too, without a
    # MAINPID): stopped already. discard goes on to remove it.
    if [ -z "${MAINPID:-}" ] && [ -e "$RUN_DIR/exited/$name" ]; then
        rm -f "$RUN_DIR/exited/$name"
        return 0
    fi
    negotiate 5 || die "cannot reach the Docker engine at $SOCK to stop $name"
    request POST "/containers/$name/stop?t=$seconds" ""
    case $STATUS in
    204 | 304 | 404) ;;
    *) die "could not stop container $name (HTTP $STATUS): $(message)" ;;
    esac
}

# discard NAME SECONDS: ExecStop of a unit that owns its container (recreate mode). Stopped as
# by stop, hand-back included (then left running and kept), then removed: the next start
# creates it afresh from its record.
discard() {
    stop "$1" "$2"
    [ -n "$API" ] || negotiate 5 || die "cannot reach the Docker engine at $SOCK to remove $1"
    remove "$1"
}

# remove NAME: DELETE it, by force (running or not) and without v=1: its volumes stay, as a
# restarted container's data does. Returns once NAME is gone, also when a removal already under
# way is someone else's (409), which is waited for, 30 s at most.
remove() {
    request DELETE "/containers/$1?force=1"
    case $STATUS/$(message) in
    204/* | 404/*) return 0 ;;
    409/*"already in progress"*) ;;
    *) die "could not remove container $1 (HTTP $STATUS): $(message)" ;;
    esac
    left=150
    while [ "$left" -gt 0 ]; do
        sleep 0.2
        request GET "/containers/$1/json"
        [ "$STATUS" = 404 ] && return 0
        left=$((left - 1))
    done
    die "container $1 is still being removed after 30 s"
}

# clear_name NAME SECONDS: no container NAME any more, whatever its state: one that is there is
# stopped with SECONDS of grace, as the stop verb would, then removed.
clear_name() {
    request POST "/containers/$1/stop?t=$2" ""
    # A stop the engine refuses is not fatal: the forced removal kills what is left.
    [ "$STATUS" = 404 ] || remove "$1"
}

# read_record NAME RECORD: CREATE, IMAGE and CONNECTS (one `NET<tab>BODY` line per network,
# NET as the record writes it, JSON-escaped) from RECORD, which must be NAME's. Read before the
# engine is asked anything: a record that cannot serve changes nothing.
read_record() {
    RECORD=$2 owner=none CREATE='' IMAGE='' CONNECTS='' RECORD_API='' LOGIN=''
    fix="rewrite it with: unitgen install --recreate $1"
    if [ ! -f "$RECORD" ] || [ ! -r "$RECORD" ]; then
        die "cannot read $RECORD, the record container $1 is created from: $fix"
    fi
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line%"$CR"}
        line=${line%,}
        case $line in
        \"container\":*) owner=${line#*:} ;;
        \"image\":\"*\")
            IMAGE=${line#*:\"}
            IMAGE=${IMAGE%\"}
            ;;
        \"create\":*) CREATE=${line#*:} ;;
        \"api\":\"[0-9]*.[0-9]*\")
            RECORD_API=${line#*:\"}
            RECORD_API=/v${RECORD_API%\"}
            ;;
        \"registry-auth\":\"*\")
            LOGIN=${line#*:\"}
            LOGIN=${LOGIN%\"}
            ;;
        \"connect\ *) connect_line "${line#\"connect }" ;;
        esac
    done <"$RECORD"
    [ "$owner" = "\"$1\"" ] ||
        die "$RECORD is not the record of container $1 (its \"container\" is $owner): $fix"
    case $CREATE in
    \{*\}) ;;
    *) die "$RECORD has no \"create\" line: $fix" ;;
    esac
}

# connect_line REST: adds to CONNECTS the line `"connect NET":BODY` whose REST follows
# `"connect `. NET ends at the first quote that no backslash escapes (a network's name may hold
# anything, quotes and `":` included).
connect_line() {
    rest=$1 net=''
    while :; do
        chunk=${rest%%[\"\\]*}
        net=$net$chunk
        rest=${rest#"$chunk"}
        case $rest in
        \\?*)
            net=$net${rest%"${rest#??}"}
            rest=${rest#??}
            ;;
        *) break ;;
        esac
    done
    CONNECTS="$CONNECTS$net$TAB${rest#\":}$NL"
}

# urlencode TEXT: TEXT, the inside of a JSON string (escapes and all), as a URL path segment or
# query value: its bytes in UTF-8, percent-encoded but for A-Z a-z 0-9 - . _ ~.
urlencode() {
    s=$1 high=''
    while [ -n "$s" ]; do
        c=${s%"${s#?}"}
        s=${s#?}
        case $c in
        [A-Za-z0-9._~-])
            printf '%s' "$c"
            continue
            ;;
        \\)
            c=${s%"${s#?}"}
            s=${s#?}
            case $c in
            u)
                cp=$((0x${s%"${s#????}"}))
                s=${s#????}
                ;;
            b) cp=8 ;;
            f) cp=12 ;;
            n) cp=10 ;;
            r) cp=13 ;;
            t) cp=9 ;;
            *) cp=$(printf '%d' "'$c") ;; # \" \\ \/
            esac
            ;;
        *) cp=$(printf '%d' "'$c") ;;
        esac
        # A character beyond U+FFFF is written as a UTF-16 surrogate pair: \uD8xx\uDCxx.
        if [ "$cp" -ge 55296 ] && [ "$cp" -le 56319 ]; then
            high=$cp
            continue
        elif [ -n "$high" ] && [ "$cp" -ge 56320 ] && [ "$cp" -le 57343 ]; then
            cp=$((65536 + (high - 55296) * 1024 + cp - 56320))
        fi
        high=''
        if [ "$cp" -lt 128 ]; then
            printf '%%%02X' "$cp"
        elif [ "$cp" -lt 2048 ]; then
            printf '%%%02X%%%02X' $((192 | cp >> 6)) $((128 | (cp & 63)))
        elif [ "$cp" -lt 65536 ]; then
            printf '%%%02X%%%02X%%%02X' $((224 | cp >> 12)) $((128 | (cp >> 6 & 63))) \
                $((128 | (cp & 63)))
        else
            printf '%%%02X%%%02X%%%02X%%%02X' $((240 | cp >> 18)) $((128 | (cp >> 12 & 63))) \
                $((128 | (cp >> 6 & 63))) $((128 | (cp & 63)))
        fi
    done
}

# create NAME SECONDS: POST /containers/create?name=NAME with the record's body. A missing image
# is pulled, once; a name still taken (a removal that raced this one, or a container made
# meanwhile) is cleared again, three times at most.
create() {
    pulled=0 conflicts=0 at=${RECORD_API:-$API}
    # The bodies mean what they meant at the version they were read at (the record's "api",
    # none in older records): posted there while the engine takes it. An engine that no longer
    # does (Docker 29.0-29.2 refuse below 1.44) gets them at its own version, said, rather
    # than no container until someone rewrites the record. Only the create itself goes at AT.
    while :; do
        engine=$API API=$at
        request POST "/containers/create?name=$1" "$CREATE"
        API=$engine
        case $STATUS/$(message) in
        201/*) return 0 ;;
        400/*"too old"* | 400/*"not supported"*)
            [ "$at" != "$API" ] || break
            say "the engine no longer takes API ${at#/v}, which $RECORD was written at:" \
                "creating $1 at its own ${API#/v} (unitgen install --recreate $1 rewrites the record)"
            at=$API
            ;;
        404/"No such image"*)
            [ "$pulled" = 0 ] || break
            pull
            pulled=1
            ;;
        409/*)
            conflicts=$((conflicts + 1))
            [ "$conflicts" -le 3 ] || break
            clear_name "$1" "$2"
            ;;
        *) break ;;
        esac
    done
    die "could not create container $1 (HTTP $STATUS): $(message)"
}

# pull: POST /images/create for the record's "image", split as the docker CLI splits it: the
# repository, and as tag the digest of REPO@DIGEST (REPO:TAG@DIGEST too), else what follows the
# last colon of the last path component (a registry's host:port is no tag), else latest.
pull() {
    [ -n "$IMAGE" ] || die "$RECORD has no \"image\" line to pull the missing image by: $fix"
    repo=$IMAGE tag=''
    case $repo in
    *@*)
        tag=${repo#*@}
        repo=${repo%%@*}
        ;;
    esac
    case ${repo##*/} in
    *:*)
        [ -n "$tag" ] || tag=${repo##*:}
        repo=${repo%:*}
        ;;
    esac
    say "image $IMAGE is missing: pulling it"
    # The login Docker's CLI would send for the image's registry, as the record carries it.
    [ -z "$LOGIN" ] || HEADER="X-Registry-Auth: $LOGIN$CR$NL"
    request POST "/images/create?fromImage=$(urlencode "$repo")&tag=$(urlencode "${tag:-latest}")" ""
    HEADER=''
    [ "$STATUS" = 200 ] || die "could not pull image $IMAGE (HTTP $STATUS): $(why_not "$(message)")"
    # The engine answers 200 before it starts, then streams its progress, one JSON object a
    # line: a failure is the member "error" of the last one.
    case $BODY in
    *\"error\":*) die "could not pull image $IMAGE: $(why_not "$(string_of error)")" ;;
    esac
}

# why_not WORDS: the engine's reason a pull failed, and, when WORDS (or a 401) say the
# registry wants a login, what to do (the words unitgen/engine/sdk.py's _NEEDS_LOGIN knows):
# log in to the registry the docker CLI would name for $repo (its first path component when
# that has a dot or a colon or is localhost, else Docker Hub), then write the record again:
# the pull sends the login the record carries, not the one of root's ~/.docker now.
why_not() {
    case $STATUS/$1 in
    401/* | *[Uu]nauthorized* | *"authentication required"* | *"no basic auth credentials"* | \
        *"pull access denied"* | *"denied: "* | *"requested access to the resource is denied"*) ;;
    *)
        printf '%s' "$1"
        return 0
        ;;
    esac
    registry=docker.io
    case $repo in
    */*)
        case ${repo%%/*} in
        *.* | *:* | localhost) registry=${repo%%/*} ;;
        esac
        ;;
    esac
    printf '%s; log in first: docker login %s, then %s (the record carries the login)' \
        "$1" "$registry" "${fix#rewrite it with: }"
}

# connect NAME: POST /networks/NET/connect for each "connect NET" line of the record. On a
# failure the new container is removed again: none is left without one of its networks.
connect() {
    while IFS= read -r entry; do
        [ -n "$entry" ] || continue
        net=${entry%%"$TAB"*}
        body=${entry#*"$TAB"}
        case $body in
        \{\}) body="{\"Container\":\"$1\"}" ;;
        *) body="{\"Container\":\"$1\",${body#\{}" ;;
        esac
        request POST "/networks/$(urlencode "$net")/connect" "$body"
        [ "$STATUS" = 200 ] && continue
        case $STATUS in
        404) why="network $net is gone: $(message)" ;;
        *) why="could not connect container $1 to network $net (HTTP $STATUS): $(message)" ;;
        esac
        request DELETE "/containers/$1?force=1"
        die "$why"
    done <<CONNECTS
$CONNECTS
CONNECTS
}

# recreate NAME RECORD SECONDS: ExecStartPre of a unit that owns its container (recreate mode).
recreate() {
    SOFT=1
    recreate_ "$1" "$2" "$3"
    exit 0
}

# recreate_ NAME RECORD SECONDS: what recreate and `run NAME RECORD SECONDS` do, SOFT (set by
# the caller) until the container exists.
recreate_() {
    read_record "$1" "$2"
    negotiate 30 || die "cannot reach the Docker engine at $SOCK"
    clear_name "$1" "$3"
    create "$1" "$3"
    connect "$1"
    SOFT=0
    up "$1" "removed as it was being started; the unit's next start creates it again"
}

# signal NAME SIGNAL: ExecReload= of --reload-signal.
signal() {
    negotiate 5 || die "cannot reach the Docker engine at $SOCK to reload $1"
    request POST "/containers/$1/kill?signal=$2" ""
    case $STATUS in
    204) say "sent $2 to container $1" ;;
    409) die "container $1 is not running: nothing to reload" ;;
    *) die "could not send $2 to container $1 (HTTP $STATUS): $(message)" ;;
    esac
}

# exec NAME JSON-ARRAY: ExecReload= of --reload-cmd. The command's output goes to the journal
# (a terminal's, Tty: one stream, no framing), its exit status is the reload's.
exec_() {
    case $2 in
    \[*\]) ;;
    *) die "exec: $2 is not a JSON array of words" ;;
    esac
    negotiate 5 || die "cannot reach the Docker engine at $SOCK to reload $1"
    request POST "/containers/$1/exec" \
        "{\"Cmd\":$2,\"AttachStdout\":true,\"AttachStderr\":true,\"Tty\":true}"
    case $STATUS in
    201) ;;
    409) die "container $1 is not running: nothing to reload" ;;
    *) die "could not run $2 in container $1 (HTTP $STATUS): $(message)" ;;
    esac
    id=$(string_of Id)
    request POST "/exec/$id/start" '{"Detach":false,"Tty":true}'
    [ "$STATUS" = 200 ] || [ "$STATUS" = 101 ] ||
        die "could not run $2 in container $1 (HTTP $STATUS): $(message)"
    printf '%s\n' "$BODY" | tr -d '\r' | while IFS= read -r line; do
        [ -z "$line" ] || say "$line"
    done
    # The stream ends with the command; the engine may note its status a moment later.
    left=50
    while :; do
        request GET "/exec/$id/json"
        case $BODY in
        *\"Running\":true*) [ "$left" -gt 0 ] || break ;;
        *) break ;;
        esac
        left=$((left - 1))
        sleep 0.1
    done
    code=$(number_of ExitCode)
    [ -n "$code" ] || die "the engine did not say how $2 ended in container $1 (HTTP $STATUS)"
    if [ "$code" != 0 ]; then
        say "$2 in container $1 failed with exit status $code"
        exit "$code"
    fi
    say "ran $2 in container $1"
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
run/1 | run/3) run "$@" ;;
start/1) start "$1" ;;
wait/1) wait_ "$1" ;;
stop/2) stop "$1" "$2" ;;
network/[2-9] | network/[1-9][0-9]) network "$@" ;;
policy/2) policy "$1" "$2" ;;
recreate/3) recreate "$1" "$2" "$3" ;;
discard/2) discard "$1" "$2" ;;
signal/2) signal "$1" "$2" ;;
exec/2) exec_ "$1" "$2" ;;
--help/0 | -h/0) sed -n '4,13s/^# *//p' "$0" ;; # the usage lines at the top
*)
    die "usage: $0 run NAME [RECORD SECONDS] | start NAME | wait NAME | stop NAME SECONDS" \
        "| network PATHNAME MEMBER... | policy NAME POLICY | recreate NAME RECORD SECONDS" \
        "| discard NAME SECONDS | signal NAME SIGNAL | exec NAME JSON-ARRAY"
    ;;
esac
