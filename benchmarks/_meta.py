"""Run metadata and table printing shared by the benchmark scripts."""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import torch

from pinnkit._io import write_json as write_json_file


def run_metadata() -> dict:
    """Machine, threads, device, torch version and git commit of this run."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=Path(__file__).parent, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        commit = None
    return dict(machine=platform.machine(), processor=platform.processor() or None, cpus=os.cpu_count(),
                python=platform.python_version(), torch=torch.__version__, threads=torch.get_num_threads(),
                cuda=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None, commit=commit)


def print_table(rows: list[dict], columns: list[str]) -> None:
    """Print rows as an aligned text table."""
    cells = [[_fmt(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)))


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2e}"
    return "-" if value is None else str(value)


def run_in_child(script: str | Path, function: str, *args, env: dict | None = None) -> dict:
    """``function(*args)`` of the benchmark module ``script`` in a fresh Python process (its own peak
    memory and thread pools); the function returns a JSON-able dict. On failure: ``{"args", "error"}``
    with the last line of the child's stderr."""
    script = Path(script)
    code = (f"import sys, json; sys.path.insert(0, {str(script.parent)!r}); import {script.stem} as m; "
            f"print('RESULT', json.dumps(m.{function}(*{args!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=None if env is None else dict(os.environ, **env))
    line = next((l for l in out.stdout.splitlines() if l.startswith("RESULT ")), None)
    if line is None:
        return dict(args=list(args), error=(out.stderr.strip().splitlines() or ["no output"])[-1])
    return json.loads(line[len("RESULT "):])


def write_json(path: str | None, rows: list[dict]) -> None:
    """Write {meta, rows} atomically to ``path`` (no-op when ``path`` is None)."""
    if path:
        write_json_file(path, dict(meta=run_metadata(), rows=rows))


def parse_set(items: list[str]) -> dict:
    """``--set KEY=VALUE`` options as a dict of strings (the solver's config parses the values)."""
    out = {}
    for item in items:
        if "=" not in item:
            raise SystemExit(f"--set takes KEY=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        out[key] = value
    return out
