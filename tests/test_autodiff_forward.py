"""The one-pass forward-jet kernels against nested autograd and torch.func (the oracles)."""
import itertools
import warnings

import pytest
import torch

from pinnkit import autodiff, get_problem, solve
from pinnkit.autodiff.compiled import maybe_compile
from pinnkit.autodiff.jacobian import flat_parameters
from pinnkit.nn import ACTIVATIONS, build_network, impose_initial

ARCHITECTURES = [
    ("allen_cahn2d", dict(activation="tanh", periodic_harmonics=2)),
    ("allen_cahn2d", dict(activation="sin", trainable_periodic=4)),
    ("kovasznay", dict(activation="gelu", fourier_features=6)),
    ("lid_driven_cavity", dict(activation="softplus")),
    ("burgers1d", dict(activation="silu", fourier_features=4, periodic_harmonics=3)),
]


def every_key(problem) -> list[str]:
    coords, fields = problem.coords, problem.fields
    pairs = itertools.combinations_with_replacement(coords, 2)
    return [*fields, *coords, *(f"{f}_{c}" for f in fields for c in coords),
            *(f"{f}_{a}{b}" for f in fields for a, b in pairs)]


def network_and_points(name, n=40, **kw):
    problem = get_problem(name)
    g = torch.Generator().manual_seed(3)
    net = build_network(problem, width=12, depth=3, generator=g, dtype=torch.float64, **kw)
    for p in net.parameters():  # move off the symmetric initialisation (zero biases, unit amplitudes)
        p.data += 0.3 * torch.randn(p.shape, generator=g, dtype=torch.float64)
    return problem, net, problem.domain.sample_interior(n, generator=g, dtype=torch.float64)


@pytest.mark.parametrize("name, kw", ARCHITECTURES)
def test_forward_derivatives_match_nested_and_func(name, kw):
    problem, net, pts = network_and_points(name, **kw)
    keys = every_key(problem)
    fast = autodiff.derivatives(net, pts, problem.coords, problem.fields, keys, method="forward")
    for method in ("autograd", "func"):
        ref = autodiff.derivatives(net, pts, problem.coords, problem.fields, keys, method=method)
        for k in keys:
            scale = 1 + ref[k].abs().max()
            assert (fast[k] - ref[k]).abs().max() <= 1e-12 * scale, (k, method)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_every_activation_second_derivatives(activation):
    problem, net, pts = network_and_points("heat1d", activation=activation)
    keys = ["u", "u_x", "u_t", "u_xx", "u_tx", "u_tt"]
    fast = autodiff.derivatives(net, pts, problem.coords, problem.fields, keys, method="forward")
    ref = autodiff.derivatives(net, pts, problem.coords, problem.fields, keys, method="autograd")
    assert max(float((fast[k] - ref[k]).abs().max()) for k in keys) < 1e-12


def test_hard_constraint_network_uses_product_rule():
    problem, net, pts = network_and_points("burgers1d")
    model = impose_initial(problem, net)
    keys = ["u", "u_t", "u_x", "u_xx", "u_tx", "u_tt"]
    fast = autodiff.derivatives(model, pts, problem.coords, problem.fields, keys, method="forward")
    ref = autodiff.derivatives(model, pts, problem.coords, problem.fields, keys, method="func")
    assert max(float((fast[k] - ref[k]).abs().max()) for k in keys) < 1e-12
    t0 = pts.clone()
    t0[:, 1] = problem.domain.lows[1]
    u0 = autodiff.derivatives(model, t0, problem.coords, problem.fields, ["u"], method="forward")["u"]
    assert torch.allclose(u0, problem.initial_condition.value(t0[:, :1]).reshape(-1), atol=1e-14)


def test_loss_gradients_match_between_paths():
    problem, net, pts = network_and_points("burgers1d", n=64)
    grads = []
    for method in ("forward", "autograd"):
        net.zero_grad()
        problem.residual(net, pts, method).pow(2).mean().backward()
        grads.append(torch.cat([p.grad.reshape(-1) for p in net.parameters()]))
    assert (grads[0] - grads[1]).abs().max() < 1e-12 * (1 + grads[1].abs().max())


@pytest.mark.parametrize("name, kw", ARCHITECTURES)
def test_forward_parameter_jacobian_matches_vmap_jacrev(name, kw):
    problem, net, pts = network_and_points(name, n=24, **kw)

    def residual(jet):
        return problem.pde.residual(jet)

    args = (net, pts, problem.coords, problem.fields, problem.pde.requires, residual)
    fast = autodiff.parameter_jacobian(*args, method="forward", chunk_size=7)
    ref = autodiff.parameter_jacobian(*args, method="func")
    assert fast.shape == ref.shape == (24, len(problem.pde.equations), flat_parameters(net)[1].numel())
    assert (fast - ref).abs().max() <= 1e-12 * (1 + ref.abs().max())
    outputs = autodiff.parameter_jacobian(net, pts, problem.coords, problem.fields, method="forward",
                                          budget_bytes=1)  # one point per chunk
    assert (outputs - autodiff.parameter_jacobian(net, pts, problem.coords, problem.fields, method="func")
            ).abs().max() < 1e-13


