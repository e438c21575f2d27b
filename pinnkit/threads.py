"""How many CPU threads torch's intra-op pool gets for a run.

Small networks gain little from a second thread on an idle machine and lose badly when the
other cores are busy: one spinning neighbour slows a 2-thread tiny-network PINN about 3x, two
neighbours about 8x (each thread waits for the slowest core at every operation's barrier).
So the default is one thread unless a step carries enough work to pay for more, and then no
more threads than the cores left free by the machine's current load.
``benchmarks/threads.py`` measures the trade-off (see docs/threads.md).
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

import torch

# Work per step (Solver.work_per_step: multiply-adds of the step's largest operation) a thread
# must have to pay for itself; below twice this, one thread. benchmarks/threads.py (docs/threads.md):
# beside one busy process a second thread made the PINN presets and TENG heat1d 3.5-4.3x slower
# (work <= 6e7), TENG burgers2d (1e10) 1.4x slower; on an idle machine burgers2d ran 1.65x faster.
MIN_WORK_PER_THREAD = 1e9


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity; ``os.cpu_count()`` where that is unknown)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def idle_cores() -> int:
    """Usable cores minus the machine's one-minute load average (at least one)."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        load = 0.0
    return max(1, usable_cores() - int(round(load)))


def choose_threads(requested: int | None = None, device: torch.device | str = "cpu",
                   work_per_step: float | None = None) -> tuple[int, str]:
    """The thread count for a run and the reason, e.g. ``(1, "default for small networks")``.

    ``requested`` (a positive int) wins. On a GPU the CPU only launches kernels: one thread.
    On the CPU: one thread when ``work_per_step`` is below twice :data:`MIN_WORK_PER_THREAD`
    or unknown, else the idle cores (:func:`idle_cores`), at most
    one thread per ``MIN_WORK_PER_THREAD`` of work.
    """
    if requested is not None:
        if isinstance(requested, bool) or not isinstance(requested, int) or requested < 1:
            raise ValueError(f"threads must be a positive integer, got {requested!r}")
        return requested, "requested"
    if torch.device(device).type != "cpu":
        return 1, "GPU run"
    if work_per_step is None or work_per_step < 2 * MIN_WORK_PER_THREAD:
        return 1, "default for small networks"
    free = idle_cores()
    threads = max(1, min(free, int(work_per_step // MIN_WORK_PER_THREAD)))
    return threads, f"{free} of {usable_cores()} cores idle"


def count_threads(n: int) -> str:
    """``"1 thread"``, ``"2 threads"``."""
    return f"{n} thread{'s' * (n != 1)}"


@contextmanager
def torch_threads(n: int) -> Iterator[int]:
    """Run the block with ``n`` intra-op threads, then restore the previous count."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield n
    finally:
        torch.set_num_threads(before)
