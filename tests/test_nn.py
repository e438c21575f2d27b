"""Ansatz networks: exact periodicity, normalisation, Fourier features, hard constraints,
activations, torch.func compatibility, dtype and device."""
from __future__ import annotations

import math

import pytest
import torch

import pinnkit
from pinnkit import autodiff
from pinnkit.nn import (ACTIVATIONS, MLP, FourierFeatures, HardConstraint, Normalize, PeriodicEmbedding,
                        TrainablePeriodicEmbedding, box_distance, build_network, get_activation, impose_initial,
                        initial_distance)

F64 = torch.float64


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def randomise(module: torch.nn.Module, seed: int = 1, scale: float = 0.25) -> None:
    """Perturb every parameter (biases, amplitudes, offsets too) so no test relies on the initialisation."""
    g = gen(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(scale * torch.randn(p.shape, generator=g, dtype=F64).to(p.dtype))


def ends(problem, coord: str = "x", n: int = 7) -> tuple[torch.Tensor, torch.Tensor]:
    """Points on the low and high faces of ``coord``, other coordinates random but shared."""
    dom = problem.domain
    inner = dom.sample_interior(n, generator=gen(3), dtype=F64)
    i = dom.index(coord)
    lo, hi = inner.clone(), inner.clone()
    lo[:, i], hi[:, i] = dom.lows[i], dom.highs[i]
    return lo, hi


# ---------------------------------------------------------------- exact periodicity
@pytest.mark.parametrize("name", ["heat1d", "allen_cahn1d"])
@pytest.mark.parametrize("options", [dict(periodic_harmonics=1), dict(periodic_harmonics=3, fourier_features=8),
                                     dict(trainable_periodic=20)])
def test_network_is_exactly_periodic_with_derivatives(name, options):
    problem = pinnkit.get_problem(name)
    net = build_network(problem, width=16, depth=3, generator=gen(), dtype=F64, **options)
    randomise(net)
    lo, hi = ends(problem)
    keys = ["u", "u_x", "u_xx"]
    a = autodiff.derivatives(net, lo, problem.coords, problem.fields, keys)
    b = autodiff.derivatives(net, hi, problem.coords, problem.fields, keys)
    for key in keys:
        scale = a[key].abs().max().item()
        assert scale > 1e-3  # not trivially zero
        # 1e-12 absolute; relative to the values' size for u_xx (up to ~1e2 here, where
        # rounding of the O(1e3) intermediate terms alone gives ~1e-13)
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=1e-12 * max(1.0, scale))
    # ... while a non-periodic network is not periodic at all
    plain = build_network(pinnkit.get_problem("burgers1d"), width=16, depth=3, generator=gen(), dtype=F64)
    assert (plain(lo) - plain(hi)).abs().max() > 1e-3


def test_periodic_in_two_coordinates():
    problem = pinnkit.get_problem("heat2d")
    net = build_network(problem, width=16, depth=2, generator=gen(), dtype=F64, trainable_periodic=5)
    randomise(net)
    for coord in ("x", "y"):
        lo, hi = ends(problem, coord)
        torch.testing.assert_close(net(lo), net(hi), rtol=0, atol=1e-12)


def test_periodicity_survives_float32_to_float64():
    """Bounds are kept in exact float64, so a float32 network moved to float64 stays exactly periodic."""
    problem = pinnkit.get_problem("heat1d")
    net = build_network(problem, width=16, depth=2, generator=gen(), dtype=torch.float32).to(F64)
    randomise(net)
    lo, hi = ends(problem)
    assert net(lo).dtype == F64
    torch.testing.assert_close(net(lo), net(hi), rtol=0, atol=1e-13)
    corners = torch.tensor([problem.domain.lows, problem.domain.highs], dtype=F64)
    assert torch.equal(net.encoding.normalize(corners), torch.tensor([[-1.0, -1.0], [1.0, 1.0]], dtype=F64))


def test_periodic_embedding_closed_form():
    x = torch.tensor([[0.3], [-0.7]], dtype=F64)
    out = PeriodicEmbedding(period=4.0, harmonics=2)(x)
    w = 2 * math.pi / 4.0
    expected = torch.cat([torch.cos(w * x), torch.cos(2 * w * x), torch.sin(w * x), torch.sin(2 * w * x)], dim=1)
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-15)
    layer = TrainablePeriodicEmbedding(period=4.0, features=3, generator=gen(), dtype=F64)
    randomise(layer)
    expected = layer.amplitude * torch.cos(w * x + layer.phase) + layer.offset
    torch.testing.assert_close(layer(x), expected, rtol=0, atol=1e-15)
    assert layer(x + 4.0).sub(layer(x)).abs().max() < 1e-14


