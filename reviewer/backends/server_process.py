"""A llama-server process that this tool starts and stops: on a free loopback port, ready when its
``/health`` answers 200, stopped on ``stop()`` (success, an error, Ctrl-C: the callers' ``finally``),
at interpreter exit, and, on Linux, when this process dies without either (the kernel's
parent-death signal). Its output goes to a log file; the last lines of it are the error when it
exits before it is ready.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from ..errors import ModelError

HOST = "127.0.0.1"
_RUNNING: set[ManagedServer] = set()
_RUNNING_LOCK = threading.Lock()


def free_port() -> int:
    """A port nothing listens on now (the OS's choice, on loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _parent_death_signal():
    """Linux: a function for the child, between fork and exec, that asks the kernel to send it
    SIGTERM when the thread that started it ends (started from the main thread: when this process
    does, even killed); None elsewhere. libc is loaded here, in the parent: the child only calls it."""
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    term = int(signal.SIGTERM)
    return lambda: prctl(1, term)  # PR_SET_PDEATHSIG


class ManagedServer:
    """One llama-server process. ``command`` is the binary and its arguments, without host and port."""

    STOP_SECONDS = 10.0

    def __init__(self, command: list[str], *, startup_timeout: float = 600.0, log_dir: Path | None = None):
        self.command = list(command)
        self.startup_timeout = startup_timeout
        self.log_dir = log_dir
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.log_path: Path | None = None
        self._log = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> str:
        """Start the server and wait until it is ready; its base URL. Raises ModelError (the server
        stopped) when it exits first or is not ready within ``startup_timeout``."""
        for attempt in range(3):  # a port taken between free_port() and the server's bind: another
            self._spawn()
            try:
                self._wait_ready()
                return self.url
            except _PortTaken:
                self.stop()
                if attempt == 2:
                    raise ModelError(f"llama-server could not bind a loopback port ({self.tail()})") from None
            except BaseException:
                self.stop()
                raise
        raise AssertionError("unreachable")

    def _spawn(self) -> None:
        self.port = free_port()
        folder = self.log_dir or Path(tempfile.gettempdir())
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="llama-server-", suffix=".log", dir=folder)
        self.log_path = Path(name)
        self._log = os.fdopen(fd, "wb")
        with _RUNNING_LOCK:
            self.proc = subprocess.Popen(
                [*self.command, "--host", HOST, "--port", str(self.port)],
                stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                # its own session: a terminal's Ctrl-C reaches this process, which stops it in order
                start_new_session=True,
                preexec_fn=_parent_death_signal(),
            )
            _RUNNING.add(self)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        with requests.Session() as session:
            while True:
                code = self.proc.poll() if self.proc is not None else -1
                if code is not None:
                    text = self.tail()
                    if "bind" in text.lower() and "port" in text.lower():
                        raise _PortTaken
                    raise ModelError(f"llama-server exited ({code}) before it was ready: {text}",
                                     hint=f"its log: {self.log_path}")
                try:
                    r = session.get(f"{self.url}/health", timeout=2)
                    if r.status_code == 200:
                        return
                except requests.RequestException:
                    pass  # not listening yet
                if time.monotonic() > deadline:
                    raise ModelError(f"llama-server was not ready within {self.startup_timeout:.0f} s",
                                     hint=f"its log: {self.log_path}")
                time.sleep(0.1)

    def tail(self, lines: int = 3) -> str:
        """The last lines of the server's log (what it said before it stopped)."""
        if self.log_path is None:
            return ""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        kept = [line.strip() for line in text.splitlines() if line.strip()]
        return " | ".join(kept[-lines:])

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after STOP_SECONDS) and wait for it to be gone."""
        proc = self.proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
            try:
                proc.wait(self.STOP_SECONDS)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        with _RUNNING_LOCK:
            _RUNNING.discard(self)


class _PortTaken(Exception):
    pass


@atexit.register
def _stop_all() -> None:
    """At interpreter exit, whatever path led there: no server outlives the tool."""
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for server in running:
        server.stop()