@pytest.mark.parametrize("name, initial", [("kovasznay", False), ("burgers1d", True)])
def test_forward_jacobian_large_output_paths(monkeypatch, name, initial):
    """The CPU path for large Jacobians (products through a scratch in several sub-blocks, chunks with
    a shorter last one), forced at small sizes; also in float32."""
    from pinnkit.autodiff import fast_jacobian

    monkeypatch.setattr(fast_jacobian, "_SCRATCH_BYTES", 5 * 12 * 12 * 8)  # 5 points per 12 x 12 product
    problem, net, pts = network_and_points(name, n=23)
    model = impose_initial(problem, net) if initial else net

    def residual(jet):
        return problem.pde.residual(jet)

    args = (problem.coords, problem.fields, problem.pde.requires, residual)
    ref = autodiff.parameter_jacobian(model, pts, *args, method="func")
    for chunk in (None, 9):
        fast = autodiff.parameter_jacobian(model, pts, *args, method="forward", chunk_size=chunk)
        assert fast.is_contiguous() and fast.shape == ref.shape
        assert (fast - ref).abs().max() <= 1e-12 * (1 + ref.abs().max())
    model32 = model.float()
    fast32 = autodiff.parameter_jacobian(model32, pts.float(), *args, method="forward", chunk_size=9)
    assert fast32.dtype == torch.float32
    assert (fast32.double() - ref).abs().max() <= 1e-4 * (1 + ref.abs().max())


def test_jacobian_columns_subset_matches_full():
    problem, net, pts = network_and_points("allen_cahn2d", n=30, trainable_periodic=4)
    total = flat_parameters(net)[1].numel()
    cols = torch.randperm(total, generator=torch.Generator().manual_seed(0))[:57]

    def residual(jet):
        return problem.pde.residual(jet)

    args = (net, pts, problem.coords, problem.fields, problem.pde.requires, residual)
    full = autodiff.parameter_jacobian(*args, method="func")
    part = autodiff.parameter_jacobian(*args, method="forward", columns=cols, chunk_size=11)
    assert (part - full[..., cols]).abs().max() <= 1e-12 * (1 + full.abs().max())
    outputs = autodiff.parameter_jacobian(net, pts, problem.coords, problem.fields, columns=cols)
    assert torch.equal(outputs, autodiff.parameter_jacobian(net, pts, problem.coords, problem.fields)[..., cols])


def test_output_jacobian_is_exact_for_the_last_layer():
    """d u / d b_last = 1 and d u / d W_last = last hidden activations, exactly."""
    problem, net, pts = network_and_points("heat1d", n=10)
    jac = autodiff.parameter_jacobian(net, pts, problem.coords, problem.fields)[:, 0]
    hidden = net.mlp.act(net.mlp.layers[-2](net.mlp.act(net.mlp.layers[-3](net.mlp.act(
        net.mlp.layers[0](net.encoding(pts)))))))
    assert torch.equal(jac[:, -1], torch.ones(10, dtype=torch.float64))
    assert (jac[:, -13:-1] - hidden).abs().max() < 1e-14


def test_auto_falls_back_and_forward_refuses_with_reason():
    x = torch.linspace(0.1, 1, 5, dtype=torch.float64)[:, None]
    jet = autodiff.derivatives(lambda p: p**4, x, ("x",), ("u",), ["u_xxx"])  # plain callable, 3rd order
    assert torch.allclose(jet["u_xxx"], 24 * x[:, 0])
    with pytest.raises(ValueError, match="forward derivative path cannot handle function"):
        autodiff.derivatives(lambda p: p**4, x, ("x",), ("u",), ["u_x"], method="forward")
    problem, net, pts = network_and_points("heat1d", n=5)
    with pytest.raises(ValueError, match="derivatives of order 3"):
        autodiff.derivatives(net, pts, problem.coords, problem.fields, ["u_xxx"], method="forward")
    with pytest.raises(ValueError, match="unknown Jacobian method 'fast'"):
        autodiff.parameter_jacobian(net, pts, problem.coords, problem.fields, method="fast")