# ---------------------------------------------------------------- normalisation
@pytest.mark.parametrize("dtype", [torch.float32, F64])
def test_normalisation_maps_corners_to_plus_minus_one(dtype):
    lows, highs = (0.0, -1.0, 0.1), (2 * math.pi, 1.0, 0.7)
    norm = Normalize(lows, highs)
    corners = torch.tensor([lows, highs, (lows[0], highs[1], lows[2])], dtype=F64).to(dtype)
    expected = torch.tensor([[-1.0] * 3, [1.0] * 3, [-1.0, 1.0, -1.0]], dtype=dtype)
    assert torch.equal(norm(corners), expected)
    mid = torch.tensor([[math.pi, 0.0, 0.4]], dtype=dtype)
    torch.testing.assert_close(norm(mid), torch.zeros(1, 3, dtype=dtype), rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match=r"column 1 needs low < high, got \[1.0, 1.0\]"):
        Normalize((0.0, 1.0), (1.0, 1.0))


# ---------------------------------------------------------------- Fourier features
def test_fourier_features_seeded_and_closed_form():
    a = FourierFeatures(2, 16, sigma=3.0, generator=gen(7), dtype=F64)
    b = FourierFeatures(2, 16, sigma=3.0, generator=gen(7), dtype=F64)
    c = FourierFeatures(2, 16, sigma=3.0, generator=gen(8), dtype=F64)
    assert torch.equal(a.B, b.B)
    assert (a.B - c.B).abs().max() > 0.1
    assert dict(a.named_parameters()) == {} and "B" in dict(a.named_buffers())
    x = torch.tensor([[0.2, -0.5], [1.0, 0.3]], dtype=F64)
    z = x @ a.B
    torch.testing.assert_close(a(x), torch.cat([torch.cos(z), torch.sin(z)], dim=1), rtol=0, atol=1e-15)
    # same seed, float32: the same B rounded
    a32 = FourierFeatures(2, 16, sigma=3.0, generator=gen(7), dtype=torch.float32)
    assert torch.equal(a32.B, a.B.float())


def test_fourier_sigma_controls_spread():
    big = FourierFeatures(1, 4000, sigma=5.0, generator=gen(0), dtype=F64)
    assert abs(big.B.std().item() - 5.0) < 0.25


def test_built_network_applies_fourier_features_to_time_only():
    problem = pinnkit.get_problem("allen_cahn1d")  # periodic x on [-1, 1], t in [0, 1]
    net = build_network(problem, width=8, depth=1, fourier_features=4, fourier_sigma=2.0, generator=gen(), dtype=F64)
    points = torch.tensor([[0.5, 0.25], [-1.0, 1.0]], dtype=F64)
    xn, tn = points[:, :1], 2 * points[:, 1:] - 1
    z = tn @ net.encoding.fourier.B
    expected = torch.cat([torch.cos(math.pi * xn), torch.sin(math.pi * xn), torch.cos(z), torch.sin(z)], dim=1)
    torch.testing.assert_close(net.encoding(points), expected, rtol=0, atol=1e-15)


# ---------------------------------------------------------------- hard constraints
def test_hard_initial_and_dirichlet_hold_exactly():
    problem = pinnkit.get_problem("burgers1d")  # u0 = -sin(pi x), u(+-1, t) = 0
    net = build_network(problem, width=16, depth=2, generator=gen(), dtype=F64)
    randomise(net)
    u0 = problem.initial_condition.value
    t_dist, x_dist = initial_distance(problem.domain), box_distance(problem.domain)
    model = HardConstraint(net, lambda p: u0(p[:, :-1]), lambda p: t_dist(p) * x_dist(p))
    x = torch.linspace(-1, 1, 11, dtype=F64)[:, None]
    initial = torch.cat([x, torch.zeros_like(x)], dim=1)
    torch.testing.assert_close(model(initial), u0(x), rtol=0, atol=1e-12)
    lo, hi = ends(problem)
    assert model(lo).abs().max() < 1e-12 and model(hi).abs().max() < 1e-12
    interior = problem.domain.sample_interior(5, generator=gen(2), dtype=F64)
    assert (model(interior) - u0(interior[:, :1])).abs().max() > 1e-3  # the network still contributes


