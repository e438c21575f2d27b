"""The shared residual kernels against hand derivatives, identities and autograd."""
import pytest
import torch

from pinnkit import autodiff
from pinnkit.autodiff.jacobian import flat_parameters

COORDS = ("x", "y", "t")


def analytic(p: torch.Tensor) -> torch.Tensor:
    """u = x^3 y^2 + sin(x) cos(t);  v = exp(x y) + t^4."""
    x, y, t = p.unbind(-1)
    return torch.stack([x**3 * y**2 + torch.sin(x) * torch.cos(t), torch.exp(x * y) + t**4], dim=-1)


def hand(p: torch.Tensor) -> dict:
    x, y, t = p.unbind(-1)
    e = torch.exp(x * y)
    return {
        "u": x**3 * y**2 + torch.sin(x) * torch.cos(t),
        "u_x": 3 * x**2 * y**2 + torch.cos(x) * torch.cos(t),
        "u_t": -torch.sin(x) * torch.sin(t),
        "u_xx": 6 * x * y**2 - torch.sin(x) * torch.cos(t),
        "u_xy": 6 * x**2 * y,
        "u_yx": 6 * x**2 * y,
        "u_xt": -torch.cos(x) * torch.sin(t),
        "u_xxx": 6 * y**2 - torch.cos(x) * torch.cos(t),
        "u_xxyy": 12 * x + 0 * y,
        "v_y": x * e,
        "v_xy": (1 + x * y) * e,
        "v_tt": 12 * t**2,
        "v_tttt": 24 + 0 * t,
        "y": y,
    }


@pytest.fixture
def points():
    g = torch.Generator().manual_seed(0)
    return torch.rand(64, 3, generator=g, dtype=torch.float64) * 2 - 1


def test_mixed_partials_match_hand_derivatives(points):
    expected = hand(points)
    jet = autodiff.derivatives(analytic, points, COORDS, ("u", "v"), expected.keys())
    for key, value in expected.items():
        assert torch.allclose(jet[key], value, rtol=0, atol=1e-12), key


def test_laplacian_is_trace_of_hessian(points):
    net = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2)).double()
    lap = autodiff.laplacian(net, points, COORDS, ("u", "v"), "v")
    hess = autodiff.hessian(net, points, COORDS, ("u", "v"), "v")
    assert torch.allclose(lap, hess.diagonal(dim1=-2, dim2=-1).sum(-1), atol=1e-13)
    assert torch.allclose(hess, hess.transpose(-1, -2), atol=1e-13)
    # the Hessian against nested autograd
    x = points.clone().requires_grad_(True)
    v = net(x)[:, 1]
    g = torch.autograd.grad(v.sum(), x, create_graph=True)[0]
    rows = [torch.autograd.grad(g[:, i].sum(), x, retain_graph=True)[0] for i in range(3)]
    assert torch.allclose(hess, torch.stack(rows, dim=1), atol=1e-13)


def test_gradient_and_divergence(points):
    grad = autodiff.gradient(analytic, points, COORDS, ("u", "v"), "u", along=("x", "t"))
    h = hand(points)
    assert torch.allclose(grad, torch.stack([h["u_x"], h["u_t"]], -1), atol=1e-13)
    div = autodiff.divergence(analytic, points, COORDS, ("u", "v"), {"x": "u", "y": "v"})
    assert torch.allclose(div, h["u_x"] + h["v_y"], atol=1e-13)


def test_scalar_output_and_single_coordinate():
    x = torch.linspace(0, 1, 11, dtype=torch.float64)[:, None]
    jet = autodiff.derivatives(lambda p: torch.exp(2 * p[:, 0]), x, ("x",), ("u",), ["u_xx", "u"])
    assert torch.allclose(jet["u_xx"], 4 * jet["u"], atol=1e-12)


