"""The neural parametric solver: B-spline bases, families, the learned optimiser, training, files."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from pinnkit.learned import (
    BSplineBasis,
    NeuralSolver,
    TensorBasis,
    evaluate,
    get_family,
    load_solver,
    run_baseline,
    save_solver,
    steps_to_reach,
    train_solver,
)
from pinnkit.learned.fno import SpectralConv
from pinnkit.learned.optimizer import physics_gradient

FD_H = 1e-3


def _away_from_knots(basis: BSplineBasis, n: int, seed: int) -> np.ndarray:
    """Random points at least 3 FD steps from every knot, so 4th-order stencils stay inside one
    cubic piece, where they are exact up to rounding."""
    rng = np.random.default_rng(seed)
    cell = rng.integers(0, basis.intervals, n)
    return basis.a + basis.h * (cell + rng.uniform(3 * FD_H / basis.h, 1 - 3 * FD_H / basis.h, n))


def _fd(f, x: np.ndarray) -> np.ndarray:
    """Fourth-order central difference of a matrix-valued f at x."""
    return (-f(x + 2 * FD_H) + 8 * f(x + FD_H) - 8 * f(x - FD_H) + f(x - 2 * FD_H)) / (12 * FD_H)


@pytest.mark.parametrize("periodic", [False, True])
def test_bspline_derivatives_match_finite_differences(periodic):
    basis = BSplineBasis(-0.5, 1.5, 9, periodic=periodic)
    x = _away_from_knots(basis, 200, seed=1)
    for order in (1, 2, 3):
        exact = basis.matrix(x, order).numpy()
        numeric = _fd(lambda z: basis.matrix(z, order - 1).numpy(), x)
        assert np.abs(exact - numeric).max() < 1e-8, order
        assert np.abs(exact).max() > 1.0  # not trivially zero
    # second derivatives straight from the values (second-order stencil of the cubic pieces)
    values = lambda z: basis.matrix(z).numpy()  # noqa: E731
    numeric = (-values(x + 2 * FD_H) + 16 * values(x + FD_H) - 30 * values(x) + 16 * values(x - FD_H)
               - values(x - 2 * FD_H)) / (12 * FD_H ** 2)
    assert np.abs(basis.matrix(x, 2).numpy() - numeric).max() < 1e-8


def test_tensor_basis_derivatives_match_finite_differences():
    space, time = BSplineBasis(0.0, 1.0, 5, periodic=True), BSplineBasis(0.0, 0.5, 4)
    basis = TensorBasis(space, time)
    points = np.column_stack([_away_from_knots(space, 50, 2), _away_from_knots(time, 50, 3)])
    for axis, derivative in ((0, (1, 0)), (1, (0, 1)), (0, (2, 1))):
        lower = tuple(d - (a == axis) for a, d in enumerate(derivative))

        def f(shifted, axis=axis, lower=lower):
            p = points.copy()
            p[:, axis] = shifted
            return basis.matrix(p, lower).numpy()

        numeric = _fd(f, points[:, axis])
        assert np.abs(basis.matrix(points, derivative).numpy() - numeric).max() < 1e-8
    theta = torch.randn(3, *basis.shape, dtype=torch.float64)
    xs, ts = np.linspace(0, 1, 7), np.linspace(0, 0.5, 5)
    grid = basis.apply(theta, (space.matrix(xs), time.matrix(ts)))
    mesh = np.stack(np.meshgrid(xs, ts, indexing="ij"), -1).reshape(-1, 2)
    scattered = theta.reshape(3, -1) @ basis.matrix(mesh).T
    assert torch.allclose(grid.reshape(3, -1), scattered, atol=1e-14)


def test_partition_of_unity_and_exact_cubics():
    x = np.linspace(-1.0, 2.0, 401)
    clamped = BSplineBasis(-1.0, 2.0, 7)
    m = clamped.matrices(x, (0, 1, 2, 3))
    assert torch.allclose(m[0].sum(1), torch.ones(len(x), dtype=torch.float64), atol=1e-14)
    assert np.abs(m[0].numpy() @ clamped.greville - x).max() < 1e-13  # Greville abscissae reproduce x
    cubic = 2 * x ** 3 - x ** 2 + 0.5 * x - 3
    coef = np.linalg.lstsq(m[0].numpy(), cubic, rcond=None)[0]
    assert np.abs(m[0].numpy() @ coef - cubic).max() < 1e-12
    assert np.abs(m[1].numpy() @ coef - (6 * x ** 2 - 2 * x + 0.5)).max() < 1e-11
    assert np.abs(m[2].numpy() @ coef - (12 * x - 2)).max() < 1e-10
    assert np.abs(m[3].numpy() @ coef - 12).max() < 1e-9
    assert m[0][0, 0] == 1 and m[0][-1, -1] == 1  # clamped: the end coefficients are the end values
    periodic = BSplineBasis(-1.0, 2.0, 7, periodic=True)
    assert torch.allclose(periodic.matrix(x).sum(1), torch.ones(len(x), dtype=torch.float64), atol=1e-14)
    assert torch.allclose(periodic.matrix(x[:5]), periodic.matrix(x[:5] + 3.0), atol=1e-14)
    with pytest.raises(ValueError, match="must lie in"):
        clamped.matrix([2.5])


@pytest.mark.parametrize("name", ["helmholtz", "poisson"])
def test_projected_reference_has_a_small_physics_loss_that_falls_with_the_basis(name):
    losses = []
    for intervals in (16, 32, 64):
        family = get_family(name, intervals=intervals)
        params = family.sample(16, seed=0)
        losses.append(float(family.loss(family.project(params), params).mean()))
        start = float(family.loss(family.initial_guess(params), params).mean())
    assert losses[0] > 8 * losses[1] > 64 * losses[2]  # measured: 17-66x per halving of h
    assert losses[-1] < 1e-4 * start


@pytest.mark.parametrize("name", ["reaction_diffusion", "advection"])
def test_space_time_references_satisfy_the_physics_loss(name):
    family = get_family(name)
    params = family.sample(2, seed=0)
    projected = float(family.loss(family.project(params), params).max())
    start = float(family.loss(family.initial_guess(params), params).min())
    assert projected < 1e-2 * start


@pytest.mark.parametrize("sizes, modes", [((16,), (5,)), ((10, 12), (4, 3))])
def test_spectral_convolution_equals_the_truncated_fft_operator(sizes, modes):
    torch.manual_seed(0)
    conv = SpectralConv(3, modes, sizes).double()
    v = torch.randn(2, 3, *sizes, dtype=torch.float64)
    dims = tuple(range(-len(sizes), 0))
    spec = torch.fft.rfftn(v, dim=dims)
    out = torch.zeros(2, 3, *spec.shape[2:], dtype=spec.dtype)
    w = torch.complex(conv.weight[0], conv.weight[1])  # (modes, C, O)
    if len(sizes) == 1:
        out[..., :modes[0]] = torch.einsum("bim,mio->bom", spec[..., :modes[0]], w)
    else:
        m1, m2 = modes
        w = w.reshape(m2, 2 * m1, 3, 3)
        out[..., :m1, :m2] = torch.einsum("bixy,yxio->boxy", spec[..., :m1, :m2], w[:, :m1])
        out[..., -m1:, :m2] = torch.einsum("bixy,yxio->boxy", spec[..., -m1:, :m2], w[:, m1:])
    assert torch.allclose(conv(v), torch.fft.irfftn(out, s=sizes, dim=dims), atol=1e-13)
    assert conv.float()(v.float()).dtype == torch.float32  # real buffers: casts like any module


def _tiny_solver(seed: int = 0) -> NeuralSolver:
    family = get_family("poisson", intervals=4, per_interval=2, modes=3, n_eval=16)
    torch.manual_seed(seed)
    solver = NeuralSolver(family, steps=2, width=3, modes=2, layers=1, pad=2, dtype="float64", scale=0.01)
    torch.nn.init.normal_(solver.net.out.weight)  # the last layer starts at zero: make the check non-trivial
    return solver


@pytest.mark.parametrize("steps", [1, 2])
def test_unrolled_steps_pass_gradcheck(steps):
    """One step checks F_psi's own gradient; two steps also the path through the second step's
    physics gradient, whose graph ``create_graph=True`` keeps (theta_1 depends on psi)."""
    solver = _tiny_solver()
    params = solver.family.sample(2, seed=1)
    names = [n for n, _ in solver.net.named_parameters()]
    values = tuple(p.detach().clone().requires_grad_(True) for _, p in solver.net.named_parameters())
    solver.train()

    def unrolled(*weights):
        return torch.func.functional_call(solver, {f"net.{k}": v for k, v in zip(names, weights)}, (params,),
                                          dict(steps=steps, create_graph=True))

    assert torch.autograd.gradcheck(unrolled, values, eps=1e-6, atol=1e-6, rtol=1e-5)


def test_steps_follow_the_update_rule():
    solver = _tiny_solver()
    family, params = solver.family, solver.family.sample(3, seed=2)
    theta0, theta1, theta2 = solver(params, return_all=True, create_graph=False)
    assert torch.allclose(theta0, family.initial_guess(params))
    xi = torch.as_tensor(family.spline.greville)
    norms = []
    for k, (before, after) in enumerate(((theta0, theta1), (theta1, theta2))):
        _, grad = physics_gradient(family, before, params)
        norms.append(grad.norm(dim=1, keepdim=True))
        channel = torch.ones_like(grad)[:, None]
        inputs = torch.cat([(grad / norms[-1])[:, None], family.conditioning(params), (2 * xi - 1) * channel,
                            k / 2 * channel, torch.log10(norms[-1] / norms[0])[:, :, None] * channel], dim=1)
        assert torch.allclose(after, before - 0.01 * solver.net(inputs), atol=1e-14)


POISSON_TEST = dict(intervals=16, modes=8)
# Measured (seed 0, 200 Adam iterations at lr 5e-3, batch 32, 512 training instances, width 16,
# 12 modes, 3 layers, L = 5; 3.6 s on one core): held-out mean relative L2 0.023 (max 0.081);
# theta_0 = 0 has 1.0, and a network that ignored training would stay there.
POISSON_THRESHOLD = 0.05


def test_training_on_poisson_reaches_a_held_out_error():
    family = get_family("poisson", **POISSON_TEST)
    solver, history = train_solver(family, iterations=200, batch_size=32, n_train=512, seed=0, lr=5e-3,
                                   progress=False, steps=5, width=16, modes=12, layers=3)
    assert history[-1]["loss"] < history[0]["loss"]
    result = evaluate(solver, family.sample(64, seed=10_000))
    assert result["errors"][0].mean() == pytest.approx(1.0)
    assert result["errors"][-1].mean() < POISSON_THRESHOLD


def test_save_and_load_round_trip_and_refuse_another_family(tmp_path):
    solver = _tiny_solver()
    path = save_solver(solver, tmp_path / "poisson.pt")
    params = solver.family.sample(4, seed=3)
    loaded = load_solver(path)
    assert loaded.family.describe() == solver.family.describe()
    assert torch.allclose(loaded(params, create_graph=False), solver(params, create_graph=False))
    assert torch.equal(load_solver(path, "poisson")(params), loaded(params))
    with pytest.raises(ValueError, match=r"trained for family 'poisson'.*not for 'helmholtz'"):
        load_solver(path, get_family("helmholtz"))
    with pytest.raises(ValueError, match=r"trained for family 'poisson'.*not for 'advection'"):
        load_solver(path, "advection")
    with pytest.raises(ValueError, match="settings .* differ"):
        load_solver(path, get_family("poisson"))  # the default basis, not the 4-interval one
    with pytest.raises(FileNotFoundError):
        load_solver(tmp_path / "missing.pt")


def test_baselines_reduce_the_error_and_count_steps():
    family = get_family("poisson", intervals=8, modes=4)
    params = family.sample(4, seed=4)
    for method, iterations in (("gd", 50), ("adam", 50), ("lbfgs", 40)):
        run = run_baseline(family, params, method, iterations, lr=1e-2 if method == "adam" else None)
        assert run.errors.shape == (iterations + 1, 4) and run.seconds.shape == (iterations + 1,)
        assert run.mean_errors[-1] < run.mean_errors[0] and np.all(np.diff(run.seconds) >= 0)
    steps, seconds = steps_to_reach(run, run.mean_errors[10])
    assert steps <= 10 and seconds == run.seconds[steps]
    assert steps_to_reach(run, 0.0) == (None, None)
    with pytest.raises(ValueError, match="unknown baseline"):
        run_baseline(family, params, "sgd", 1)
