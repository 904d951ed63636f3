"""`make dev` stops cleanly: the very command it runs (dagster dev: webserver, daemon, code
server) on loopback over a temporary instance, stopped as a person or a supervisor stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from recon_assets_tests.conftest import CHECKOUT, free_port

STARTUP_SECONDS = 180
# Measured 5 to 11 s on a busy 2-core machine; dagster dev itself gives a child 60 s.
STOP_SECONDS = 60
# What `dagster dev` must have started before it is stopped: every kind of child.
CHILDREN = ("dagster_webserver", "dagster._daemon run", "dagster code-server start")


def _ours(home: Path) -> set[int]:
    """Every live process whose environment names this test's Dagster instance, whichever
    process group or session it put itself in."""
    marker = f"DAGSTER_HOME={home}".encode()
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker in (entry / "environ").read_bytes().split(b"\0"):
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":  # exited, waiting for its parent to read its status
                    found.add(int(entry.name))
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return found


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _started(home: Path, port: int, make: subprocess.Popen) -> set[int]:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and make.poll() is None:
        processes = _ours(home)
        commands = " | ".join(_command(pid) for pid in processes)
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2).close()
        except OSError:
            pass
        else:
            if all(child in commands for child in CHILDREN):
                return processes
        time.sleep(1)
    raise AssertionError(f"make dev did not start its webserver, daemon and code server: {make}")


def _as_a_terminal_starts_it() -> None:
    """Default dispositions for the stop signals: a terminal or a supervisor gives them, but a
    launcher that ignored them (`nohup`, `cmd &` in a script) passes its ignores on to every
    child, and dagster dev would then never hear the signal this test sends."""
    for stop_signal in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(stop_signal, signal.SIG_DFL)


def _ctrl_c(make: subprocess.Popen) -> None:
    """A terminal sends Ctrl-C to its whole foreground process group."""
    os.killpg(make.pid, signal.SIGINT)


def _sigterm(make: subprocess.Popen) -> None:
    """`kill PID`, or a supervisor stopping the service it started."""
    make.send_signal(signal.SIGTERM)


@pytest.mark.parametrize("stop", [_sigterm, _ctrl_c], ids=["SIGTERM", "Ctrl-C"])
def test_make_dev_stops_with_every_child_within_bound(stop, tmp_path):
    home = tmp_path / "home"
    dagster_home = home / "dagster"
    port = free_port()
    make = subprocess.Popen(
        ["make", "dev", f"RECON_HOME={home}", f"DEV_ARGS=-h 127.0.0.1 -p {port}"],
        cwd=CHECKOUT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own group, as a terminal gives the command it runs
        preexec_fn=_as_a_terminal_starts_it,
    )
    try:
        running = _started(dagster_home, port, make)
        stop(make)
        stopped = time.monotonic()
        while _ours(dagster_home) and time.monotonic() - stopped < STOP_SECONDS:
            time.sleep(0.2)
        make.wait(timeout=max(1.0, STOP_SECONDS - (time.monotonic() - stopped)))
        left = {pid: _command(pid) for pid in _ours(dagster_home) | running if _command(pid)}
        assert left == {}, f"still running {time.monotonic() - stopped:.0f} s after {stop}"
        assert make.returncode != 0  # stopped by the signal, not finished on its own
    finally:
        for pid in _ours(dagster_home):
            os.kill(pid, signal.SIGKILL)
        if make.poll() is None:
            make.kill()
