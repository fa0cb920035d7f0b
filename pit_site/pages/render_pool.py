"""Rendering in worker processes that the kernel stops after a fixed amount of CPU time.

Python-Markdown takes quadratic or worse time on some text (a reference cited thousands of
times, long runs of backticks), and the linear checks in ``rendering.check_complexity`` only
catch the patterns found so far. So every render runs in a long-lived worker process (a
small pool per app server process, started on first use): before each render the worker sets
a CPU timer (``ITIMER_PROF``) whose signal ends the process, so no text can use more than
``CPU_SECONDS`` of CPU, whatever it is. A wall-clock deadline backs this up on a busy machine.
A worker that was stopped or died is replaced on the next render. Normal pages take a few
milliseconds, plus well under a millisecond to pass the text over a pipe.

The worker speaks JSON, one line per message: ``{"text", "faq", "cpu_seconds"}`` in, and
``{"html"}``, ``{"refused": message}`` or ``{"failed": exception name}`` out.
"""

import contextlib
import json
import os
import resource
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

CPU_SECONDS = 2.0  # the most CPU one render may use
WALL_SECONDS = 10.0  # backstop when the machine is too busy for the CPU timer to fire in time
POOL_SIZE = 2  # workers per app server process; renders beyond this wait for a free one
MEMORY_BYTES = 1024**3  # address space for a worker: a runaway render fails, the server lives
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class WorkerStopped(Exception):
    """The worker used up its time, died or did not answer; it has been stopped."""


class Worker:
    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pit_site.pages.render_pool"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=PROJECT_ROOT,
        )
        self.pending = b""

    def call(self, request, wall_seconds):
        """The worker's reply to ``request``, or WorkerStopped."""
        try:
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
            self.process.stdin.flush()
            line = self._read_line(time.monotonic() + wall_seconds)
        except (OSError, ValueError):  # a broken pipe: the worker is gone
            line = None
        if line is None:
            self.stop()
            raise WorkerStopped
        return json.loads(line)

    def _read_line(self, deadline):
        fd = self.process.stdout.fileno()
        while b"\n" not in self.pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                return None
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return None  # ended: stopped by its CPU timer, or killed
            self.pending += chunk
        line, _, self.pending = self.pending.partition(b"\n")
        return line

    def stop(self):
        self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()


class Pool:
    def __init__(self, size):
        self.slots = threading.BoundedSemaphore(size)
        self.idle = []
        self.lock = threading.Lock()

    def call(self, request, wall_seconds):
        with self.slots:
            with self.lock:
                worker = self.idle.pop() if self.idle else None
            if worker is None:
                worker = Worker()
            reply = worker.call(request, wall_seconds)  # on WorkerStopped it is not reused
            with self.lock:
                self.idle.append(worker)
            return reply

    def forget(self):
        """In a forked child: the parent's workers are the parent's to use."""
        self.idle = []
        self.lock = threading.Lock()


_pool = Pool(POOL_SIZE)
os.register_at_fork(after_in_child=_pool.forget)


def render(text, faq):
    """("html", html), ("refused", message), ("failed", exception name) or ("stopped", None)."""
    request = {"text": text, "faq": faq, "cpu_seconds": CPU_SECONDS}
    try:
        reply = _pool.call(request, WALL_SECONDS)
    except WorkerStopped:
        return "stopped", None
    ((kind, value),) = reply.items()
    return kind, value


def serve():
    """The worker: render each request under a CPU timer; end when the pipe closes."""
    from pit_site.pages.rendering import RenderError, render_in_process  # noqa: PLC0415

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops us
    signal.signal(signal.SIGPROF, signal.SIG_DFL)  # the timer's signal ends the process
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    for line in sys.stdin.buffer:
        request = json.loads(line)
        signal.setitimer(signal.ITIMER_PROF, request["cpu_seconds"])
        try:
            reply = {"html": render_in_process(request["text"], faq=request["faq"])}
        except RenderError as error:
            reply = {"refused": str(error)}
        except Exception as error:  # Python-Markdown's own bug on this text
            reply = {"failed": type(error).__name__}
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        sys.stdout.buffer.write(json.dumps(reply).encode() + b"\n")
        sys.stdout.buffer.flush()


if __name__ == "__main__":
    serve()
