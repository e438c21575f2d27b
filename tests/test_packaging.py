"""`pip install .` must ship the catalogue as pinnkit.problems with its presets (and no bare `problems` package)."""
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_carries_the_catalogue(tmp_path):
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{done.stderr[-2000:]}")
    (wheel,) = tmp_path.glob("pinnkit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for module in ("heat", "burgers", "allen_cahn", "poisson", "navier_stokes"):
        assert f"pinnkit/problems/{module}.py" in names
    sources = {str(p.relative_to(ROOT)) for p in (ROOT / "pinnkit").rglob("*.py")}
    missing = sorted(sources - set(names))
    assert not missing, f"modules left out of the wheel (add their package to pyproject.toml): {missing}"
    assert not [n for n in names if n.startswith("problems/") or n.startswith("tests/")]
    assert any(n.endswith("entry_points.txt") for n in names)
    assert {"pinnkit/problems/presets/pinn.toml", "pinnkit/problems/presets/teng.toml"} <= set(names)  # presets are data
