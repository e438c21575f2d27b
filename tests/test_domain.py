"""Domains and seeded sampling."""
import math

import pytest
import torch

from pinnkit.domain import Box, Interval, SpaceTime, TimeInterval

ST = SpaceTime(Box((0.0, -1.0), (2.0, 1.0)), TimeInterval(0.0, 0.5))


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("method", ["uniform", "sobol", "lhs"])
def test_interior_points_inside_and_deterministic(method):
    a = ST.sample_interior(1000, method, generator=gen(3))
    b = ST.sample_interior(1000, method, generator=gen(3))
    c = ST.sample_interior(1000, method, generator=gen(4))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    assert bool(ST.contains(a).all())
    # the points fill the box: every coordinate's range is nearly covered
    spans = a.max(0).values - a.min(0).values
    assert torch.allclose(spans, torch.tensor(ST.lengths, dtype=a.dtype), rtol=0.02)


def test_lhs_and_sobol_stratify_better_than_uniform():
    # Latin hypercube: exactly one point in each of n equal strata per coordinate
    n = 64
    pts = Interval(0.0, 1.0).sample_interior(n, "lhs", generator=gen(), dtype=torch.float64)
    strata = torch.floor(pts[:, 0] * n).long()
    assert sorted(strata.tolist()) == list(range(n))
    # Sobol' (2^k points): mean of x is far closer to 1/2 than i.i.d. noise 1/sqrt(12 n)
    sob = Interval(0.0, 1.0).sample_interior(1024, "sobol", generator=gen(), dtype=torch.float64)
    assert abs(sob.mean().item() - 0.5) < 0.1 / math.sqrt(12 * 1024)


def test_boundary_points_on_faces_and_proportional():
    pts = ST.sample_boundary(400, generator=gen(), dtype=torch.float64)
    on_any = torch.zeros(400, dtype=torch.bool)
    counts = {}
    for face in ST.faces:
        mask = ST.on_face(pts, face)
        counts[face] = int(mask.sum())
        on_any |= mask
    assert bool(on_any.all()) and bool(ST.contains(pts).all())
    # faces x_min, x_max have length 2 (y) and y_min, y_max length 2 (x): equal shares
    assert counts == {"x_min": 100, "x_max": 100, "y_min": 100, "y_max": 100}
    lid = ST.sample_boundary(50, where="y_max", generator=gen(), dtype=torch.float64)
    assert torch.all(lid[:, 1] == 1.0)


def test_interval_boundary_and_initial_slice():
    dom = SpaceTime(Interval(-1.0, 1.0), TimeInterval(0.0, 1.0))
    b = dom.sample_boundary(10, generator=gen(), dtype=torch.float64)
    assert sorted(set(b[:, 0].tolist())) == [-1.0, 1.0]
    ic = dom.sample_initial(20, generator=gen(), dtype=torch.float64)
    assert torch.all(ic[:, 1] == 0.0) and bool(dom.contains(ic).all())
    with pytest.raises(ValueError, match="needs a space x time domain"):
        Interval(0.0, 1.0).sample_initial(5)


def test_dtype_and_device_honoured():
    pts = ST.sample_interior(8, "sobol", generator=gen(), device="cpu", dtype=torch.float32)
    assert pts.dtype == torch.float32 and pts.device.type == "cpu"
    # the same seed gives the same points whatever the dtype (drawn in float64 first)
    pts64 = ST.sample_interior(8, "sobol", generator=gen(), dtype=torch.float64)
    assert torch.allclose(pts.double(), pts64, atol=1e-6)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.cuda
def test_sampling_on_cuda_matches_cpu():
    a = ST.sample_interior(16, generator=gen(), device="cuda", dtype=torch.float64)
    b = ST.sample_interior(16, generator=gen(), dtype=torch.float64)
    assert a.device.type == "cuda" and torch.equal(a.cpu(), b)


def test_grid_periodic_and_order():
    g = ST.grid((4, 3, 2), periodic=("x", "y"), dtype=torch.float64)
    assert g.shape == (24, 3)
    assert g[:, 0].unique().tolist() == [0.0, 0.5, 1.0, 1.5]  # right end left out
    assert g[:, 2].unique().tolist() == [0.0, 0.5]  # end point kept for non-periodic t
    assert g[1].tolist() == [0.0, -1.0, 0.5]  # last coordinate varies fastest


@pytest.mark.parametrize("make, message", [
    (lambda: Interval(1.0, 0.0), "low=1.0 must be < high=0.0"),
    (lambda: Interval(0.0, float("inf")), "must be finite"),
    (lambda: Box((0.0,), (1.0,)), "Box is 2-D or 3-D"),
    (lambda: Box((0.0, 0.0), (1.0, 1.0, 1.0)), "as many lows as highs"),
    (lambda: TimeInterval(2.0, 2.0), "must be <"),
    (lambda: ST.sample_interior(4, "halton"), "unknown sampling method 'halton'"),
    (lambda: ST.sample_boundary(4, where="top"), "unknown boundary face 'top'"),
    (lambda: ST.grid((4, 4)), "needs 3 sizes"),
])
def test_domain_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()
