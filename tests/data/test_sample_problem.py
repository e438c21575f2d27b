"""A Problem from one sample of a PDEBench file: its first frame, its parameters, its values."""
import numpy as np
import pytest
import torch

from pinnkit.data import open_pdebench
from pinnkit.bench.generate import generate
from pinnkit.data.initial import pdebench_initial
from pinnkit.bench.sample_problem import sample_problem


def test_advection_sample_problem(tmp_path):
    path = generate("advection", tmp_path / "1D_Advection_Sols_beta0.4.hdf5", samples=2, nx=64, nt=11, seed=3,
                    params=dict(beta=0.4))
    problem = sample_problem(path, 1)
    exact = pdebench_initial([3, 1])
    assert problem.params["beta"] == pytest.approx(0.4) and problem.params["sample"] == 1
    with open_pdebench(path) as f:
        x, t, data = f.coords["x"].astype(float), f.t.astype(float), f.sample(1)[..., 0].astype(float)
    # the initial condition interpolates frame 0 (a smooth periodic u0: spectrally accurate between the points)
    xs = torch.linspace(0.0, 1.0, 37, dtype=torch.float64)[:, None]
    np.testing.assert_allclose(problem.initial_condition.value(xs)[:, 0].numpy(), exact(xs[:, 0].numpy()), atol=1e-5)
    # the reference is the sample on its grid, wrapping periodically across x = 0
    grid = torch.as_tensor(np.stack(np.meshgrid(x, t, indexing="ij"), axis=-1).reshape(-1, 2))
    np.testing.assert_array_equal(problem.reference(grid)[:, 0].numpy().reshape(len(x), len(t)), data.T)
    edge = problem.reference(torch.tensor([[0.0, t[4]]], dtype=torch.float64)).item()
    assert edge == pytest.approx(0.5 * (data[4, 0] + data[4, -1]))
    # the PDE carries beta = 0.4 from the file: the exact solution has no residual
    pts = torch.rand(50, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * torch.tensor([1.0, 2.0])
    residual = problem.residual(lambda p: exact(torch.remainder(p[:, :1] - 0.4 * p[:, 1:2], 1.0)), pts)
    assert residual.abs().max().item() < 1e-10
    with pytest.raises(ValueError, match="no forward problem for PDEBench family 'darcy'"):
        from pinnkit.data import write_darcy

        sample_problem(write_darcy(tmp_path / "2D_DarcyFlow_beta1.0_Train.hdf5", np.zeros((1, 4, 4)),
                                   np.ones((1, 4, 4)), np.arange(4) / 4, np.arange(4) / 4, beta=1.0))
