"""Worker processes, progress and stopping for every command that runs many simulations.

* :class:`WorkerPool` — the one local process pool (``compare``, ``sweep``): forkserver start
  (no threads or locks inherited), one BLAS/OpenMP thread per worker; workers ignore Ctrl-C
  (the command handles it) and end when the command ends, even killed by SIGKILL.
  :meth:`WorkerPool.close` with ``cancel=True`` terminates every process the pool started and
  the forkserver (the resource tracker exits with the command); :func:`map_ordered` runs tasks
  in order, in this process when ``workers == 1``.
* :class:`Progress` — done/total on stderr: a tqdm bar on a terminal, otherwise a plain line
  every ``KAMSIM_PROGRESS_SECONDS`` (default 10) seconds, so logs show progress too.
* :func:`stop_on_signals` — SIGTERM raises :class:`Terminated` (a ``KeyboardInterrupt``) in
  the main thread, so a stopped command runs the same clean-up as Ctrl-C.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

__all__ = ["Progress", "Terminated", "WorkerPool", "limit_threads", "map_ordered",
           "stop_on_signals", "stop_processes"]

_THREADS_LIMITED = False


class Terminated(KeyboardInterrupt):
    """The command received SIGTERM."""


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """While inside, SIGTERM raises :class:`Terminated` in the main thread."""
    def handler(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: let the clean-up finish
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def limit_threads() -> None:
    """One BLAS/OpenMP thread per worker process: runs are the unit of parallelism."""
    global _THREADS_LIMITED
    if _THREADS_LIMITED:
        return
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    with contextlib.suppress(ImportError):
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    _THREADS_LIMITED = True


def _die_with_parent() -> None:
    """Linux: SIGKILL this process when its parent (the forkserver) exits."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent is already gone
            os._exit(1)


def _exit_with(pid: int) -> None:
    """A daemon thread that ends this worker when process ``pid`` (the command) is gone, even
    killed by SIGKILL: the workers' pipes would otherwise keep them and the forkserver alive."""
    import threading

    def watch() -> None:
        try:
            fd = os.pidfd_open(pid)
        except (AttributeError, OSError):  # not Linux >= 5.3: poll
            while True:
                time.sleep(1.0)
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    os._exit(1)
                except PermissionError:
                    pass
        import select

        select.select([fd], [], [])  # readable when the process has exited
        os._exit(1)

    threading.Thread(target=watch, name="kamsim-exit-with-parent", daemon=True).start()


def _init_worker(command_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    _exit_with(command_pid)
    limit_threads()


class WorkerPool:
    """A local process pool of ``workers`` processes; ``preload``: modules the forkserver
    imports once for all workers."""

    def __init__(self, workers: int, preload: Sequence[str] = ()):
        method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
        ctx = mp.get_context(method)
        self.workers = workers
        self._closed = False
        try:
            if method == "forkserver":
                ctx.set_forkserver_preload(
                    ["sim.runs._forkserver_start", "sim.runs.pool", *preload])
                _start_forkserver()
            self.executor = ProcessPoolExecutor(workers, mp_context=ctx,
                                                initializer=_init_worker,
                                                initargs=(os.getpid(),))
        except BaseException:
            stop_processes()
            raise

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        return self.executor.submit(fn, *args)

    @staticmethod
    def wait(futures: Iterable[Future], timeout: float | None = None) -> set[Future]:
        """The futures among ``futures`` that finished (at least one unless ``timeout``)."""
        done, _ = wait(list(futures), timeout=timeout, return_when=FIRST_COMPLETED)
        return done

    def close(self, cancel: bool = False) -> None:
        """Finish (``cancel=False``) or stop at once: every worker and the forkserver are
        terminated and reaped."""
        if self._closed:
            return
        self._closed = True
        if not cancel:
            self.executor.shutdown(wait=True)
            return
        with contextlib.suppress(Exception):
            self.executor.shutdown(wait=False, cancel_futures=True)
        stop_processes()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, kind, value, tb) -> None:
        self.close(cancel=kind is not None)


