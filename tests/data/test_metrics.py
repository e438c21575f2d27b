"""PDEBench metrics on inputs whose values follow by hand."""
import math

import numpy as np
import pytest
import torch

from pinnkit.data import METRIC_KEYS, pdebench_metrics


def constant_offsets(nx=16):
    """Target 2 everywhere; sample b is off by a_b = 1, 3 (two frames, one channel)."""
    target = np.full((2, nx, 2, 1), 2.0)
    pred = target + np.array([1.0, 3.0])[:, None, None, None]
    return pred, target


def test_constant_offsets_1d():
    m = pdebench_metrics(*constant_offsets(), Lx=2.0)
    assert set(m) == set(METRIC_KEYS)
    assert m["rmse"] == pytest.approx(2.0)  # mean(1, 3)
    assert m["nrmse"] == pytest.approx(1.0)  # mean(1/2, 3/2)
    assert m["crmse"] == pytest.approx(math.sqrt(5.0))  # sqrt(mean(1, 9))
    assert m["max_err"] == pytest.approx(3.0)
    assert m["brmse"] == pytest.approx(2.0)
    # only k = 0 differs: sqrt(mean(nx^2 a^2)) / nx * Lx = 2 sqrt(5), averaged over the 4 low bins
    assert m["frmse_low"] == pytest.approx(2 * math.sqrt(5.0) / 4)
    assert m["frmse_mid"] == pytest.approx(0.0, abs=1e-12)
    assert math.isnan(m["frmse_high"])  # nx = 16 has rfft bins 0..8 only: the high band is empty


def test_single_sine_mode_1d_and_torch_input():
    nx = 32
    x = np.arange(nx) / nx
    target = np.ones((1, nx, 3, 1))
    pred = target + np.sin(2 * np.pi * 5 * x)[None, :, None, None]
    pred[:, :, 0] += 100.0  # frame 0 is dropped by initial_step=1
    m = pdebench_metrics(torch.as_tensor(pred), torch.as_tensor(target), initial_step=1)
    assert m["rmse"] == pytest.approx(1 / math.sqrt(2))
    assert m["nrmse"] == pytest.approx(1 / math.sqrt(2))
    assert m["crmse"] == pytest.approx(0.0, abs=1e-12)
    assert m["max_err"] == pytest.approx(np.abs(np.sin(2 * np.pi * 5 * x)).max())
    assert m["brmse"] == pytest.approx(math.sqrt(np.sin(2 * np.pi * 5 * 31 / 32) ** 2 / 2))
    assert m["frmse_low"] == pytest.approx(0.0, abs=1e-12)
    assert m["frmse_mid"] == pytest.approx(0.5 / 8)  # |F_5| = nx / 2 -> 0.5, one bin of the 8 in [4, 12)
    assert m["frmse_high"] == pytest.approx(0.0, abs=1e-12)


def test_2d_boundary_and_radial_fourier_bins():
    n = 16
    x = np.arange(n) / n
    target = np.ones((1, n, n, 1, 1))
    wave = np.cos(2 * np.pi * (3 * x[:, None] + 4 * x[None, :]))
    m = pdebench_metrics(target + wave[None, :, :, None, None], target, Lx=1.0, Ly=2.0)
    assert m["rmse"] == pytest.approx(1 / math.sqrt(2))
    # mode (3, 4) has |F| = n^2 / 2 and radius 5: bin 5 = 0.5 * Lx * Ly, one of the 4 mid bins [4, 8)
    assert m["frmse_mid"] == pytest.approx(0.5 * 2.0 / 4)
    assert m["frmse_low"] == pytest.approx(0.0, abs=1e-12)
    assert math.isnan(m["frmse_high"])
    corner = np.zeros((1, n, n, 1, 1))
    corner[0, 0, 0] = 4.0  # on both the x = first and y = first edges: 2 of the 2n + 2n edge points
    m = pdebench_metrics(target + corner, target)
    assert m["brmse"] == pytest.approx(math.sqrt(2 * 16.0 / (4 * n)))
    assert m["max_err"] == pytest.approx(4.0)
    assert m["crmse"] == pytest.approx(4.0 / n**2)


def test_odd_grids_keep_the_same_wavenumbers_in_1d_and_2d():
    """nx = ny = 5: both keep k = 0, 1, 2 (< 5 / 2). A cos(2 pi 2 x) error constant in y has |F_2| = nx / 2
    (1-D) and n^2 / 2 (2-D), so bin 2 holds 0.5 in both and the low band [0, 4) averages 0.5 / 3."""
    n = 5
    x = np.arange(n) / n
    wave = np.cos(2 * np.pi * 2 * x)
    one = pdebench_metrics(wave[None, :, None, None], np.zeros((1, n, 1, 1)))
    two = pdebench_metrics(np.broadcast_to(wave[:, None], (n, n))[None, :, :, None, None], np.zeros((1, n, n, 1, 1)))
    assert one["frmse_low"] == pytest.approx(0.5 / 3, rel=1e-12)
    assert two["frmse_low"] == pytest.approx(0.5 / 3, rel=1e-12)  # was 0 when bin 2 (< 2.5) was dropped
    assert math.isnan(one["frmse_mid"]) and math.isnan(two["frmse_mid"])
    # a 2-D mode (2, 1) at radius floor(sqrt(5)) = 2 with nx = 7, ny = 5: bins r < 5 / 2, |F| = 35 / 2
    y = np.arange(5) / 5
    mode = np.cos(2 * np.pi * (2 * np.arange(7)[:, None] / 7 + y[None, :]))
    m = pdebench_metrics(mode[None, :, :, None, None], np.zeros((1, 7, 5, 1, 1)), Lx=2.0, Ly=3.0)
    assert m["frmse_low"] == pytest.approx(0.5 * 6.0 / 3, rel=1e-12)


def test_metric_errors_name_the_problem():
    with pytest.raises(ValueError, match="shapes differ"):
        pdebench_metrics(np.zeros((1, 4, 2, 1)), np.zeros((1, 4, 3, 1)))
    with pytest.raises(ValueError, match=r"\(batch, space..., time, channel\)"):
        pdebench_metrics(np.zeros((4, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="initial_step must be in"):
        pdebench_metrics(np.zeros((1, 4, 2, 1)), np.zeros((1, 4, 2, 1)), initial_step=2)
