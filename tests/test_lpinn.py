"""The LPINN solver through pinnkit.solve: the characteristic it learns, results, reports, landscapes."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import pinnkit
from pinnkit.cli import main
from pinnkit.landscape import make_loss, profiles_1d, random_directions
from pinnkit.registry import get_problem
from pinnkit.result import load_result
from pinnkit.solvers import get_solver

SMALL = dict(width=24, depth=2, n_residual=512, n_initial=128, eval_labels=512)


@pytest.fixture(scope="module")
def convection():
    """beta = 30 (where a PINN fails), a short fit in float64."""
    return pinnkit.solve("convection1d", solver="lpinn", config=dict(SMALL, adam_steps=100, lbfgs_steps=60),
                         dtype="float64", progress=False, beta=30.0)


def test_the_characteristic_network_learns_x0_plus_beta_t(convection):
    labels = torch.linspace(0, 2 * math.pi, 64, dtype=torch.float64)
    t = torch.rand(64, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    _, x = convection.model.lagrangian(torch.stack([labels, t], dim=1))
    error = (x - (labels + 30.0 * t)).abs().max().item()
    assert error < 0.03, error  # displacement up to 30: better than 0.1 % (measured 0.015)
    assert convection.errors["rel_l2"] < 0.03  # measured 1.7e-2; 1.06 before training


def test_result_evaluates_anywhere_and_survives_save_and_load(convection, tmp_path):
    points = np.array([[0.3, 0.25], [4.0, 0.9], [6.2, 0.5], [1.0, 0.0]])
    exact = np.sin(points[:, 0] - 30.0 * points[:, 1])
    assert np.abs(convection.u(points)[:, 0] - exact).max() < 0.1
    loaded = load_result(convection.save(tmp_path / "r.pt"))
    assert np.array_equal(loaded.u(points), convection.u(points))


def _solver(problem_name: str, **params):
    problem = get_problem(problem_name, **params)
    cls = get_solver("lpinn")
    return cls(problem, cls.default_config(problem_name, SMALL), torch.device("cpu"), torch.float64,
               torch.Generator().manual_seed(0))


def test_crossing_and_converging_characteristics_are_reported(function_module):
    """Exact inviscid Burgers maps: x_L = x0 + t a sin(2 pi x0) / (2 pi) crosses once t a > 1."""
    s = _solver("burgers1d_pdebench")  # t in [0, 2]: report times on a grid of 0.02

    def use(amplitude):
        def velocity(p):
            return amplitude * torch.sin(2 * math.pi * p[:, :1]) / (2 * math.pi)

        s.network.state = function_module(velocity)
        s.network.characteristic = function_module(lambda p: p[:, :1] + p[:, 1:] * velocity(p))
        return s.characteristic_notes()

    crossing = use(1 / 0.31)  # J = 1 - t / 0.31 reaches 0 at t = 0.31
    assert len(crossing) == 1 and crossing[0].startswith("characteristics cross from t = 0.32 on")
    converging = use(0.97 / 2)  # min J = 1 - 0.97 t / 2 drops below 0.05 at t = 1.959, never 0
    assert len(converging) == 1 and converging[0].startswith("characteristics converge from t = 1.96 on")
    assert "near x = 0.5" in converging[0]  # the compression is at the trough of u (x0 = 1/2)
    assert use(0.4) == []


def test_lagrangian_landscape_loads_one_vector_at_a_time_and_restores_the_model(convection):
    loss = make_loss(convection.problem, "lagrangian", n_interior=256, config=convection.config)
    before = [p.detach().clone() for p in convection.model.parameters()]
    base = float(loss(convection.model)[0].detach())
    dirs = random_directions(convection.model, 2, seed=0)
    profile = profiles_1d(convection.model, loss, dirs, span=0.01, points=3)
    assert profile.values[:, 1] == pytest.approx([base, base], rel=1e-12)  # alpha = 0 is the model itself
    assert (profile.values[:, [0, 2]] > base).all()  # a trained minimum
    assert all(torch.equal(a, b) for a, b in zip(before, convection.model.parameters()))
    with pytest.raises(ValueError, match="one parameter vector at a time"):
        profiles_1d(convection.model, loss, dirs, method="vmap")


def test_landscape_cli_refuses_a_loss_the_solver_does_not_minimise(tmp_path, capsys):
    assert main(["landscape", "convection1d", "--solver", "lpinn", "--loss", "galerkin", "--out", str(tmp_path)]) == 2
    assert "--loss galerkin does not fit solver 'lpinn'" in capsys.readouterr().err


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_steps_and_regridding_match_the_cpu():
    """Adam steps and L-BFGS steps of burgers1d_shock (physical diffusion), then the Eulerian values."""
    predictions, losses = [], []
    for device in ("cpu", "cuda"):
        problem = get_problem("burgers1d_shock", t_final=1.0)
        cls = get_solver("lpinn")
        s = cls(problem, cls.default_config(problem.name, {**SMALL, "adam_steps": 3, "lbfgs_steps": 2}),
                torch.device(device), torch.float64, torch.Generator().manual_seed(0))
        losses.append([s.step(k)["loss"] for k in range(5)])
        predictions.append(s.predict(problem.domain.grid(9, dtype=torch.float64)).cpu())
    assert losses[0] == pytest.approx(losses[1], rel=1e-9)
    assert torch.allclose(predictions[0], predictions[1], rtol=0, atol=1e-8)


def test_the_soft_initial_position_variant_puts_x_l_at_t0_into_the_loss():
    """Shifting N by 1 moves x_L(x0, t0) by V = beta = 10 in the soft variant only: its initial term
    (the mean over the u and x_L misfits) grows by V^2 / 2; the exact variant's does not change."""
    for exact, growth in ((True, 0.0), (False, 50.0)):
        s = get_solver("lpinn")(get_problem("convection1d", beta=10.0),
                                get_solver("lpinn").default_config("convection1d",
                                                                   {**SMALL, "exact_characteristic": exact}),
                                torch.device("cpu"), torch.float64, torch.Generator().manual_seed(0))
        before = s._terms(s.points["residual"])["initial"].item()
        with torch.no_grad():
            s.network.characteristic.network.mlp.layers[-1].bias += 1.0
        after = s._terms(s.points["residual"])["initial"].item()
        assert after - before == pytest.approx(growth, abs=1e-9)


@pytest.mark.filterwarnings("ignore:characteristics cross")  # 8 steps: the map is still far from the solution
def test_a_run_resumed_from_its_checkpoint_across_the_lbfgs_switch_ends_where_an_uninterrupted_one_does(tmp_path):
    config = {**SMALL, "adam_steps": 4, "lbfgs_steps": 4}
    kw = dict(solver="lpinn", config=config, dtype="float64", progress=False, beta=10.0)
    straight = pinnkit.solve("convection1d", **kw)
    pinnkit.solve("convection1d", steps=6, checkpoint_dir=tmp_path, checkpoint_every=3, **kw)  # stops inside L-BFGS
    resumed = pinnkit.solve("convection1d", checkpoint_dir=tmp_path, resume=True, **kw)
    assert resumed.steps == straight.steps == 8
    assert resumed.history[-1]["loss"] == pytest.approx(straight.history[-1]["loss"], rel=1e-10)
