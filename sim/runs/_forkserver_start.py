"""Imported first, and only, by the forkserver of :class:`sim.runs.pool.WorkerPool` (its preload
list): Ctrl-C belongs to the command that started the pool, which stops the forkserver and
its workers itself, so the forkserver and the workers it forks ignore SIGINT from the start
instead of printing a traceback when the terminal's Ctrl-C reaches them."""

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