def test_parameter_jacobian_matches_autograd(points):
    torch.manual_seed(1)
    net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2)).double()
    keys = ("u", "u_t", "u_xx", "v_y")

    def residual(d):
        return torch.stack([d["u_t"] - 0.1 * d["u_xx"] + d["u"] ** 2, d["v_y"]], dim=-1)

    jac = autodiff.parameter_jacobian(net, points, COORDS, ("u", "v"), keys, residual, chunk_size=16)
    names, theta = flat_parameters(net)
    assert jac.shape == (64, 2, theta.numel())
    for n in (0, 37):
        x = points[n : n + 1].clone().requires_grad_(True)
        out = net(x)
        gu = torch.autograd.grad(out[:, 0].sum(), x, create_graph=True)[0]
        gv = torch.autograd.grad(out[:, 1].sum(), x, create_graph=True)[0]
        uxx = torch.autograd.grad(gu[:, 0].sum(), x, create_graph=True)[0][:, 0]
        r = [gu[:, 2] - 0.1 * uxx + out[:, 0] ** 2, gv[:, 1]]
        for k in range(2):
            grads = torch.autograd.grad(r[k].sum(), list(net.parameters()), retain_graph=True, allow_unused=True)
            flat = torch.cat([(g if g is not None else torch.zeros_like(p)).reshape(-1)
                              for g, p in zip(grads, net.parameters())])
            assert torch.allclose(jac[n, k], flat, atol=1e-12)


def test_output_jacobian_linear_model():
    lin = torch.nn.Linear(2, 1).double()
    pts = torch.tensor([[0.5, -2.0], [3.0, 1.0]], dtype=torch.float64)
    jac = autodiff.parameter_jacobian(lin, pts, ("x", "y"), ("u",))
    # d(w . x + b)/d(w, b) = (x, 1)
    assert torch.equal(jac[:, 0], torch.tensor([[0.5, -2.0, 1.0], [3.0, 1.0, 1.0]], dtype=torch.float64))


@pytest.mark.parametrize("key, message", [
    ("w_x", "unknown field 'w'"), ("u_q", "unknown coordinate"), ("u_", "no coordinates"),
])
def test_bad_keys(key, message, points):
    with pytest.raises(ValueError, match=message):
        autodiff.derivatives(analytic, points, COORDS, ("u", "v"), [key])


def test_missing_key_and_bad_points(points):
    jet = autodiff.derivatives(analytic, points, COORDS, ("u", "v"), ["u"])
    with pytest.raises(KeyError, match="'u_x' was not computed"):
        jet["u_x"]
    with pytest.raises(ValueError, match=r"shape \(N, 3\)"):
        autodiff.derivatives(analytic, points[:, :2], COORDS, ("u", "v"), ["u"])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.cuda
def test_kernels_on_cuda(points):
    pts = points.cuda()
    expected = hand(pts)
    jet = autodiff.derivatives(analytic, pts, COORDS, ("u", "v"), expected.keys())
    for key, value in expected.items():
        assert jet[key].device.type == "cuda"
        assert torch.allclose(jet[key], value, atol=1e-12), key


@pytest.mark.parametrize("fields", [("u",), ("u", "v")])
def test_autograd_and_func_paths_agree_to_1e12(fields, points):
    torch.manual_seed(3)
    net = torch.nn.Sequential(torch.nn.Linear(3, 20), torch.nn.Tanh(), torch.nn.Linear(20, 20), torch.nn.Tanh(),
                              torch.nn.Linear(20, len(fields))).double()
    keys = [f"{f}{s}" for f in fields for s in ("", "_x", "_t", "_xx", "_xy", "_yy", "_xt", "_xxx")] + ["y"]
    a = autodiff.derivatives(net, points, COORDS, fields, keys, method="autograd")
    b = autodiff.derivatives(net, points, COORDS, fields, keys, method="func")
    for key in keys:
        assert torch.allclose(a[key], b[key], rtol=0, atol=1e-12), key
    # and their parameter gradients agree too
    grads = []
    for jet in (a, b):
        loss = sum((jet[k] ** 2).mean() for k in keys)
        grads.append(torch.autograd.grad(loss, list(net.parameters())))
    for ga, gb in zip(*grads):
        assert torch.allclose(ga, gb, rtol=1e-12, atol=1e-12)


def test_unknown_method(points):
    with pytest.raises(ValueError, match="unknown derivative method 'fast'"):
        autodiff.derivatives(analytic, points, COORDS, ("u", "v"), ["u"], method="fast")
