"""PINN pieces with exact expectations: causal weights, Neumann normals, RAD, every problem runs."""
import math

import pytest
import torch

import pinnkit
from pinnkit.conditions import Neumann
from pinnkit.solvers.pinn import losses


def test_causal_weights_follow_the_cumulative_loss():
    per_point = torch.tensor([1.0, 3.0, 0.5, 0.5, 2.0, 2.0], dtype=torch.float64)
    times = torch.tensor([0.1, 0.2, 0.4, 0.45, 0.8, 0.9], dtype=torch.float64)
    loss, weights = losses.causal_residual_loss(per_point, times, 0.0, 1.0, chunks=3, eps=0.5)
    chunk = torch.tensor([2.0, 0.5, 2.0], dtype=torch.float64)  # chunk means
    expected = torch.exp(-0.5 * torch.tensor([0.0, 2.0, 2.5], dtype=torch.float64))
    assert torch.allclose(weights, expected, atol=1e-15)
    assert loss.item() == pytest.approx((expected * chunk).mean().item(), rel=1e-15)


def test_neumann_loss_uses_outward_normals():
    problem = pinnkit.get_problem("poisson2d")
    # u = x^2 + 3 y: outward du/dn is -0 on x_min, 2 on x_max, -3 on y_min, +3 on y_max
    model = lambda p: (p[:, 0] ** 2 + 3 * p[:, 1])[:, None]  # noqa: E731
    exact = {"x_min": 0.0, "x_max": 2.0, "y_min": -3.0, "y_max": 3.0}
    for face, value in exact.items():
        bc = Neumann(("u",), lambda p, v=value: torch.full((len(p), 1), v, dtype=p.dtype), where=(face,))
        pts = problem.domain.sample_boundary(16, where=face, generator=torch.Generator().manual_seed(0),
                                            dtype=torch.float64)
        data = losses.boundary_set(problem, bc, pts)
        assert losses.boundary_loss(problem, model, data).item() < 1e-24, face
        wrong = Neumann(("u",), lambda p: torch.zeros((len(p), 1), dtype=p.dtype), where=(face,))
        expected = value**2
        assert losses.boundary_loss(problem, model, losses.boundary_set(problem, wrong, pts)).item() == \
            pytest.approx(expected, abs=1e-12)


def test_neumann_loss_for_two_fields_on_every_wall():
    """No-flux walls of a two-field system: u = x^2 + 3 y, v = sin(y) - 2 x, all faces at once."""
    problem = pinnkit.get_problem("diffusion_reaction2d", t_final=0.5)
    model = lambda p: torch.stack([p[:, 0] ** 2 + 3 * p[:, 1], torch.sin(p[:, 1]) - 2 * p[:, 0]], dim=1)  # noqa: E731
    pts = problem.domain.sample_boundary(400, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    bc = problem.boundary_conditions[0]
    assert bc.fields == ("u", "v") and bc.where is None
    data = losses.boundary_set(problem, bc, pts)
    # outward du/dn, dv/dn: x = -1: (2, 2); x = 1: (2, -2); y = -1: (-3, -cos 1); y = 1: (3, cos 1)
    expected = {"x_min": 4 + 4, "x_max": 4 + 4, "y_min": 9 + math.cos(1) ** 2, "y_max": 9 + math.cos(1) ** 2}
    counts = {f: problem.domain.on_face(pts, f).sum().item() for f in expected}
    mean = sum(expected[f] * counts[f] for f in expected) / len(pts)
    assert losses.boundary_loss(problem, model, data).item() == pytest.approx(mean, rel=1e-12)
    exact = Neumann(("u", "v"), lambda p: torch.stack([_normal_du(p), _normal_dv(p)], dim=1))
    assert losses.boundary_loss(problem, model, losses.boundary_set(problem, exact, pts)).item() < 1e-24


def _face_sign(p):
    """(axis, outward sign) of points on the faces of (-1, 1)^2."""
    on_x = (p[:, 0].abs() - 1).abs() < 1e-12
    return on_x, torch.where(on_x, p[:, 0].sign(), p[:, 1].sign())


def _normal_du(p):
    on_x, sign = _face_sign(p)
    return sign * torch.where(on_x, 2 * p[:, 0], torch.full_like(p[:, 0], 3.0))


def _normal_dv(p):
    on_x, sign = _face_sign(p)
    return sign * torch.where(on_x, torch.full_like(p[:, 0], -2.0), torch.cos(p[:, 1]))


def test_rad_concentrates_points_where_the_residual_is_large():
    result = pinnkit.solve("burgers1d", config=dict(width=16, depth=3, n_residual=512, adam_steps=400, lbfgs_steps=0, lr=5e-3,
                                                    adaptive="rad", adaptive_every=200), progress=False, seed=0)
    from pinnkit.solvers.pinn import PINN

    solver = PINN(result.problem, result.config, torch.device("cpu"), torch.float32, torch.Generator().manual_seed(1))
    solver.network.load_state_dict(result.model.state_dict())
    pts = solver._rad_points()
    uniform = result.problem.domain.sample_interior(512, generator=torch.Generator().manual_seed(2))
    mean_res = lambda p: losses.residual_loss(result.problem, solver.network, p).mean().item()  # noqa: E731
    assert mean_res(pts) > 1.5 * mean_res(uniform)


def test_rar_d_adds_points_where_the_residual_is_large():
    config = dict(width=16, depth=3, n_residual=512, adam_steps=300, lbfgs_steps=0, lr=5e-3, adaptive="rar-d",
                  adaptive_every=100, adaptive_points=64)
    from pinnkit.solvers.pinn import PINN

    problem = pinnkit.get_problem("burgers1d")
    solver = PINN(problem, PINN.default_config("burgers1d", config), torch.device("cpu"), torch.float32,
                  torch.Generator().manual_seed(0))
    for k in range(300):
        solver.step(k)
    assert len(solver.points["residual"]) == 512 + 2 * 64  # adapted at steps 100 and 200
    solver._adapt()
    added = solver.points["residual"][512 + 128:]
    uniform = problem.domain.sample_interior(256, generator=torch.Generator().manual_seed(2))
    mean_res = lambda p: losses.residual_loss(problem, solver.network, p).mean().item()  # noqa: E731
    assert len(added) == 64 and mean_res(added) > 2 * mean_res(uniform)  # RAD (k=1, c=1) gives ~1.5x


@pytest.mark.parametrize("name", pinnkit.list_problems())
def test_every_problem_runs_a_few_steps(name):
    config = dict(width=8, depth=2, n_residual=64, n_initial=16, n_boundary=16, adam_steps=3, lbfgs_steps=2)
    result = pinnkit.solve(name, config=config, progress=False)
    assert result.status.ok, result.message
    assert result.steps == 5 and all(math.isfinite(h["loss"]) for h in result.history)
    assert 0 < result.errors["rel_l2"] < 1e3 and set(result.errors) >= {f"rel_l2_{f}" for f in result.problem.fields}