def test_impose_initial_on_a_subset_of_fields():
    problem = pinnkit.get_problem("taylor_green")  # initial condition on (u, v); p free
    net = build_network(problem, width=16, depth=2, generator=gen(), dtype=F64)
    randomise(net)
    model = impose_initial(problem, net)
    points = problem.domain.sample_initial(9, generator=gen(4), dtype=F64)
    out = model(points)
    torch.testing.assert_close(out[:, :2], problem.initial_condition.value(points[:, :-1]), rtol=0, atol=1e-12)
    torch.testing.assert_close(out[:, 2], net(points)[:, 2], rtol=0, atol=0)
    assert model.coords == problem.coords and "hard constraint" in model.describe()


def test_hard_constraint_shape_error():
    problem = pinnkit.get_problem("burgers1d")
    net = build_network(problem, width=4, depth=1, generator=gen(), dtype=F64)
    model = HardConstraint(net, lambda p: p[:, :2], lambda p: p[:, :1])
    with pytest.raises(ValueError, match=r"particular \(3, 2\) \(must match\)"):
        model(torch.zeros(3, 2, dtype=F64))


# ---------------------------------------------------------------- activations and MLP
EXPECTED = {
    "tanh": math.tanh,
    "sin": math.sin,
    "gelu": lambda x: 0.5 * x * (1 + math.erf(x / math.sqrt(2))),
    "silu": lambda x: x / (1 + math.exp(-x)),
    "swish": lambda x: x / (1 + math.exp(-x)),
    "softplus": lambda x: math.log1p(math.exp(x)),
    "relu": lambda x: max(x, 0.0),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_by_name(name):
    assert set(EXPECTED) == set(ACTIVATIONS)
    for x in (0.7, -1.3):
        value = get_activation(name)(torch.tensor(x, dtype=F64)).item()
        assert value == pytest.approx(EXPECTED[name](x), abs=1e-14)
    # the MLP uses it: one hidden unit, unit weights, zero biases -> y = act(x)
    mlp = MLP(1, 1, width=1, depth=1, activation=name, dtype=F64)
    with torch.no_grad():
        for layer in mlp.layers:
            layer.weight.fill_(1.0)
    assert mlp(torch.tensor([[0.7]], dtype=F64)).item() == pytest.approx(EXPECTED[name](0.7), abs=1e-14)


def test_unknown_activation_names_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown activation 'tanhh'\. Did you mean 'tanh'\? Valid: tanh, sin, "
                                         r"gelu, silu, swish, softplus, relu"):
        MLP(2, 1, activation="tanhh")
    with pytest.raises(ValueError, match="MLP depth must be an integer >= 1, got 0"):
        MLP(2, 1, depth=0)


def test_glorot_normal_init_and_seed():
    mlp = MLP(3, 2, width=512, depth=2, generator=gen(5), dtype=F64)
    hidden = mlp.layers[1].weight
    assert abs(hidden.std().item() / math.sqrt(2 / (512 + 512)) - 1) < 0.02
    assert abs(hidden.mean().item()) < 5 * math.sqrt(2 / 1024) / 512  # 5 standard errors
    assert all(torch.count_nonzero(layer.bias) == 0 for layer in mlp.layers)
    again = MLP(3, 2, width=512, depth=2, generator=gen(5), dtype=F64)
    other = MLP(3, 2, width=512, depth=2, generator=gen(6), dtype=F64)
    assert torch.equal(mlp.layers[0].weight, again.layers[0].weight)
    assert not torch.equal(mlp.layers[0].weight, other.layers[0].weight)


# ---------------------------------------------------------------- torch.func compatibility
@pytest.mark.parametrize("name, options", [("allen_cahn1d", dict(trainable_periodic=4, fourier_features=3)),
                                           ("kovasznay", dict(activation="sin"))])
def test_parameter_jacobian_matches_autograd(name, options):
    problem = pinnkit.get_problem(name)
    net = build_network(problem, width=8, depth=2, generator=gen(), dtype=F64, **options)
    randomise(net)
    points = problem.domain.sample_interior(3, generator=gen(9), dtype=F64)
    jac = autodiff.parameter_jacobian(net, points, problem.coords, problem.fields)
    params = [p for p in net.parameters() if p.requires_grad]
    assert jac.shape == (3, len(problem.fields), sum(p.numel() for p in params))
    n = 1
    out = net(points[n : n + 1])[0]
    for k in range(len(problem.fields)):
        row = torch.cat([g.reshape(-1) for g in torch.autograd.grad(out[k], params, retain_graph=True)])
        torch.testing.assert_close(jac[n, k], row, rtol=0, atol=1e-10)


