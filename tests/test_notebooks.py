"""The demo notebooks are valid nbformat 4.5 and run top to bottom (code cells executed in
order, public API only)."""
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_cells_have_ids(path):
    """nbformat >= 4.5 wants a unique ``id`` per cell (Jupyter warns MissingIDFieldWarning otherwise)."""
    notebook = json.loads(path.read_text())
    assert (notebook["nbformat"], notebook["nbformat_minor"]) >= (4, 5)
    ids = [cell.get("id") for cell in notebook["cells"]]
    assert all(isinstance(i, str) and re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", i) for i in ids), ids
    assert len(set(ids)) == len(ids), ids


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cells = json.loads(path.read_text())["cells"]
    namespace: dict = {}
    for cell in cells:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), f"{path.name}", "exec"), namespace)
    result = namespace["result"]
    assert result.errors["rel_l2"] < 1e-2
    assert (tmp_path / "heat1d.png").stat().st_size > 10_000
    # the figure shown inline: prediction, reference and |error| maps with colour bars, the loss history
    from matplotlib.figure import Figure

    fig = namespace["fig"]
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 7
    assert f"rel. L2 = {result.errors['rel_l2']:.2e}" in fig.get_suptitle()
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"  # how Jupyter displays it
