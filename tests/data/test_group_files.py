"""Group-layout files (2-D diff-react, 1-D diff-sorp): generated, read back, turned into Problems."""
import h5py
import numpy as np
import pytest
import torch

import pinnkit
from pinnkit.cli import main
from pinnkit.data import open_pdebench
from pinnkit.bench.generate import generate
from pinnkit.bench.sample_problem import sample_problem

from pinnkit.reference.diffusion_sorption import D, retardation, solve_diffusion_sorption

F64 = torch.float64


def _grid_points(*axes):
    return torch.as_tensor(np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(axes)))


@pytest.fixture(scope="module")
def diff_react(tmp_path_factory):
    path = tmp_path_factory.mktemp("dr") / "2D_diff-react_NA_NA.h5"
    return generate("diff-react", path, samples=2, nx=64, nt=41, seed=3, params=dict(t_final=0.2, du=2e-3))


def test_diff_react_file_layout_and_catalogue_samples(diff_react):
    with open_pdebench(diff_react) as f:
        assert (f.family, f.layout, f.n_samples, f.sample_shape) == ("diff-react", "groups", 2, (41, 64, 64, 2))
        assert f.bounds == {"x": (-1.0, 1.0), "y": (-1.0, 1.0)} and f.t[-1] == pytest.approx(0.2)
        sim = f.config(1)["sim"]
        assert (sim["Du"], sim["Dv"], sim["k"], sim["seed"], sim["xdim"], sim["tdim"]) == (2e-3, 5e-3, 5e-3, 4, 64, 41)
        x, t, data = f.coords["x"].astype(float), np.linspace(0.0, 0.2, 41), f.sample(1)
        np.testing.assert_allclose(f.t, t, atol=1e-8)  # float32 on disk
    with h5py.File(diff_react) as h5:  # on disk [t, y, x, c]
        np.testing.assert_array_equal(h5["0001/data"][:, 5, 9], data[:, 9, 5])
        assert set(h5["0001/grid"]) == {"x", "y", "t"}
    # sample i of a file with seed s is the catalogue problem with seed s + i (float32 on disk)
    problem = pinnkit.get_problem("diffusion_reaction2d", du=2e-3, t_final=0.2, seed=4)
    pick = (slice(None, None, 7), slice(None, None, 5), slice(None, None, 10))
    ref = problem.reference(_grid_points(x[pick[0]], x[pick[1]], t[pick[2]]).numpy())
    stored = np.moveaxis(data, 0, 2)[pick].reshape(-1, 2)
    assert np.abs(ref - stored).max() < 1e-6 * np.abs(stored).max()


def test_diff_react_sample_problem(diff_react):
    problem = sample_problem(diff_react, 1)
    with open_pdebench(diff_react) as f:
        x, t, data = f.coords["x"].astype(float), f.t.astype(float), f.sample(1).astype(float)
    assert dict(problem.params) == dict(du=2e-3, dv=5e-3, k=5e-3, file="2D_diff-react_NA_NA.h5", sample=1)
    centres = _grid_points(x, x)
    ic = problem.initial_condition.value(centres).numpy().reshape(64, 64, 2)
    assert np.abs(ic - data[0]).max() < 1e-6
    corner = problem.initial_condition.value(torch.tensor([[-1.0, 1.0]], dtype=F64))[0].numpy()
    np.testing.assert_allclose(corner, data[0, 0, -1], atol=1e-12)  # clamped beyond the outer centres
    middle = problem.initial_condition.value(torch.tensor([[0.5 * (x[3] + x[4]), x[7]]], dtype=F64))[0].numpy()
    np.testing.assert_allclose(middle, 0.5 * (data[0, 3, 7] + data[0, 4, 7]), atol=1e-12)
    # its initial condition is a numpy interpolant: imposing it exactly would lose u0's derivatives
    from pinnkit.nn import build_network, impose_initial

    with pytest.raises(ValueError, match="initial condition is not differentiable torch code"):
        impose_initial(problem, build_network(problem, width=4, depth=1))
    pts = _grid_points(x[::9], x[::11], t[::8])
    np.testing.assert_allclose(problem.reference(pts).numpy(), np.moveaxis(data, 0, 2)[::9, ::11, ::8].reshape(-1, 2),
                               atol=1e-12)
    assert problem.reference.grid().values.shape == (64, 64, 41, 2)
    # the PDE (with du = 2e-3 from the config) holds on the stored data: central differences in the
    # interior for t >= 0.05 (after the fast initial reaction transient) leave 0.03, du = 1e-3 ~0.24
    h, dt = x[1] - x[0], t[1] - t[0]
    inner = (slice(11, -1), slice(1, -1), slice(1, -1))
    lap = (data[11:-1, 2:, 1:-1] + data[11:-1, :-2, 1:-1] + data[11:-1, 1:-1, 2:] + data[11:-1, 1:-1, :-2]
           - 4 * data[inner]) / h**2
    rate = (data[12:, 1:-1, 1:-1] - data[10:-2, 1:-1, 1:-1]) / (2 * dt)
    jet = {"u": data[inner][..., 0], "v": data[inner][..., 1], "u_t": rate[..., 0], "v_t": rate[..., 1],
           "u_xx": lap[..., 0], "u_yy": 0 * lap[..., 0], "v_xx": lap[..., 1], "v_yy": 0 * lap[..., 1]}
    jet = {k: torch.as_tensor(v) for k, v in jet.items()}
    assert problem.pde.residual(jet).abs().max().item() < 0.04 and np.abs(rate).max() > 5
    wrong = pinnkit.get_problem("diffusion_reaction2d", t_final=0.2).pde  # du = 1e-3
    assert wrong.residual(jet).abs().max().item() > 0.2


