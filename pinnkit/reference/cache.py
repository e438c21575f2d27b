"""On-disk cache of expensive reference solutions.

An entry is keyed by a SHA-256 of the solver name, a version string and *every* parameter
(JSON, sorted keys), so changing any parameter or the solver's version misses the cache.
Entries are plain ``.npz`` files written atomically (temporary file, then rename); deleting
the folder at any time is safe: entries are recomputed on demand. A damaged entry is ignored
and rewritten.

The folder is ``~/.cache/pinnkit/reference`` unless a ``cache_dir`` is passed; ``cache_dir=False``
turns the disk cache off.
"""
from __future__ import annotations

import hashlib
import json
import logging
import zipfile
from pathlib import Path
from typing import Callable, Mapping

import numpy as np

from pinnkit._io import write_npz

log = logging.getLogger(__name__)

DEFAULT_CACHE_DIR = Path.home() / ".cache" / "pinnkit" / "reference"


def cache_key(solver: str, version: str, params: Mapping[str, object]) -> str:
    """Hex digest identifying one reference computation."""
    payload = json.dumps({"solver": solver, "version": version, "params": dict(params)},
                         sort_keys=True, default=repr)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def cached_arrays(solver: str, version: str, params: Mapping[str, object],
                  compute: Callable[[], Mapping[str, np.ndarray]],
                  cache_dir: Path | str | None | bool = None) -> dict[str, np.ndarray]:
    """Return ``compute()``'s arrays, from the disk cache when an entry for these parameters exists."""
    if cache_dir is False:
        return dict(compute())
    folder = Path(cache_dir) if cache_dir not in (None, True) else DEFAULT_CACHE_DIR
    path = folder / f"{solver}-{cache_key(solver, version, params)}.npz"
    if path.exists():
        try:
            with np.load(path) as data:
                return {k: data[k] for k in data.files}
        except (OSError, ValueError, zipfile.BadZipFile) as err:
            log.warning("ignoring damaged reference cache entry %s (%s)", path, err)
    arrays = dict(compute())
    try:
        write_npz(path, arrays)
    except OSError as err:  # a read-only home must not break a solve
        log.warning("could not write reference cache entry %s (%s)", path, err)
    return arrays
