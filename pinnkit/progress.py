"""Progress of long runs: a tqdm bar on a terminal, else a plain line at a fixed interval.

Under a pipe, ``nohup`` or CI a bar would either vanish or fill the log with carriage returns;
a line every 30 s (step, loss, errors when known, elapsed and remaining time) keeps the user
informed without flooding the log.
"""
from __future__ import annotations

import math
import sys
import time

POSTFIX_EVERY_S = 0.5  # how often the bar's metrics are reformatted


class Progress:
    """Progress of a run: a tqdm bar on a terminal, else a line every ``every_s`` seconds.

    ``mode``: ``None`` (a bar when stderr is a terminal, else lines), ``True`` (a bar),
    ``False`` (silent). Lines carry the step, loss, error when known, elapsed and remaining time.
    """

    def __init__(self, total: int, initial: int, mode: bool | None, desc: str, every_s: float = 30.0,
                 note: str | None = None, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.total, self.desc, self.every_s = total, desc, every_s
        self.bar = None
        self.lines = mode is None and not self.stream.isatty()
        self.start_step, self.start = initial, time.perf_counter()
        self.last_line = self.start
        if mode or (mode is None and not self.lines):
            from tqdm import tqdm  # tqdm.auto needs ipywidgets in notebooks; the text bar works everywhere

            short = f"{desc} [{note.split(' (')[0]}]" if note else desc
            self.bar = tqdm(total=total, initial=initial, desc=short, dynamic_ncols=True, unit="step", leave=False,
                            file=self.stream)
        elif self.lines:
            self._print(f"{desc}: steps {initial}..{total}" + (f", {note}" if note else "")
                        + f"; a progress line every {every_s:g} s")

    def update(self, step: int, info: dict[str, float] | None = None) -> None:
        """Record that ``step`` (0-based) finished with metrics ``info``."""
        info = info or {}
        if self.bar is not None:
            now = time.perf_counter()
            if "loss" in info and now - self.last_line >= POSTFIX_EVERY_S:  # not a string per step
                self.last_line = now
                self.bar.set_postfix_str(_metrics(info, short=True), refresh=False)
            self.bar.update(1)
        elif self.lines:
            now = time.perf_counter()
            if now - self.last_line >= self.every_s:
                self.last_line = now
                done = step + 1 - self.start_step
                left = (now - self.start) / done * (self.total - step - 1) if done > 0 else float("nan")
                parts = [f"step {step + 1}/{self.total} ({100 * (step + 1) / max(self.total, 1):.0f}%)",
                         _metrics(info), f"elapsed {_duration(now - self.start)}", f"remaining ~{_duration(left)}"]
                self._print(f"{self.desc}: " + ", ".join(p for p in parts if p))

    def close(self, message: str | None = None) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.lines and message:
            self._print(f"{self.desc}: {message} after {_duration(time.perf_counter() - self.start)}")

    def _print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)


def _metrics(info: dict[str, float], short: bool = False) -> str:
    keys = ["loss"] + [k for k in info if "err" in k or k in ("t", "rel_l2")]
    if not short:
        keys += [k for k in info if k.startswith("loss_")]
    return ", ".join(f"{k} {info[k]:.3e}" if not short else f"{k}={info[k]:.2e}"
                     for k in dict.fromkeys(keys) if isinstance(info.get(k), float))


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"
