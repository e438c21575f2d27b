"""Diffusion-sorption: the finite-volume reference converges and reaches the exact steady state."""
import numpy as np
import pytest
import torch

import pinnkit

from pinnkit.reference.diffusion_sorption import D, retardation, solve_diffusion_sorption


def test_retardation_factor_by_hand():
    factor = (1 - 0.29) / 0.29 * 2880 * 3.5e-4 * 0.874  # 2.1566...
    assert retardation(np.array([1.0]))[0] == pytest.approx(1 + factor * (1 + 1e-6) ** (0.874 - 1), rel=1e-14)
    assert retardation(np.array([-0.5]))[0] == pytest.approx(1 + factor * 1e-6 ** (0.874 - 1))  # clipped at 0


def test_steady_state_is_the_exact_linear_profile():
    """u = 1 + a x with u(1) = -D u_x(1): a = -1 / (1 + D); finite volumes are exact on linear profiles."""
    values, right = solve_diffusion_sorption(0.0, np.array([0.0, 4e5]), cells=32)
    x = (np.arange(32) + 0.5) / 32
    a = -1 / (1 + D)
    assert np.abs(values[-1] - (1 + a * x)).max() < 1e-7
    assert right[-1] == pytest.approx(D / (1 + D), rel=1e-5)


def test_finite_volumes_converge_at_second_order():
    t = np.array([0.0, 5.0, 50.0, 500.0])
    sols = {n: solve_diffusion_sorption(0.0, t, n)[0] for n in (64, 128, 256)}
    diff = [np.abs(sols[n] - 0.5 * (sols[2 * n][:, ::2] + sols[2 * n][:, 1::2])).max() for n in (64, 128)]
    assert 3.5 < diff[0] / diff[1] < 4.5, diff


def test_problem_conditions():
    problem = pinnkit.get_problem("diffusion_sorption1d", t_final=100.0)
    times = torch.linspace(0.0, 100.0, 7, dtype=torch.float64)[:, None]
    left = problem.reference(torch.cat([torch.zeros_like(times), times], dim=1))
    assert (left - 1).abs().max().item() < 1e-15
    start = problem.reference(torch.tensor([[0.3, 0.0], [0.9, 0.0]], dtype=torch.float64))
    assert start.abs().max().item() == 0.0
    late = problem.reference(torch.tensor([[0.01, 100.0], [0.2, 100.0], [0.9, 100.0]], dtype=torch.float64))[:, 0]
    assert 1 > late[0] > late[1] > late[2] >= 0  # the front moves in from x = 0
    with pytest.raises(ValueError, match=r"parameter u0 must be in \[0, 1\], got 2.0"):
        pinnkit.get_problem("diffusion_sorption1d", u0=2.0)
