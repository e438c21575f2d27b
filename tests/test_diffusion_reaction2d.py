"""2-D FitzHugh-Nagumo diffusion-reaction: the cosine reference converges, satisfies the PDE, PINN runs."""
import numpy as np
import pytest
import torch

import pinnkit
from pinnkit.reference.cosine import CosineSolution
from pinnkit.reference.fitzhugh_nagumo import fitzhugh_nagumo_terms, snapshot_times, solve_fitzhugh_nagumo

PARAMS = (1e-3, 5e-3, 5e-3)


def test_reference_converges_spectrally_in_the_number_of_modes():
    """Measured at t = 0.5 against 192^2 modes: 64^2 ~5e-4, 128^2 ~4e-7 (the default)."""
    t = np.array([0.0, 0.25, 0.5])
    pts = np.column_stack([np.random.default_rng(0).uniform(-1, 1, (400, 2)), np.full(400, 0.5)])
    values = {m: CosineSolution(t, solve_fitzhugh_nagumo(0, t, *PARAMS, modes=m), (-1, -1), (2, 2),
                                *fitzhugh_nagumo_terms(*PARAMS))(pts) for m in (64, 128, 192)}
    err64, err128 = (np.abs(values[m] - values[192]).max() for m in (64, 128))
    assert err128 < 2e-6 and 1e-4 < err64 < 2e-3 and err64 / err128 > 300, (err64, err128)
    half = solve_fitzhugh_nagumo(0, t, *PARAMS, modes=64, dt=2.5e-3)  # time error at dt = 5e-3: negligible
    assert np.abs(half - solve_fitzhugh_nagumo(0, t, *PARAMS, modes=64)).max() < 1e-8


def test_reference_satisfies_the_pde_and_the_initial_condition(fd_jet):
    problem = pinnkit.get_problem("diffusion_reaction2d", t_final=0.5, seed=1)
    unit = torch.rand(40, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64).numpy()
    pts = np.column_stack([-0.95 + 1.9 * unit[:, :2], 0.2 + 0.25 * unit[:, 2]])
    jet = fd_jet(problem.reference, pts, problem.coords, problem.fields, problem.pde.requires, h=2e-3)
    scale = max(v.abs().max().item() for k, v in jet.items() if k.endswith("_t"))
    assert problem.pde.residual(jet).abs().max().item() / scale < 1e-5
    x0 = 2 * torch.rand(50, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1)) - 1
    ref0 = problem.reference(torch.cat([x0, torch.zeros(50, 1, dtype=torch.float64)], dim=1))
    assert (ref0 - problem.initial_condition.value(x0)).abs().max().item() < 1e-12
    # the initial condition has unit mean square per field in expectation and no-flux walls
    grid = problem.reference.grid()
    assert 0.2 < np.sqrt(np.mean(grid.values[:, :, 0] ** 2)) < 3
    wall = torch.tensor([[-1.0, 0.3, 0.4], [1.0, -0.2, 0.1], [0.5, 1.0, 0.3]], dtype=torch.float64)
    jet = fd_jet(problem.reference, wall.numpy(), problem.coords, problem.fields, ("u_x", "v_x", "u_y", "v_y"), h=1e-3)
    assert max(abs(jet[k][i].item()) for k, i in (("u_x", 0), ("v_x", 1), ("u_y", 2), ("v_y", 2))) < 1e-8


def test_snapshot_times_and_parameters():
    t = snapshot_times(5.0)
    assert len(t) == 21 + 32 + 90 and t[-1] == 5.0 and np.diff(t).max() == pytest.approx(0.05)
    problem = pinnkit.get_problem("diffusion_reaction2d", k=0.0, du=2e-3)
    assert dict(problem.params) == dict(du=2e-3, dv=5e-3, k=0.0, t_final=5.0, seed=0)
    assert problem.fields == ("u", "v") and problem.periodic == ()
    for bad, match in ((dict(du=-1.0), "parameter du must be a finite number > 0"),
                       (dict(seed=1.5), "parameter seed must be an integer >= 0")):
        with pytest.raises(ValueError, match=match):
            pinnkit.get_problem("diffusion_reaction2d", **bad)


def test_pinn_smoke_run_reduces_the_loss():
    """Two fields, no-flux walls: 600 Adam steps take the loss from 18.5 to 2.4, rel. L2 error 0.34 (~6 s)."""
    config = dict(width=32, depth=3, n_residual=512, n_initial=512, n_boundary=128, adam_steps=600, lbfgs_steps=0,
                  lr=5e-3)
    result = pinnkit.solve("diffusion_reaction2d", config=config, progress=False, seed=0, t_final=0.25)
    assert result.status.ok, result.message
    first, last = result.history[0], result.history[-1]
    assert last["loss"] < 0.2 * first["loss"] and last["loss"] < 3.5, (first["loss"], last["loss"])
    assert last["loss_boundary"] < 0.03 and last["loss_initial"] < 0.3
    assert result.errors["rel_l2"] < 0.5 and result.errors["rel_l2_v"] < 0.5
