"""Docker's restart policy and timeouts -> systemd settings, per systemd version (pure).

README, "Restart policies", has the table this implements.
"""

from __future__ import annotations

from unitgen.model import ContainerSpec, RestartPolicy

# The helper backs off itself (UNITGEN_BACKOFF, README "Restart policies"): the unit's own
# delay is Docker's first one, so the first restart is as quick as Docker's. Not systemd's
# RestartSteps= (254+): it never resets its step, so after ten crashes, however far apart,
# every restart waits a minute (measured on 257: RestartUSecNext 190, 359, 681 ms after
# three crashes 11 s apart), where Docker starts again at 100 ms after 10 s up.
HELPER_BACKOFF_RESTART_SEC = "100ms"
RESTART_SEC = "1s"  # where no helper backs off (a Quadlet export) and systemd cannot
HELPER_BACKOFF = "UNITGEN_BACKOFF=1"
STOP_MARGIN = 15  # seconds above the container's own stop timeout
START_TIMEOUT = 120  # seconds for `docker start` plus readiness without a health check
# Recreate mode may pull the image first (an engine whose storage was wiped): time for that.
PULL_SECONDS = 300
# systemd 254 added RestartMode=direct (an automatic restart is not seen by the units that
# require this one) and RestartSteps=/RestartMaxDelaySec= (a growing delay, which a Quadlet
# export, running no helper, uses).
DIRECT_RESTART_SINCE = 254


def restart_settings(
    policy: RestartPolicy,
    restart_sec: int | None = None,
    *,
    systemd_version: int | None = None,
    shares_netns: bool = False,
    start_seconds: int = START_TIMEOUT,
    helper_backoff: bool = False,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Docker restart policy -> ([Unit] settings, [Service] settings). README has the table.
    A container whose network namespace others join keeps the classic restart mode: those
    containers must restart with it (BindsTo=).

    Under RestartMode=direct a start that fails and restarts keeps its start job running,
    so the boot (multi-user.target is ordered after the unit) would wait for it for ever;
    JobRunningTimeoutSec= ends the job after START_SECONDS (the unit's TimeoutStartSec=)
    and the unit goes on restarting, as Docker goes on restarting, without holding the boot.

    A unit whose helper backs off (HELPER_BACKOFF) restarts after Docker's first delay,
    100 ms, and the helper waits out the rest; other units (a Quadlet export, which runs no
    helper) get systemd's RestartSteps= from 254, else a restart every second."""
    modern = (systemd_version or 0) >= DIRECT_RESTART_SINCE
    if restart_sec is not None:
        pace = [("RestartSec", f"{restart_sec}s")]
    elif helper_backoff:
        pace = [("RestartSec", HELPER_BACKOFF_RESTART_SEC)]
    elif modern:
        pace = [("RestartSec", "100ms"), ("RestartSteps", "10"), ("RestartMaxDelaySec", "1min")]
    else:
        pace = [("RestartSec", RESTART_SEC)]
    job: list[tuple[str, str]] = []
    if modern and not shares_netns:
        pace.append(("RestartMode", "direct"))
        job.append(("JobRunningTimeoutSec", f"{start_seconds}s"))
    if policy.name in ("always", "unless-stopped"):
        return [("StartLimitIntervalSec", "0"), *job], [("Restart", "always"), *pace]
    if policy.name == "on-failure":
        limits = (
            [
                ("StartLimitIntervalSec", "infinity"),
                ("StartLimitBurst", str(policy.max_retries + 1)),
            ]
            if policy.max_retries
            else [("StartLimitIntervalSec", "0")]
        )
        return [*limits, *job], [("Restart", "on-failure"), *pace]
    return [], [("Restart", "no")]


# The helper's run ends by this signal, never a container's exit status, when it stopped or
# killed its container for being unhealthy (UNITGEN_ON_UNHEALTHY): the unit says what that
# end means, whatever its Restart= (a container with Docker's policy `no` has Restart=no).
UNHEALTHY_END = "SIGUSR2"


def unhealthy_settings(on_unhealthy: str | None) -> list[tuple[str, str]]:
    """--on-unhealthy -> [Service] settings: restart and kill restart the unit (under its
    back-off); stop leaves it inactive, neither failed nor restarted."""
    if on_unhealthy in ("restart", "kill"):
        return [("RestartForceExitStatus", UNHEALTHY_END)]
    if on_unhealthy == "stop":
        return [("SuccessExitStatus", UNHEALTHY_END), ("RestartPreventExitStatus", UNHEALTHY_END)]
    return []


def helper_backs_off(policy: RestartPolicy, restart_sec: int | None = None) -> bool:
    """Whether the unit asks the helper for Docker's back-off: a restarting policy, unless
    --restart-sec sets a fixed pace."""
    return restart_sec is None and policy.name != "no"


def start_timeout(spec: ContainerSpec) -> int:
    """Seconds for TimeoutStartSec=: a health check's worst case on top of the start itself."""
    if spec.health is None:
        return START_TIMEOUT
    return START_TIMEOUT + int(spec.health.worst_case_seconds())


def stop_timeout(spec: ContainerSpec, override: int | None) -> int:
    """Seconds the helper gives `docker stop` (the unit's TimeoutStopSec= adds STOP_MARGIN)."""
    return spec.stop_timeout if override is None else override
