"""Reference disk cache (keyed by every parameter, safe to delete) and atomic writes."""
import numpy as np
import pytest

from pinnkit._io import atomic_write
from pinnkit.reference.cache import cache_key, cached_arrays


def test_cache_hits_misses_and_recovers(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"a": np.arange(3.0) * len(calls)}

    first = cached_arrays("demo", "1", {"nu": 0.1, "n": 8}, compute, cache_dir=tmp_path)
    again = cached_arrays("demo", "1", {"n": 8, "nu": 0.1}, compute, cache_dir=tmp_path)
    assert len(calls) == 1 and np.array_equal(first["a"], again["a"])
    # every parameter and the version are part of the key
    cached_arrays("demo", "1", {"nu": 0.1, "n": 9}, compute, cache_dir=tmp_path)
    cached_arrays("demo", "2", {"nu": 0.1, "n": 8}, compute, cache_dir=tmp_path)
    assert len(calls) == 3
    assert cache_key("demo", "1", {"nu": 0.1}) != cache_key("demo", "1", {"nu": 0.1000001})
    # a damaged entry is recomputed; deleting the folder is safe
    for entry in tmp_path.glob("demo-*.npz"):
        entry.write_bytes(b"not a zip")
    assert cached_arrays("demo", "1", {"nu": 0.1, "n": 8}, compute, cache_dir=tmp_path)["a"][1] == 4.0
    for entry in tmp_path.glob("*"):
        entry.unlink()
    tmp_path.rmdir()
    assert cached_arrays("demo", "1", {"nu": 0.1, "n": 8}, compute, cache_dir=tmp_path)["a"][1] == 5.0
    assert cached_arrays("demo", "1", {"nu": 0.1, "n": 8}, compute, cache_dir=False)["a"][1] == 6.0


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    atomic_write(target, lambda h: h.write(b"old"))

    def broken(handle):
        handle.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        atomic_write(target, broken)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