def _start_forkserver() -> None:
    """Start the forkserver with SIGINT blocked: it and the workers it forks inherit the mask,
    so a Ctrl-C that reaches the whole terminal group while they start is ignored there (the
    command handles it) instead of printing a traceback."""
    from multiprocessing import forkserver, resource_tracker

    resource_tracker.ensure_running()  # first: it unblocks SIGINT after starting its process
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        forkserver.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def stop_processes(timeout: float = 5.0) -> None:
    """Terminate every multiprocessing child of this process, then the forkserver.

    The resource tracker is left to exit by itself when this process exits (at once: it
    stops when its pipe closes); stopping it earlier would make it unlink the pool's
    semaphores before this process's own clean-up does.
    """
    children = mp.active_children()
    for p in children:
        with contextlib.suppress(Exception):
            p.terminate()
    deadline = time.monotonic() + timeout
    for p in children:
        with contextlib.suppress(Exception):
            p.join(max(0.0, deadline - time.monotonic()))
            if p.is_alive():
                p.kill()
                p.join(1.0)
    from multiprocessing import forkserver

    server = forkserver._forkserver
    pid = getattr(server, "_forkserver_pid", None)
    if pid is not None:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)  # it may still be importing its preload modules
    with contextlib.suppress(Exception):
        server._stop()


def map_ordered(fn: Callable[[Any], Any], tasks: Sequence[Any], workers: int,
                progress: Progress, preload: Sequence[str] = ()) -> list[Any]:
    """``[fn(t) for t in tasks]`` on ``workers`` processes (in this process when 1), in task
    order whatever the order of completion; ``progress`` advances by one per task."""
    results: list[Any] = [None] * len(tasks)
    if workers <= 1:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):
            for i, task in enumerate(tasks):
                results[i] = fn(task)
                progress.update()
        return results
    with WorkerPool(workers, preload) as pool:
        pending = {pool.submit(fn, t): i for i, t in enumerate(tasks)}
        while pending:
            for fut in pool.wait(pending):
                results[pending.pop(fut)] = fut.result()
                progress.update()
    return results


class Progress:
    """``done/total`` of a long task on stderr (see the module docstring)."""

    def __init__(self, total: int, desc: str, unit: str, initial: int = 0,
                 enabled: bool = True):
        self.total, self.desc, self.unit, self.done = total, desc, unit, initial
        self.failed = 0
        self._start = self._last = time.monotonic()
        self._initial = initial
        self._every = float(os.environ.get("KAMSIM_PROGRESS_SECONDS", "10"))
        self._bar = None
        self._lines = enabled and not sys.stderr.isatty()
        if enabled and sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=initial, desc=desc, unit=unit,
                             file=sys.stderr, leave=False, dynamic_ncols=True, smoothing=0.05)

    def update(self, n: int = 1, failed: int = 0) -> None:
        self.done += n
        self.failed += failed
        if self._bar is not None:
            self._bar.update(n)
            if failed:
                self._bar.set_postfix(failed=self.failed, refresh=False)
        elif self._lines and time.monotonic() - self._last >= self._every:
            self._last = time.monotonic()
            print(self.line(), file=sys.stderr, flush=True)

    def line(self) -> str:
        """``desc: done/total unit (pct %), elapsed, about ... left[, failed]``."""
        elapsed = time.monotonic() - self._start
        pct = 100.0 * self.done / self.total if self.total else 100.0
        rate = (self.done - self._initial) / elapsed if elapsed > 0 else 0.0
        left = f", about {_hms((self.total - self.done) / rate)} left" if rate > 0 else ""
        failed = f", {self.failed} failed" if self.failed else ""
        return (f"{self.desc}: {self.done}/{self.total} {self.unit} ({pct:.0f} %), "
                f"{_hms(elapsed)} elapsed{left}{failed}")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _hms(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"
