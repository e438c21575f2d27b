"""Generated PDEBench files: independent exact solutions, the catalogue families, the CLI."""
import math

import numpy as np
import pytest
import torch

import pinnkit
from pinnkit.cli import main
from pinnkit.data import open_pdebench
from pinnkit.bench.generate import generate, solve_sample
from pinnkit.data.initial import SineInitial, pdebench_initial
from pinnkit.reference.cole_hopf import burgers_sine_cole_hopf

SINE = SineInitial(k=(1, 1), amplitude=(1.0, 0.0), phase=(0.0, 0.0))  # u0 = sin(2 pi x)


def test_burgers_generator_matches_cole_hopf_through_the_shock():
    """w(x, t) = u(2x - 1, 2t) maps Cole-Hopf's u_t + u u_x = nu' u_xx, u0 = -sin(pi x) on (-1, 1)
    to PDEBench's u_t + u u_x = (nu / pi) u_xx, u0 = sin(2 pi x) on (0, 1) with nu' = 2 nu / pi."""
    nu, nx = 0.01, 256
    t = np.linspace(0.0, 0.4, 5)  # Cole-Hopf time 0.8: a steep front with the shock formed
    values = solve_sample("burgers", SINE, dict(nu=nu), nx, t, dt=2e-4)
    x = (np.arange(nx) + 0.5) / nx
    exact = burgers_sine_cole_hopf(2 * x[None, :] - 1, 2 * t[:, None], nu=2 * nu / math.pi)
    assert np.abs(values - exact).max() < 1e-8
    assert np.abs(np.diff(exact[-1])).max() > 0.1  # the front is steep on this grid


def test_reaction_diffusion_generator_matches_logistic_and_heat_solutions():
    t = np.linspace(0.0, 1.0, 6)
    constant = SineInitial(k=(1, 1), amplitude=(0.0, 0.0), phase=(0.0, 0.0), offset=-0.2)  # u0 = 0.2
    values = solve_sample("reacdiff", constant, dict(nu=0.5, rho=3.0), 32, t, min_modes=64, dt=1e-3)
    logistic = 0.2 * np.exp(3 * t) / (1 - 0.2 + 0.2 * np.exp(3 * t))
    assert np.abs(values - logistic[:, None]).max() < 1e-11
    values = solve_sample("reacdiff", SINE, dict(nu=0.5, rho=1e-12), 32, t, min_modes=64, dt=1e-3)
    x = (np.arange(32) + 0.5) / 32
    heat = np.exp(-0.5 * 4 * math.pi**2 * t)[:, None] * np.sin(2 * math.pi * x)[None, :]
    assert np.abs(values - heat).max() < 1e-10


def test_generated_advection_file_is_the_shifted_initial_condition(tmp_path):
    path = generate("advection", tmp_path / "adv.hdf5", samples=3, nx=128, nt=11, seed=5, params=dict(beta=0.4))
    with open_pdebench(path) as f:
        assert f.params == {"beta": 0.4} and f.t[-1] == pytest.approx(2.0)
        x, t = f.coords["x"].astype(float), f.t.astype(float)
        for i in range(3):
            exact = pdebench_initial([5, i])(np.mod(x[None, :] - 0.4 * t[:, None], 1.0))
            np.testing.assert_allclose(f.sample(i)[..., 0], exact, atol=1e-6)  # float32 storage


def test_initial_condition_distribution_follows_the_specification():
    draws = [pdebench_initial(s) for s in range(400)]
    assert all(set(d.k) <= {1, 2, 3, 4} and all(0 <= a <= 1 for a in d.amplitude) for d in draws)
    assert 0.05 < np.mean([d.sign != 0 for d in draws]) < 0.15
    windows = [d.window for d in draws if d.window is not None]
    assert 0.05 < len(windows) / 400 < 0.15 and all(0.1 <= a <= 0.45 and 0.55 <= b <= 0.9 for a, b in windows)
    assert pdebench_initial(7) == pdebench_initial(7)
    positive = pdebench_initial(3, positive=True)(np.arange(4096) / 4096)
    assert positive.min() == pytest.approx(0.0, abs=1e-12) and positive.max() == pytest.approx(1.0)


