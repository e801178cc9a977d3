"""The real web server and task workers as child processes, on loopback.

For the ingest benchmark and the kill test: gunicorn serving `filrouge.wsgi`
and `filrouge worker` processes, each in its own process group so that a test
can `kill -9` a whole server (master and workers) the way a crash would.
"""

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    """The `DATABASE_URL` of a Django database's settings (SQLite file or PostgreSQL)."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


@dataclass
class Child:
    args: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> "Child":
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
                self.args,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed as a whole
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """`kill -9` the process and its children, as a crash would; reaped at once."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM, then SIGKILL if it does not stop in time."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        except ProcessLookupError:
            pass


def environ(*, database_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="filrouge.settings",
        SECRET_KEY=os.environ.get("SECRET_KEY") or "serving-only-not-secret",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="ERROR",
    )
    env.update(extra or {})
    return env


def web(*, port: int, env: dict[str, str], log: Path, workers: int = 2, threads: int = 16) -> Child:
    """gunicorn on 127.0.0.1:`port`: gthread workers, or sync ones when `threads` is 1.

    Threads, because a webhook spends its time waiting for its group commit
    (`channels/intake.py`): 16 requests waiting in one process share one commit.
    """
    args = [sys.executable, "-m", "gunicorn", "filrouge.wsgi:application"]
    args += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--backlog", "2048"]
    args += ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []
    args += ["--keep-alive", "30", "--error-logfile", "-", "--log-level", "warning"]
    return Child(args, env, log)


def worker(*, env: dict[str, str], log: Path, claim: int = 20, extra: list[str] = ()) -> Child:
    args = [sys.executable, "-m", "filrouge", "worker", "--no-startup-delay"]
    args += ["--interval", "0.2", "--claim", str(claim), *extra]
    return Child(args, env, log)


def manage(*args: str, env: dict[str, str], timeout: float = 600) -> str:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "filrouge", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"filrouge {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def wait_until_up(port: int, *, timeout: float = 30) -> None:
    """Until `/healthz` answers 200 on 127.0.0.1:`port`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing answers on 127.0.0.1:{port}")
        time.sleep(0.1)


def cpu_seconds(pid: int, *, children: bool = True) -> float:
    """User + system CPU seconds of a process and, by default, its live children (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [pid] + (_children(pid) if children else [])
    total = 0.0
    for each in pids:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found + [grand for child in found for grand in _children(child)]
