"""Vorticity-form Navier-Stokes reference (ns_vorticity2d): exact single-shell solutions,
convergence in dt and grid, an independent spectral residual, conservation, the problem's PDE."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import pinnkit
from pinnkit.reference import ns_vorticity as nv
from pinnkit.reference.spectral import fourier_interpolate

TWO_PI = 2 * math.pi
MODES = nv.SOLVE_FACTOR * 64  # the default problem's solve grid
LI = nv.forcing_function("li2021")


def grid_xy(n: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.arange(n) / n
    return np.meshgrid(x, x, indexing="ij")


def li_forcing(n: int) -> np.ndarray:
    return nv.on_grid(lambda p: LI(p[:, 0], p[:, 1])[:, None], n)


@pytest.fixture(scope="module")
def default_run():
    """The default problem's solve (seed 0, nu = 1e-4, t in [0, 1], no forcing): ``(t, w)``."""
    t = nv.snapshot_times(1.0)
    return t, nv.solve_ns_vorticity(nv.on_grid(nv.random_vorticity(0), MODES), 1e-4, t)


# --------------------------------------------------------------------------- exact solutions
def test_single_shell_decays_exactly():
    """Any w0 on one shell |m| = 5 has psi = w / |k|^2 and J(psi, w) = 0: w = w0 e^{-nu |k|^2 t}."""
    x, y = grid_xy(32)
    rng = np.random.default_rng(3)
    w0 = sum(a * np.cos(TWO_PI * (i * x + j * y)) + b * np.sin(TWO_PI * (i * x + j * y))
             for (i, j), (a, b) in zip([(5, 0), (0, 5), (3, 4), (4, 3), (3, -4), (4, -3)], rng.standard_normal((6, 2))))
    nu, t = 0.01, np.linspace(0.0, 1.0, 6)
    w = nv.solve_ns_vorticity(w0, nu, t, dt=0.05)
    exact = np.exp(-nu * TWO_PI**2 * 25 * t)[:, None, None] * w0
    assert exact[-1].std() < 0.4 * w0.std()  # the decay is visible
    assert np.abs(w - exact).max() / np.abs(w0).max() < 1e-12


def test_forced_single_shell_relaxes_exactly():
    """li2021 forcing and w0 = sin(2 pi x) sin(2 pi y) share the shell |m|^2 = 2:
    w = w_s + (w0 - w_s) e^{-lam t}, w_s = f / lam, lam = 8 pi^2 nu."""
    x, y = grid_xy(16)
    nu, t = 0.02, np.linspace(0.0, 2.0, 5)
    lam = 2 * TWO_PI**2 * nu
    w0, f = np.sin(TWO_PI * x) * np.sin(TWO_PI * y), li_forcing(16)
    w = nv.solve_ns_vorticity(w0, nu, t, dt=0.1, forcing=f)
    decay = np.exp(-lam * t)[:, None, None]
    exact = f / lam + (w0 - f / lam) * decay
    assert np.abs(w[-1] - w0).max() > 0.5
    assert np.abs(w - exact).max() < 1e-12


def test_nonzero_mean_is_refused():
    with pytest.raises(ValueError, match="zero mean"):
        nv.solve_ns_vorticity(np.ones((16, 16)), 1e-3, np.array([0.0, 0.1]))


# --------------------------------------------------------------------------- the default run
def test_default_reference_converges_in_time_and_space(default_run):
    """Against dt / 2 and a 3/2-times finer grid: ~5e-10 and ~1e-10 of max |w| on t in [0, 1]."""
    t, w = default_run
    scale = np.abs(w).max()
    w0 = nv.random_vorticity(0)
    half_dt = nv.solve_ns_vorticity(nv.on_grid(w0, MODES), 1e-4, t, dt=nv.DT / 2)
    assert np.abs(half_dt - w).max() / scale < 2e-9
    fine = nv.solve_ns_vorticity(nv.on_grid(w0, 192), 1e-4, t[-1:])
    on_coarse = fourier_interpolate(fine[-1], (1.0, 1.0), (0.0, 0.0), nv.grid_points(MODES)).reshape(MODES, MODES)
    assert np.abs(on_coarse - w[-1]).max() / scale < 1e-9
    # the flow does evolve: w(1) is far from w0
    assert np.abs(w[-1] - w[0]).max() / scale > 0.1