def test_catalogue_families_satisfy_their_pdes(fd_jet):
    problem = pinnkit.get_problem("advection1d", seed=3)
    pts = problem.domain.sample_interior(200, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert problem.residual(problem.reference.fn, pts).abs().max().item() < 1e-12
    problem = pinnkit.get_problem("diffusion_reaction1d", t_final=0.2)
    # t in [0.1, 0.19]: between snapshots the reference is Hermite in time, too coarse for the
    # fastest-decaying modes before t ~ 0.05 (see the docstring)
    unit = torch.rand(60, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64).numpy()
    pts = np.stack([0.05 + 0.9 * unit[:, 0], 0.1 + 0.09 * unit[:, 1]], axis=1)
    jet = fd_jet(problem.reference, pts, problem.coords, problem.fields, problem.pde.requires, h=1e-3)
    scale = max(v.abs().max().item() for v in jet.values())
    assert problem.pde.residual(jet).abs().max().item() / scale < 1e-6
    x0 = torch.rand(50, 1, dtype=torch.float64)
    ref0 = problem.reference(torch.cat([x0, torch.zeros_like(x0)], dim=1))
    assert (ref0 - problem.initial_condition.value(x0)).abs().max().item() < 1e-9
    with pytest.raises(ValueError, match="parameter seed must be an integer >= 0"):
        pinnkit.get_problem("advection1d", seed=-1)


def test_cli_generate_and_info(tmp_path, capsys):
    out = tmp_path / "rd.hdf5"
    args = ["data", "generate", "reacdiff", "--samples", "2", "--nx", "32", "--nt", "5", "--param", "rho=2.0",
            "--out", str(out), "-q"]
    assert main(args) == 0
    assert main(["data", "info", str(out), "--reduced-resolution", "2"]) == 0
    text = capsys.readouterr().out
    assert "family      reacdiff (layout single)" in text  # from the attributes (no name)
    assert "samples     2, each [5, 16, 1] as [t, x, channel]" in text and "parameters  nu=0.5, rho=2" in text
    assert main(["data", "generate", "advektion", "--out", str(tmp_path / "x.h5")]) == 2
    assert "Did you mean 'advection'?" in capsys.readouterr().err


def test_pdebench_burgers_in_the_catalogue_satisfies_its_pde(fd_jet):
    """burgers1d_pdebench: u_t + u u_x = (nu / pi) u_xx on (0, 1) periodic, the generator's solver."""
    problem = pinnkit.get_problem("burgers1d_pdebench", t_final=0.1, seed=3)
    assert problem.params["nu"] == 0.01 and problem.domain.highs == (1.0, 0.1)
    unit = torch.rand(60, 2, generator=torch.Generator().manual_seed(2), dtype=torch.float64).numpy()
    pts = np.stack([unit[:, 0], 0.02 + 0.06 * unit[:, 1]], axis=1)
    jet = fd_jet(problem.reference, pts, problem.coords, problem.fields, problem.pde.requires, h=1e-3)
    scale = max(v.abs().max().item() for v in jet.values())
    residual = problem.pde.residual(jet).abs().max().item() / scale
    wrong = pinnkit.get_problem("burgers1d_pdebench", nu=0.1, t_final=0.1, seed=3).pde.residual(jet)
    assert residual < 1e-4 < wrong.abs().max().item() / scale / 10
    x0 = torch.rand(50, 1, dtype=torch.float64)
    ref0 = problem.reference(torch.cat([x0, torch.zeros_like(x0)], dim=1))
    assert (ref0 - problem.initial_condition.value(x0)).abs().max().item() < 1e-9
    # the same sample from the file generator's own code path (pinnkit.bench.generate, its nu / pi)
    from pinnkit.bench.generate import solve_sample
    from pinnkit.data.initial import pdebench_initial

    t = np.array([0.0, 0.05, 0.1])
    stored = solve_sample("burgers", pdebench_initial(3), dict(nu=0.01), 64, t)
    x = (np.arange(64) + 0.5) / 64
    mine = problem.reference(np.stack([np.tile(x, 3), np.repeat(t, 64)], axis=1)).reshape(3, 64)
    assert np.abs(mine - stored).max() < 1e-9