def test_maybe_compile_falls_back_with_a_warning():
    def third(x):  # nested autograd: AOTAutograd cannot compile double backward
        return autodiff.derivatives(lambda p: p**3, x, ("x",), ("u",), ["u_xx"], method="autograd")["u_xx"]

    fn = maybe_compile(third)
    x = torch.tensor([[1.0], [2.0]], dtype=torch.float64)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = fn(x)
    assert torch.equal(first, 6 * x[:, 0])
    assert any("continuing without compilation" in str(w.message) for w in caught)
    assert torch.equal(fn(x), 6 * x[:, 0])
    assert maybe_compile(third, enabled=False) is third


def test_pinn_training_is_the_same_on_both_paths():
    cfg = dict(width=20, depth=2, n_residual=512, adam_steps=300, lr=5e-3, lbfgs_steps=60)
    errors = [solve("heat1d", config={**cfg, "derivatives": d}, dtype="float64", seed=0, progress=False
                    ).errors["rel_l2"] for d in ("forward", "autograd")]
    assert errors[0] < 5e-2
    assert abs(errors[0] - errors[1]) < 1e-6 * errors[1]


@pytest.mark.slow
def test_compiled_pinn_loss_matches_eager():
    problem, net, pts = network_and_points("burgers1d", n=256)

    def loss(p):
        return problem.residual(net, p, "forward").pow(2).mean()

    compiled = maybe_compile(loss)
    assert abs(float(compiled(pts)) - float(loss(pts))) < 1e-12 * float(loss(pts))


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_forward_kernels_on_cuda_match_cpu():
    problem, net, pts = network_and_points("allen_cahn2d", n=64, trainable_periodic=3)
    keys = every_key(problem)
    cpu = autodiff.derivatives(net, pts, problem.coords, problem.fields, keys, method="forward")
    jac_cpu = autodiff.parameter_jacobian(net, pts, problem.coords, problem.fields, method="forward")
    net, pts = net.to("cuda"), pts.to("cuda")
    gpu = autodiff.derivatives(net, pts, problem.coords, problem.fields, keys, method="forward")
    ref = autodiff.derivatives(net, pts, problem.coords, problem.fields, keys, method="autograd")
    for k in keys:
        assert (gpu[k].cpu() - cpu[k]).abs().max() < 1e-12 * (1 + cpu[k].abs().max())
        assert (gpu[k] - ref[k]).abs().max() < 1e-12 * (1 + ref[k].abs().max())
    jac = autodiff.parameter_jacobian(net, pts, problem.coords, problem.fields, method="forward")
    assert (jac.cpu() - jac_cpu).abs().max() < 1e-12


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_compiled_pinn_on_cuda_trains():
    cfg = dict(width=20, depth=2, n_residual=512, adam_steps=200, lr=5e-3, lbfgs_steps=100, compile=True)
    result = solve("heat1d", config=cfg, device="cuda", dtype="float32", seed=0, progress=False)
    assert result.errors["rel_l2"] < 1e-2  # 2.2e-4 on the CPU without compilation


@pytest.mark.parametrize("pairs", [((0, 0),), ((0, 0), (1, 1)), ((0, 1), (1, 1)), ((0, 0), (0, 1), (1, 1)), ()])
def test_fused_tanh_jet_gradcheck(pairs):
    from pinnkit.autodiff.fused import TanhJet

    g = torch.Generator().manual_seed(0)
    d, q, n, w = 2, len(pairs), 5, 3

    def rand(*shape):
        return torch.randn(*shape, generator=g, dtype=torch.float64, requires_grad=True)

    bias = rand(w)
    stacked = rand(1 + d + q, n, w)
    assert torch.autograd.gradcheck(lambda z, b: TanhJet.apply(z, None, None, b, d, pairs), (stacked, bias))
    z, dz, qz = rand(n, w), rand(d, n, w), rand(q, n, w)
    assert torch.autograd.gradcheck(lambda *a: TanhJet.apply(*a, None, d, pairs), (z, dz, qz))
    broadcast = rand(d, 1, w)  # first layer: constant first derivatives, no second ones
    assert torch.autograd.gradcheck(lambda z, dz, b: TanhJet.apply(z, dz, None, b, d, pairs), (z, broadcast, bias))


