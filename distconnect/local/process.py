"""Detached background processes with pid files: start, identify, stop without leftovers.

A service started by ``distconnect local …`` must outlive the CLI command that started it and be
found again by a later command. It runs in a session of its own (so one signal reaches the whole
process group) and its pid is written to a file. Because pids are reused, a pid only counts as
ours while the live process's command line still contains a marker (the state directory's path).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from distconnect.local.errors import LocalServiceError


def _cmdline(pid: int) -> str | None:
    """The command line of a live, non-zombie process, or None."""
    proc = Path(f"/proc/{pid}")
    if proc.exists():
        try:
            stat = (proc / "stat").read_text()
            # The state letter follows the parenthesised command name, which may itself hold spaces.
            if stat.rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                return None
            return (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError):
            return None
    out = subprocess.run(["ps", "-p", str(pid), "-o", "stat=,command="], capture_output=True, text=True)
    line = out.stdout.strip()
    if out.returncode != 0 or not line or line.startswith("Z"):
        return None
    return line.split(None, 1)[1] if " " in line else ""


def is_running(pid: int, marker: str) -> bool:
    """Whether ``pid`` is alive and its command line contains ``marker``."""
    cmd = _cmdline(pid)
    return cmd is not None and marker in cmd


def read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def running_pid(pid_file: Path, marker: str) -> int | None:
    """The pid recorded in ``pid_file`` if that process is still ours and alive."""
    pid = read_pid(pid_file)
    return pid if pid is not None and is_running(pid, marker) else None


def spawn(argv: Sequence[str], *, log_file: Path, cwd: Path, env: dict[str, str] | None = None) -> int:
    """Start ``argv`` detached in its own session, output appended to ``log_file``; return its pid.

    The child is reaped by a background waiter only if this process outlives it; a CLI that exits
    right away leaves it to init, which is what a daemon wants.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as out:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _CHILDREN[proc.pid] = proc
    return proc.pid


# Children started by this process; polled so that they never linger as zombies (a zombie would
# still answer os.kill(pid, 0) and look alive to a naive check).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def _reap(pid: int) -> None:
    child = _CHILDREN.get(pid)
    if child is not None and child.poll() is not None:
        del _CHILDREN[pid]


def terminate(pid: int, marker: str, *, grace: float) -> bool:
    """SIGTERM the process group of ``pid``, SIGKILL it after ``grace`` seconds. True if it ran."""
    if not is_running(pid, marker):
        _reap(pid)
        return False
    _signal_group(pid, signal.SIGTERM)
    if not wait_gone(pid, marker, grace):
        _signal_group(pid, signal.SIGKILL)
        if not wait_gone(pid, marker, 10.0):
            raise LocalServiceError(f"process {pid} survived SIGKILL; check it with `ps -p {pid}`")
    return True


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def wait_gone(pid: int, marker: str, timeout: float) -> bool:
    """Poll until the process is gone (or a zombie we reaped); False on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        _reap(pid)
        if not is_running(pid, marker):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Java servers set SO_REUSEADDR, so a port in TIME_WAIT is free for them too.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def accepts_connections(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS considers free right now (another process may still take it first)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def tail(path: Path, lines: int = 5) -> str:
    """The last ``lines`` lines of a log file, joined with `` | `` for a one-line error."""
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(text[-lines:])
