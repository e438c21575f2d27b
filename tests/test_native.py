"""The C elementwise loops of the fused tanh MLP (pinnkit.autodiff.native): agreement with the torch
passes, the build cache, and the fallback when no compiler works."""
import os

import pytest
import torch

from pinnkit.autodiff import native
from pinnkit.autodiff.fused import TanhMLPJet


def _loops_or_skip(dtype=torch.float64):
    loops = native.jet_kernels(dtype)
    if loops is None:
        pytest.skip("pinnkit's C jet loops are unavailable here (no working C compiler)")
    return loops


def _mlp_jet_and_grads(pairs, constant_first, outputs, dtype, seed=0):
    """Outputs of TanhMLPJet and the gradients of a random functional of them, every input."""
    g = torch.Generator().manual_seed(seed)
    d, n, din = 2, 300, 3

    def rand(*shape):
        return torch.randn(*shape, generator=g, dtype=dtype).requires_grad_()

    x, first = rand(n, din), rand(d, 1 if constant_first else n, din)
    second = None if constant_first or not pairs else rand(len(pairs), n, din)
    params = [rand(16, din), rand(16), rand(24, 16), rand(24), rand(outputs, 24)]
    y = TanhMLPJet.apply(x, first, second, d, pairs, 64, *params)  # 5 chunks, the last one short
    weights = torch.randn(y.shape, generator=g, dtype=dtype)
    inputs = [t for t in (x, first, second, *params) if t is not None]
    return [y.detach(), *torch.autograd.grad((y * weights).sum(), inputs)]


@pytest.mark.parametrize("pairs", [((0, 0),), ((0, 1), (1, 1)), ((0, 0), (0, 1), (1, 1)), ()])
@pytest.mark.parametrize("constant_first", [True, False])
@pytest.mark.parametrize("outputs", [1, 2])
@pytest.mark.parametrize("dtype, tol", [(torch.float64, 1e-13), (torch.float32, 2e-5)])
def test_c_loops_agree_with_the_torch_passes(monkeypatch, pairs, constant_first, outputs, dtype, tol):
    """Jet and every gradient, C loops against torch passes: largest difference relative to the
    largest entry (1e-13 in float64; float32 to its rounding)."""
    _loops_or_skip(dtype)
    with_c = _mlp_jet_and_grads(pairs, constant_first, outputs, dtype)
    monkeypatch.setenv("PINNKIT_NATIVE", "0")
    assert native.jet_kernels(dtype) is None
    with_torch = _mlp_jet_and_grads(pairs, constant_first, outputs, dtype)
    for a, b in zip(with_c, with_torch):
        assert (a - b).abs().max() <= tol * b.abs().max()


def test_c_loops_used_up_to_max_threads(monkeypatch):
    _loops_or_skip()
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(native.MAX_THREADS)
        assert native.jet_kernels(torch.float64) is not None
        torch.set_num_threads(native.MAX_THREADS + 1)
        assert native.jet_kernels(torch.float64) is None
    finally:
        torch.set_num_threads(threads)
    assert native.jet_kernels(torch.float16) is None


def test_native_setting_is_validated(monkeypatch):
    monkeypatch.setenv("PINNKIT_NATIVE", "maybe")
    with pytest.raises(ValueError, match="PINNKIT_NATIVE='maybe' is not one of 0, 1"):
        native.jet_kernels(torch.float64)


def test_build_is_cached_per_source_and_machine(tmp_path):
    if native.shutil.which(os.environ.get("CC") or "cc") is None:
        pytest.skip("no C compiler")
    lib = native.build(folder=tmp_path)
    stamp = lib.stat().st_mtime_ns
    assert native.build(folder=tmp_path) == lib and lib.stat().st_mtime_ns == stamp  # not rebuilt
    assert [p.name for p in tmp_path.iterdir()] == [lib.name]  # no temporary file left behind


@pytest.mark.parametrize("compiler, message", [("/nonexistent/cc", "no C compiler '/nonexistent/cc' on PATH"),
                                               ("false", "false failed")])
def test_unbuildable_loops_fall_back_to_torch_with_a_warning(monkeypatch, tmp_path, compiler, message):
    """No compiler, or one that fails: a warning naming why, then the torch passes (same results)."""
    expected = _mlp_jet_and_grads(((0, 0),), True, 1, torch.float64)
    monkeypatch.setattr(native, "_state", {})
    monkeypatch.setenv("CC", compiler)
    monkeypatch.setenv("PINNKIT_CACHE", str(tmp_path))
    with pytest.warns(RuntimeWarning, match=f"C jet loops are unavailable \\({message}") as record:
        assert native.jet_kernels(torch.float64) is None
        got = _mlp_jet_and_grads(((0, 0),), True, 1, torch.float64)
    assert len([w for w in record if "C jet loops" in str(w.message)]) == 1  # warned once, not per call
    for a, b in zip(got, expected):
        assert (a - b).abs().max() <= 1e-13 * b.abs().max()
    assert not list(tmp_path.rglob("*.so"))