@pytest.mark.parametrize("pairs", [((0, 0),), ((0, 0), (1, 1)), ((0, 1), (1, 1)), ((0, 0), (0, 1), (1, 1)), ()])
@pytest.mark.parametrize("constant_first, with_second", [(True, False), (False, False), (False, True), (True, True)])
def test_fused_tanh_mlp_jet_gradcheck(pairs, constant_first, with_second):
    """The whole-MLP CPU function: every input and parameter, several chunks (the last one shorter),
    constant or per-point first derivatives, with or without input second derivatives, biases or not."""
    from pinnkit.autodiff.fused import TanhMLPJet

    g = torch.Generator().manual_seed(0)
    d, q, n, din = 2, len(pairs), 7, 3

    def rand(*shape):
        return torch.randn(*shape, generator=g, dtype=torch.float64, requires_grad=True)

    x = rand(n, din)
    first = rand(d, 1 if constant_first else n, din)
    second = rand(q, n, din) if with_second and q else None
    params = (rand(4, din), rand(4), rand(5, 4), None, rand(2, 5))  # two outputs, no output bias
    inputs = (x, first, second, *params)

    def fn(x, first, second, *params):
        return TanhMLPJet.apply(x, first, second, d, pairs, 3, *params)

    assert torch.autograd.gradcheck(fn, inputs)
    one = (rand(4, din), rand(4), rand(1, 4))  # one output: folded into the last tanh's backward
    assert torch.autograd.gradcheck(lambda x, first, *p: TanhMLPJet.apply(x, first, None, d, pairs, 2, *p),
                                    (x, first, *one))


def test_fused_input_linear_gradcheck():
    from pinnkit.autodiff.fused import InputLinear

    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 6, 3, generator=g, dtype=torch.float64, requires_grad=True)
    w = torch.randn(4, 3, generator=g, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(InputLinear.apply, (x, w))


def _forward_derivatives_and_loss_gradient(problem, net, pts, keys):
    """The forward path's derivatives at ``keys`` and the gradient of the mean squared residual."""
    jet = autodiff.derivatives(net, pts, problem.coords, problem.fields, keys, method="forward")
    net.zero_grad()
    problem.residual(net, pts, "forward").pow(2).mean().backward()
    grads = torch.cat([p.grad.reshape(-1) for p in net.parameters() if p.grad is not None])
    return [jet[k].detach() for k in keys], grads


@pytest.mark.parametrize("name, kw", [("heat1d", {}), ("allen_cahn2d", dict(periodic_harmonics=2)),
                                      ("burgers1d", dict(fourier_features=4))])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("chunk_bytes", [None, 4096])
def test_fused_tanh_path_matches_generic_rules(monkeypatch, name, kw, dtype, chunk_bytes):
    """Values, input derivatives and loss gradients: the fused tanh MLP (in one piece, or in chunks of
    points) against the generic jet rules."""
    from pinnkit.autodiff import fused

    problem, net, pts = network_and_points(name, n=50, **kw)
    net, pts = net.to(dtype), pts.to(dtype)
    keys = [k for k in every_key(problem) if k not in problem.coords]
    if chunk_bytes:
        monkeypatch.setattr(fused, "CHUNK_BYTES", chunk_bytes)
    calls = []
    chunks = []
    real_mlp_jet, real_chunk = fused.mlp_jet, fused.chunk_points
    monkeypatch.setattr(fused, "mlp_jet", lambda *a: calls.append(1) or real_mlp_jet(*a))
    monkeypatch.setattr(fused, "chunk_points", lambda *a: chunks.append(real_chunk(*a)) or chunks[-1])
    results = []
    for enabled in (True, False):
        if not enabled:
            assert calls and len(chunks) == len(calls)
            assert all(c < len(pts) for c in chunks) if chunk_bytes else all(c == len(pts) for c in chunks)
            monkeypatch.setattr(fused, "usable", lambda *a: False)
        results.append(_forward_derivatives_and_loss_gradient(problem, net, pts, keys))
    tol = 1e-12 if dtype == torch.float64 else 1e-4
    for a, b in zip(results[0][0], results[1][0]):
        assert (a - b).abs().max() <= tol * (1 + b.abs().max())
    assert (results[0][1] - results[1][1]).abs().max() <= tol * (1 + results[1][1].abs().max())


@pytest.mark.parametrize("name, kw", [("heat1d", {}), ("allen_cahn2d", dict(periodic_harmonics=2))])
def test_layered_fused_path_matches_generic_rules(monkeypatch, name, kw):
    """The layer-by-layer fused path (what non-CPU devices run) against the generic jet rules on
    the CPU: input derivatives and loss gradients to 1e-12 in float64."""
    from pinnkit.autodiff import fused

    problem, net, pts = network_and_points(name, n=40, **kw)
    keys = [k for k in every_key(problem) if k not in problem.coords]
    layered = []
    monkeypatch.setattr(fused, "mlp_jet", lambda *a: layered.append(1) or fused._mlp_jet(*a))
    results = []
    for enabled in (True, False):
        if not enabled:
            assert layered
            monkeypatch.setattr(fused, "usable", lambda *a: False)
        results.append(_forward_derivatives_and_loss_gradient(problem, net, pts, keys))
    for a, b in zip(results[0][0], results[1][0]):
        assert (a - b).abs().max() <= 1e-12 * (1 + b.abs().max())
    assert (results[0][1] - results[1][1]).abs().max() <= 1e-12 * (1 + results[1][1].abs().max())