def test_diff_sorp_file_and_sample_problem(tmp_path):
    path = generate("diff-sorp", tmp_path / "1D_diff-sorp_NA_NA.h5", samples=2, nx=64, nt=101, seed=2,
                    params=dict(t_final=100.0))
    with open_pdebench(path) as f:
        assert (f.family, f.sample_shape, f.bounds) == ("diff-sorp", (101, 64, 1), {"x": (0.0, 1.0)})
        assert f.config(1)["sim"]["seed"] == [2, 1] and f.config(1)["sim"]["D"] == D
        x, t, data = f.coords["x"].astype(float), f.t.astype(float), f.sample(1)[..., 0].astype(float)
    u0 = np.random.default_rng([2, 1]).uniform(0.0, 0.2, 64)
    expected = solve_diffusion_sorption(u0, t, cells=64)[0]
    assert np.abs(data - expected).max() < 1e-6
    problem = sample_problem(path, 1)
    ic = problem.initial_condition.value(torch.as_tensor(x[:, None]))[:, 0].numpy()
    assert np.abs(ic - data[0]).max() < 1e-6
    edges = problem.initial_condition.value(torch.tensor([[0.0], [1.0]], dtype=F64))[:, 0].numpy()
    np.testing.assert_allclose(edges, data[0, [0, -1]], atol=1e-12)
    pts = _grid_points(x[::5], t[::10])
    np.testing.assert_allclose(problem.reference(pts)[:, 0].numpy(), data[::10, ::5].T.ravel(), atol=1e-12)
    left, right = (c.value(torch.tensor([[0.0, 30.0], [1.0, 30.0]], dtype=F64))[:, 0]
                   for c in problem.boundary_conditions)
    assert left[0].item() == 1.0
    assert right[1].item() == pytest.approx(D * data[30, -1] / (D + 1 / 128), rel=1e-12)
    # the PDE holds on the stored data once the rough initial data have smoothed (t >= 20)
    ut = (data[2:] - data[:-2]) / (2 * (t[1] - t[0]))
    uxx = (data[1:-1, 2:] - 2 * data[1:-1, 1:-1] + data[1:-1, :-2]) / (x[1] - x[0]) ** 2
    residual = ut[:, 1:-1] - D / retardation(data[1:-1, 1:-1]) * uxx
    assert np.abs(residual[19:]).max() < 2e-3 * np.abs(ut[19:]).max()


def test_cli_generates_group_files(tmp_path, capsys):
    out = tmp_path / "ds.h5"
    assert main(["data", "generate", "diff-sorp", "--samples", "1", "--nx", "16", "--nt", "5", "--param",
                 "t_final=10", "--param", "u0_max=0", "--out", str(out), "-q"]) == 0
    assert "diff-sorp: 1 samples of 5 x 16 x 1" in capsys.readouterr().out
    with open_pdebench(out) as f:
        assert f.family == "diff-sorp" and f.t[-1] == pytest.approx(10.0)
        np.testing.assert_array_equal(f.sample(0)[0, :, 0], 0.0)
    with pytest.raises(ValueError, match="unknown parameter.*'nu'.*valid: u0_max, t_final"):
        generate("diff-sorp", tmp_path / "x.h5", params=dict(nu=1.0))