def test_parameter_jacobian_of_second_derivative():
    problem = pinnkit.get_problem("heat1d")
    net = build_network(problem, width=8, depth=2, generator=gen(), dtype=F64, trainable_periodic=3)
    randomise(net)
    points = problem.domain.sample_interior(2, generator=gen(9), dtype=F64)
    jac = autodiff.parameter_jacobian(net, points, problem.coords, problem.fields, keys=["u_xx"],
                                      residual=lambda jet: jet["u_xx"].reshape(-1, 1))
    x = points[:1].clone().requires_grad_(True)
    (u_x,) = torch.autograd.grad(net(x).sum(), x, create_graph=True)
    (u_xx,) = torch.autograd.grad(u_x[:, 0].sum(), x, create_graph=True)
    params = list(net.parameters())
    grads = torch.autograd.grad(u_xx[0, 0], params, allow_unused=True)  # the last bias drops out of u_xx
    row = torch.cat([(g if g is not None else torch.zeros_like(p)).reshape(-1) for g, p in zip(grads, params)])
    assert row.abs().max() > 1e-3
    torch.testing.assert_close(jac[0, 0], row, rtol=0, atol=1e-10)


# ---------------------------------------------------------------- dtype, device, description
def test_dtype_is_honoured_and_seed_is_dtype_independent():
    problem = pinnkit.get_problem("allen_cahn1d")
    nets = {dt: build_network(problem, width=16, depth=2, fourier_features=4, generator=gen(), dtype=dt)
            for dt in (torch.float32, F64)}
    points = problem.domain.sample_interior(6, generator=gen(1), dtype=F64)
    out32, out64 = nets[torch.float32](points.float()), nets[F64](points)
    assert out32.dtype == torch.float32 and out64.dtype == F64
    assert all(b.dtype == torch.float32 for b in nets[torch.float32].buffers() if b.is_floating_point())
    torch.testing.assert_close(out32.double(), out64, rtol=0, atol=1e-5)
    assert (out64 - out32.double()).abs().max() > 0  # really computed in different precisions
    with pytest.raises(ValueError, match="dtype must be torch.float32 or torch.float64, got torch.float16"):
        build_network(problem, dtype=torch.float16)


def test_describe_and_errors():
    problem = pinnkit.get_problem("heat1d")
    net = build_network(problem, width=8, depth=2, trainable_periodic=5, generator=gen())
    text = net.describe()
    count = sum(p.numel() for p in net.parameters())
    assert f"{count:,} parameters" in text and "5 trainable" in text and net.coords == ("x", "t")
    assert net.in_features == 2 and net.out_features == 1
    with pytest.raises(ValueError, match=r"points must have 2 columns \(x, t\), got shape \(4, 3\)"):
        net(torch.zeros(4, 3))
    with pytest.raises(ValueError, match="Fourier feature sigma must be finite and > 0, got -1.0"):
        build_network(problem, fourier_features=4, fourier_sigma=-1.0)
    with pytest.raises(ValueError, match="periodic_harmonics must be an integer >= 1, got 0"):
        build_network(pinnkit.get_problem("burgers1d"), periodic_harmonics=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_device_is_honoured():
    problem = pinnkit.get_problem("heat1d")
    cpu = build_network(problem, width=16, depth=2, fourier_features=4, trainable_periodic=3, generator=gen(), dtype=F64)
    gpu = build_network(problem, width=16, depth=2, fourier_features=4, trainable_periodic=3, generator=gen(), dtype=F64,
                        device="cuda")
    assert all(t.device.type == "cuda" for t in [*gpu.parameters(), *gpu.buffers()])
    points = problem.domain.sample_interior(8, generator=gen(1), dtype=F64)
    out = gpu(points.cuda())
    assert out.device.type == "cuda"
    torch.testing.assert_close(out.cpu(), cpu(points), rtol=0, atol=1e-12)
    lo, hi = ends(problem)
    torch.testing.assert_close(gpu(lo.cuda()), gpu(hi.cuda()), rtol=0, atol=1e-12)
    moved = cpu.to("cuda")
    torch.testing.assert_close(moved(points.cuda()).cpu(), out.cpu(), rtol=0, atol=1e-12)
