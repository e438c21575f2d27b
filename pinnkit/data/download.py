"""Download PDEBench files: resumable, MD5-verified, never a half-written file under the final name.

Bytes go to ``DEST/.NAME.part``; an interrupted download resumes from its length with an HTTP
``Range`` request (starting over when the server ignores it). Only a file whose MD5 matches the
manifest is renamed to ``DEST/NAME``; a mismatch deletes the partial file and raises.
"""
from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Mapping

from pinnkit._validate import check_choice
from pinnkit.data.manifest import MANIFEST, ManifestEntry, file_md5

__all__ = ["download"]


def download(name: str, dest: str | Path, manifest: Mapping[str, ManifestEntry] | None = None,
             chunk: int = 1 << 20, timeout: float = 60.0, progress: bool = False) -> Path:
    """Fetch ``name`` from the manifest (PDEBench's by default) into folder ``dest``; returns the file."""
    entries = MANIFEST if manifest is None else manifest
    entry = entries[check_choice("PDEBench file", name, entries)]
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    final, part = dest / name, dest / f".{name}.part"
    if final.is_file() and file_md5(final) == entry.md5:
        return final
    offset = part.stat().st_size if part.is_file() else 0
    request = urllib.request.Request(entry.url, headers={"Range": f"bytes={offset}-"} if offset else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        if err.code != 416:  # 416: the partial file already holds every byte
            raise ValueError(f"download of {name} from {entry.url} failed: HTTP {err.code} {err.reason}") from None
        response = None
    except urllib.error.URLError as err:
        raise ValueError(f"download of {name} from {entry.url} failed: {err.reason}") from None
    if response is not None:
        with response:
            resumed = offset > 0 and response.status == 206
            total = response.length
            bar = None
            if progress and sys.stderr.isatty():  # no bar into a pipe or a log file
                from tqdm import tqdm  # only for a download on a terminal

                bar = tqdm(total=(total or 0) + (offset if resumed else 0), initial=offset if resumed else 0,
                           unit="B", unit_scale=True, desc=name)
            with open(part, "ab" if resumed else "wb") as handle:
                for block in iter(lambda: response.read(chunk), b""):
                    handle.write(block)
                    if bar is not None:
                        bar.update(len(block))
            if bar is not None:
                bar.close()
    digest = file_md5(part)
    if digest != entry.md5:
        part.unlink()
        raise ValueError(f"MD5 mismatch for {name}: got {digest}, the manifest says {entry.md5}; "
                         "the partial download was deleted, run the command again")
    os.replace(part, final)
    return final
