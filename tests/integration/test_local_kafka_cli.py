"""``distconnect local kafka start|status|stop`` as a user runs it: a separate process per call."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from distconnect.local.process import free_port


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "distconnect", *args], capture_output=True, text=True, env=env, timeout=180
    )


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if text.encode() in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def test_start_status_stop_leaves_no_process(tmp_path: Path) -> None:
    state = tmp_path / "kafka"
    port = str(free_port())
    started = _cli("local", "kafka", "start", "--dir", str(state), "--port", port)
    assert started.returncode == 0, started.stderr
    assert f"bootstrap.servers=127.0.0.1:{port}" in started.stdout
    assert _processes_mentioning(str(state)), "the broker process should be running"

    again = _cli("local", "kafka", "start", "--dir", str(state))
    assert again.returncode == 0, again.stderr
    assert "already running" in again.stdout

    status = _cli("local", "kafka", "status", "--dir", str(state))
    assert status.returncode == 0
    assert f"running at 127.0.0.1:{port}" in status.stdout

    stopped = _cli("local", "kafka", "stop", "--dir", str(state))
    assert stopped.returncode == 0
    assert "Kafka stopped" in stopped.stdout
    assert _processes_mentioning(str(state)) == []

    assert _cli("local", "kafka", "status", "--dir", str(state)).returncode == 3
    second_stop = _cli("local", "kafka", "stop", "--dir", str(state))
    assert second_stop.returncode == 0
    assert "not running" in second_stop.stdout


def test_busy_port_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = _cli("local", "kafka", "start", "--dir", str(tmp_path / "k"), "--port", str(port))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"port {port}" in lines[0]
    assert "--port" in lines[0]


def test_missing_java_is_one_clear_line(tmp_path: Path) -> None:
    # A PATH with only this interpreter's directory: python runs, java and mvn are not found.
    env = {**os.environ, "PATH": str(Path(sys.executable).parent), "KAFKA_HOME": ""}
    env.pop("KAFKA_HOME")
    result = _cli(
        "local", "kafka", "start", "--dir", str(tmp_path / "k"), "--port", str(free_port()), env=env
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "`java` was not found" in lines[0]


def test_missing_maven_is_one_clear_line(tmp_path: Path) -> None:
    # A fresh, empty cache forces a Maven run; mvn is absent from PATH but java is present.
    java_dir = tmp_path / "bin"
    java_dir.mkdir()
    java = subprocess.run(["sh", "-c", "command -v java"], capture_output=True, text=True).stdout.strip()
    (java_dir / "java").symlink_to(os.path.realpath(java))
    env = {
        **os.environ,
        "PATH": f"{java_dir}:{Path(sys.executable).parent}",
        "DISTCONNECT_CACHE_DIR": str(tmp_path / "cache"),
    }
    env.pop("KAFKA_HOME", None)
    result = _cli(
        "local", "kafka", "start", "--dir", str(tmp_path / "k"), "--port", str(free_port()), env=env
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "`mvn` was not found" in lines[0]


@pytest.mark.parametrize("layout", ["empty", "no-clients-jar"])
def test_kafka_home_that_is_not_a_distribution_is_rejected(tmp_path: Path, layout: str) -> None:
    home = tmp_path / "kafka_2.13"
    home.mkdir()
    if layout == "no-clients-jar":
        (home / "libs").mkdir()
    result = _cli(
        "local",
        "kafka",
        "start",
        "--dir",
        str(tmp_path / "k"),
        "--port",
        str(free_port()),
        "--kafka-home",
        str(home),
    )
    assert result.returncode == 1
    assert str(home) in result.stderr or "kafka-clients" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_kafka_home_distribution_is_used(tmp_path: Path) -> None:
    """A KAFKA_HOME laid out like the Apache tarball (libs/*.jar) runs without Maven."""
    from distconnect.local.kafka_layout import KAFKA_VERSION, resolve_classpath

    maven_libs = Path(resolve_classpath(None).entries[0]).parent
    home = tmp_path / f"kafka_2.13-{KAFKA_VERSION}"
    (home / "libs").mkdir(parents=True)
    for jar in maven_libs.glob("*.jar"):
        (home / "libs" / jar.name).symlink_to(jar)
    state = tmp_path / "k"
    env = {**os.environ, "KAFKA_HOME": str(home), "DISTCONNECT_CACHE_DIR": str(tmp_path / "no-cache")}
    started = _cli("local", "kafka", "start", "--dir", str(state), "--port", str(free_port()), env=env)
    try:
        assert started.returncode == 0, started.stderr
        assert not (tmp_path / "no-cache").exists(), "a distribution must not trigger a Maven run"
        running = _processes_mentioning(str(state))
        assert running
        cmdline = (Path("/proc") / str(running[0]) / "cmdline").read_bytes()
        assert str(home / "libs").encode() in cmdline
    finally:
        assert _cli("local", "kafka", "stop", "--dir", str(state)).returncode == 0
    assert _processes_mentioning(str(state)) == []