def test_default_reference_satisfies_the_pde_spectrally(default_run):
    """w_t by 4th-order differences of the snapshots (0.01 apart) against the right-hand side in
    advective form, u w_x + v w_y with (u, v) = (psi_y, -psi_x), products on a 3/2-padded grid."""
    t, w = default_run
    n, h, nu = MODES, t[1] - t[0], 1e-4
    m = np.fft.fftfreq(n, 1.0 / n)
    kx, ky = TWO_PI * m[:, None], TWO_PI * m[None, :]
    k2 = kx**2 + ky**2
    inv = np.divide(1.0, k2, out=np.zeros_like(k2), where=k2 > 0)
    big = 3 * n // 2

    def pad(hat):  # zero-padded values on the finer grid (n even; Nyquist mode dropped)
        out = np.zeros((big, big), dtype=complex)
        keep = np.r_[0:n // 2, big - n // 2 + 1:big]
        src = np.r_[0:n // 2, n // 2 + 1:n]
        out[np.ix_(keep, keep)] = hat[np.ix_(src, src)]
        return np.fft.ifft2(out).real * (big / n) ** 2

    worst = 0.0
    for i in (2, 30, 60, 98):
        w_t = (-w[i + 2] + 8 * w[i + 1] - 8 * w[i - 1] + w[i - 2]) / (12 * h)
        w_hat = np.fft.fft2(w[i])
        psi_hat = inv * w_hat
        advect = pad(1j * ky * psi_hat) * pad(1j * kx * w_hat) - pad(1j * kx * psi_hat) * pad(1j * ky * w_hat)
        advect_hat = np.fft.fft2(advect) * (n / big) ** 2
        keep = np.r_[0:n // 2, big - n // 2 + 1:big]
        rhs_hat = -advect_hat[np.ix_(keep, keep)]
        rhs_hat = np.insert(np.insert(rhs_hat, n // 2, 0, axis=0), n // 2, 0, axis=1) - nu * k2 * w_hat
        rhs = np.fft.ifft2(rhs_hat).real
        worst = max(worst, np.abs(w_t - rhs).max() / np.abs(rhs).max())
    assert worst < 1e-6


def test_mean_vorticity_is_conserved(default_run):
    _, w = default_run
    assert np.abs(w.mean(axis=(1, 2))).max() < 1e-14
    x = nv.on_grid(nv.random_vorticity(2), 32)
    forced = nv.solve_ns_vorticity(x, 1e-3, np.linspace(0, 1, 3), forcing=li_forcing(32))
    assert np.abs(forced.mean(axis=(1, 2))).max() < 1e-14
    assert np.sqrt((x**2).mean()) == pytest.approx(1.0, rel=1e-12)  # w0's RMS is exactly 1


# --------------------------------------------------------------------------- the problem
@pytest.mark.parametrize("forcing", ["none", "li2021"])
def test_exact_shell_solution_has_zero_problem_residual(forcing):
    """The problem's PDE (autodiff on torch) at the exact single-shell solution of the solver tests."""
    nu = 0.02
    problem = pinnkit.get_problem("ns_vorticity2d", nu=nu, forcing=forcing, t_final=2.0)
    lam = 2 * TWO_PI**2 * nu

    def exact(p):
        x, y, t = p[:, 0], p[:, 1], p[:, 2]
        w = torch.sin(TWO_PI * x) * torch.sin(TWO_PI * y) * torch.exp(-lam * t)
        if forcing == "li2021":
            w = w + LI(x, y) / lam * (1 - torch.exp(-lam * t))
        return torch.stack([w, w / (2 * TWO_PI**2) + 0.3], dim=1)  # psi up to a constant

    g = torch.Generator().manual_seed(0)
    pts = problem.domain.sample_interior(200, generator=g, dtype=torch.float64)
    assert problem.residual(exact, pts).abs().max().item() < 1e-12
    # and a wrong stream-function sign is not a solution (the residual can fail)
    wrong = problem.residual(lambda p: exact(p) * torch.tensor([1.0, -1.0], dtype=p.dtype), pts)
    assert wrong.abs().max().item() > 0.1


def test_problem_reference_conditions_and_pde(fd_jet):
    """Initial w, periodicity, psi's zero mean, the grid, and the PDE by finite differences."""
    problem = pinnkit.get_problem("ns_vorticity2d", t_final=0.2, forcing="li2021", seed=1)
    ref, dom = problem.reference, problem.domain
    assert problem.up_to_constant == ("psi",)
    g = torch.Generator().manual_seed(1)
    pts = dom.sample_initial(64, generator=g, dtype=torch.float64)
    values = ref(pts)
    assert isinstance(values, torch.Tensor) and values.shape == (64, 2)
    assert (values[:, :1] - problem.initial_condition.value(pts[:, :2])).abs().max().item() < 1e-12
    for i in (0, 1):
        pts = dom.sample_interior(64, generator=g, dtype=torch.float64)
        lo, hi = pts.clone(), pts.clone()
        lo[:, i], hi[:, i] = 0.0, 1.0
        assert (ref(lo) - ref(hi)).abs().max().item() < 1e-12
    grid = ref.grid()
    assert grid.values.shape == (64, 64, 21, 2) and grid.fields == ("w", "psi")
    assert np.abs(grid.values[..., 1].mean(axis=(0, 1))).max() < 1e-14
    pts = dom.sample_interior(60, generator=g, dtype=torch.float64).numpy()
    pts[:, 2] = 0.02 + 0.16 * pts[:, 2] / 0.2  # keep the 2h time stencil inside [0, 0.2]
    jet = fd_jet(ref, pts, problem.coords, problem.fields, problem.pde.requires, h=1e-3)
    scale = max(v.abs().max().item() for v in jet.values())
    assert problem.pde.residual(jet).abs().max().item() / scale < 1e-7
