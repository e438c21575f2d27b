"""A fused tanh-MLP step for the forward jet (eager mode): fewer kernels, one matmul per layer.

:mod:`.taylor` writes the jet rules as separate tensor operations; autograd then records each
product and replays it in the backward pass, with slice gradients that materialise zeros. On a
CPU this is memory bound (the jet of a 64-wide layer at N = 4096 is several MB per row, more
than the caches hold), so the cost is set by the number of passes over memory. Here

* the jet of a hidden layer is one stacked tensor ``(K, N, w)`` (rows: value, the D first
  derivatives, the Q second derivatives, as in :class:`~.taylor.JetLayout`), so a linear layer
  is one matmul over ``K N`` rows and its gradient two, with no concatenation;
* on the CPU the whole MLP is one autograd :class:`TanhMLPJet` (forward and backward through all
  layers written by hand, one graph node): points go through in chunks of :data:`CHUNK_BYTES`,
  each chunk through every layer while it is in cache; the backward walks the chunks in reverse
  (the last ones written are still in the L3 cache), accumulates the weight gradients with
  ``addmm_`` and reuses the same scratch jets for all chunks and layers. It saves per layer and
  chunk only the output jet and the pre-activation's derivative rows, in one block (the
  pre-activation's value row, dead once the tanh is taken, shares memory with the output's last
  row). ``tanh`` is taken as ``2 sigmoid(2 x) - 1`` (torch's CPU ``tanh`` measured 4-6x slower
  than its ``sigmoid``; the results differ by about one ulp of 1). Directions constant over the
  points (a plain normalised input, see :func:`.forward.network_jet`) come in as ``(D, 1, d)``:
  the first layer's derivative rows are then ``(D, 1, w)``, with no matmul; a narrow input layer
  is a few multiply-adds instead of a matmul of that slow shape; an output width of 1 is folded
  into the last tanh's backward (no outer product formed). The elementwise passes of each layer
  are the torch kernels below (hand-written C loops for them were measured end to end and removed:
  no faster per PINN step than these passes or ``torch.compile``, ``docs/native_loops.md``). On
  other devices the layers go through :class:`TanhJet` (``y = tanh(z + b)`` with its derivative rows as one autograd node
  with a hand-written backward) and ordinary matmuls.

With ``s = tanh(z)``, ``d1 = 1 - s^2`` (so ``f'' = -2 s d1``, ``f''' = -2 d1 (1 - 3 s^2)``):

    forward:   ds_i = d1 dz_i,    qs_q = d1 (qz_q - 2 s dz_a dz_b)     for pair q = (a, b)
    backward:  gqz_q = d1 gqs_q,  gdz_i = d1 gds_i - 2 s sum_{q = (i, b)} gqz_q dz_b (and (a, i)),
               gz = d1 gs - 2 s (sum_i gdz_i dz_i + sum_q gqz_q qz_q) - 2 (1 - 3 s^2) sum_q gqz_q dz_a dz_b

(``gdz`` in the last line before its pair terms). First-order backward only: the PINN loss and
the Gauss-Newton Jacobians need no more; a second backward through it raises. Under
``torch.compile`` :func:`mlp_jet` is not used (the compiler fuses the generic rules better, see
:func:`usable`).
"""
from __future__ import annotations

import torch
from torch import nn

from pinnkit.autodiff.taylor import JetLayout, TaylorJet, diagonal_run, pair_products

CHUNK_BYTES = 1 << 20  # CPU only: the stacked jet of a chunk; 1 MB measured best of 64 kB-2 MB
Pairs = tuple[tuple[int, int], ...]


class TanhJet(torch.autograd.Function):
    """Jet of ``tanh(z + b)``; returns the stacked ``(1 + D + Q, N, w)`` output jet.

    Inputs either stacked (``z`` of shape ``(1 + D + Q, N, w)``, ``dz = qz = None``) or in parts
    (``z`` the value ``(N, w)``, ``dz`` ``(D, N, w)`` or ``(D, 1, w)``, ``qz`` ``(Q, N, w)`` or
    ``None`` when identically zero). ``bias``: ``(w,)`` or ``None``; ``pairs``: positions into
    the D directions, as in :class:`~.taylor.JetLayout`.
    """

    @staticmethod
    def forward(ctx, z, dz, qz, bias, d: int, pairs: Pairs):
        stacked = dz is None
        if stacked:
            v, dz, qz = z[0], z[1 : 1 + d], (z[1 + d :] if pairs else None)
        else:
            v = z
        n, w = v.shape
        out = v.new_empty(1 + d + len(pairs), n, w)
        s = out[0]
        if bias is None:
            torch.tanh(v, out=s)
        else:
            torch.add(v, bias, out=s)
            s.tanh_()
        d1 = torch.addcmul(s.new_ones(()), s, s, value=-1)  # 1 - s^2
        torch.mul(dz, d1, out=out[1 : 1 + d])
        if pairs:
            qs = out[1 + d :]
            pp = pair_products(dz, dz, pairs, qs if dz.shape[1] == n else None)
            if qz is None:  # first layer: qs = -2 s d1 dz_a dz_b
                torch.mul(pp, torch.mul(s, d1).mul_(-2), out=qs)
            else:
                torch.addcmul(qz, pp, s, value=-2, out=qs)  # pp is qs or broadcasts into it
                qs.mul_(d1)
        ctx.d, ctx.pairs, ctx.stacked = d, pairs, stacked
        ctx.bias_shape = None if bias is None else bias.shape
        if stacked:
            ctx.save_for_backward(out, z, None)
        else:
            ctx.save_for_backward(out, dz, qz)
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, gout):
        out, a, b = ctx.saved_tensors
        d, pairs = ctx.d, ctx.pairs
        q = len(pairs)
        if ctx.stacked:
            dz, qz = a[1 : 1 + d], (a[1 + d :] if q else None)
            grad = torch.empty_like(a)
            gz, gdz, gqz = grad[0], grad[1 : 1 + d], grad[1 + d :]
        else:
            dz, qz = a, b
            grad = None
            gz = torch.empty_like(out[0])
            gdz = torch.empty_like(out[1 : 1 + d])
            gqz = torch.empty_like(out[1 + d :]) if q else None
        s = out[0]
        gs, gds, gqs = gout[0], gout[1 : 1 + d], gout[1 + d :]
        s2 = s * s
        d1 = torch.rsub(s2, 1)
        torch.mul(gds, d1, out=gdz)
        e = gdz[0] * dz[0]  # sum_i gdz_i dz_i (before the pair terms), + sum_q gqz_q qz_q
        for i in range(1, d):
            e.addcmul_(gdz[i], dz[i])
        c = None  # sum_q gqz_q dz_a dz_b
        if q:
            torch.mul(gqs, d1, out=gqz)
            if qz is not None:
                for k in range(q):
                    e.addcmul_(gqz[k], qz[k])
            run = diagonal_run(pairs)
            if run is not None:
                dz_run = dz[run[0] : run[1]]
                u = gqz * dz_run
                gdz[run[0] : run[1]].addcmul_(u, s, value=-4)
                c = u.mul_(dz_run)
                c = c[0] if q == 1 else c.sum(0)
            else:
                for k, (i, j) in enumerate(pairs):
                    u = gqz[k] * dz[j]
                    c = u * dz[i] if c is None else c.addcmul_(u, dz[i])
                    if i == j:
                        gdz[i].addcmul_(u, s, value=-4)
                    else:
                        gdz[i].addcmul_(u, s, value=-2)
                        gdz[j].addcmul_(gqz[k] * dz[i], s, value=-2)
        torch.mul(gs, d1, out=gz)
        gz.addcmul_(s, e, value=-2)
        if c is not None:
            gz.add_(c, alpha=-2)
            gz.addcmul_(s2, c, value=6)
        gbias = None
        if ctx.needs_input_grad[3]:
            gbias = gz.sum(0).reshape(ctx.bias_shape)
        if ctx.stacked:
            return grad, None, None, gbias, None, None
        if dz.shape != gdz.shape:
            gdz = gdz.sum_to_size(dz.shape)
        return (gz if ctx.needs_input_grad[0] else None, gdz if ctx.needs_input_grad[1] else None,
                gqz if ctx.needs_input_grad[2] else None, gbias, None, None)


class InputLinear(torch.autograd.Function):
    """``x W^T`` for a narrow input ``x`` (``(..., d)``, d a few coordinates): autograd's ``g^T x``
    for the weight gradient is a slow matrix shape there (measured 3-8x slower than ``(x^T g)^T``)."""

    @staticmethod
    def forward(ctx, x, weight):
        ctx.save_for_backward(x, weight)
        return torch.matmul(x, weight.t())

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        gx = torch.matmul(g, weight) if ctx.needs_input_grad[0] else None
        gw = None
        if ctx.needs_input_grad[1]:
            gw = torch.mm(x.reshape(-1, x.shape[-1]).t(), g.reshape(-1, g.shape[-1])).t()
        return gx, gw


class _Consts:
    """0-dim constants of the working dtype (``out=`` kernels take no Python scalar as first operand)."""

    def __init__(self, like):
        self.one = like.new_ones(())
        self.neg_one = -self.one


def _sigmoid2_into(s, v, bias):
    """``s = sigmoid(2 v + 2 b)`` (``bias``: ``2 b`` or None); ``v`` may alias ``s``."""
    if bias is None:
        torch.mul(v, 2, out=s)
    else:
        torch.add(bias, v, alpha=2, out=s)
    return s.sigmoid_()


def _tanh_into(s, v, bias, k):
    """``s = tanh(v + b) = 2 sigmoid(2 v + 2 b) - 1`` (``bias``: ``2 b`` or None); ``v`` may alias ``s``."""
    _sigmoid2_into(s, v, bias)
    return torch.add(k.neg_one, s, alpha=2, out=s)


def _jet_forward(out, v, dz, qz, bias, d, pairs, d1, k):
    """out (K, c, w) <- jet of tanh(z + b); v: value row of z (may alias out[0]);
    dz (D, c|1, w); qz (Q, c, w) or None. d1: scratch (c, w)."""
    s = _tanh_into(out[0], v, bias, k)
    torch.addcmul(k.one, s, s, value=-1, out=d1)
    ds = out[1 : 1 + d]
    torch.mul(dz, d1, out=ds)
    if pairs:
        qs = out[1 + d :]
        if qz is None:  # qs = -2 s d1 dz_a dz_b
            if dz.shape[1] == 1:  # constant directions: the products are (Q, 1, w)
                pp = pair_products(dz, dz, pairs).mul_(-2)
                torch.mul(pp, s, out=qs)
                qs.mul_(d1)
            else:
                pair_products(ds, dz, pairs, qs)
                qs.mul_(s).mul_(-2)
        else:  # qs = d1 (qz - 2 s dz_a dz_b)
            pp = pair_products(dz, dz, pairs, qs if dz.shape[1] == qs.shape[1] else None)
            torch.addcmul(qz, pp, s, value=-2, out=qs)
            qs.mul_(d1)
    return out


def _jet_backward(gz, gout, out, zrows, dz, qz, d, pairs, run, sc, tmp, k, wout=None):
    """gz (K, c, w) <- gradient of the pre-activation jet.

    ``gout``: (K, c, w) gradient of the output jet, or with ``wout`` (w,) given, (K, c, 1) rows of the
    output layer's gradient (the output jet gradient is then ``gout * wout``, never formed).
    ``zrows``: (K - 1, c, w) stacked dz, qz, or None (then dz (D, 1|c, w), qz as given).
    sc: 3 (c, w) scratch; tmp: (K - 1, c, w) scratch."""
    q = len(pairs)
    s = out[0]
    k3, d1, e = sc
    torch.addcmul(k.one, s, s, value=-1, out=d1)
    if wout is None:
        torch.mul(gout, d1, out=gz)
    else:
        torch.mul(d1, wout, out=e)
        torch.mul(gout, e, out=gz)
    gdz = gz[1 : 1 + d]
    if zrows is not None:
        torch.mul(gz[1:], zrows, out=tmp)
        torch.sum(tmp, 0, out=e)
    else:
        torch.mul(gdz, dz, out=tmp[:d])
        if qz is not None:
            torch.mul(gz[1 + d :], qz, out=tmp[d:])
            torch.sum(tmp, 0, out=e)
        else:
            torch.sum(tmp[:d], 0, out=e)
    g = gz[0]
    g.addcmul_(s, e, value=-2)
    if q:
        gqz = gz[1 + d :]
        if run is not None:
            a, b = run
            u = tmp[: b - a]
            torch.mul(gqz, dz[a:b], out=u)
            gdz[a:b].addcmul_(u, s, value=-4)
            u.mul_(dz[a:b])
            c = u[0] if q == 1 else torch.sum(u, 0, out=e)
        else:
            u, c = tmp[0], tmp[1]
            for kk, (i, j) in enumerate(pairs):
                torch.mul(gqz[kk], dz[j], out=u)
                if kk == 0:
                    torch.mul(u, dz[i], out=c)
                else:
                    c.addcmul_(u, dz[i])
                if i == j:
                    gdz[i].addcmul_(u, s, value=-4)
                else:
                    gdz[i].addcmul_(u, s, value=-2)
                    torch.mul(gqz[kk], dz[i], out=u)
                    gdz[j].addcmul_(u, s, value=-2)
        # + 2 c (3 s^2 - 1)
        torch.addcmul(k.neg_one, s, s, value=3, out=k3)
        g.addcmul_(c, k3, value=2)
    return gz


class TanhMLPJet(torch.autograd.Function):
    """The stacked output jet ``(K, N, m)`` of a tanh MLP without its output bias (CPU).

    ``x`` ``(N, d)``: the input values; ``first`` ``(D, N, d)`` or ``(D, 1, d)``; ``second``
    ``(Q, N, d)`` or None (identically zero); ``chunk``: points per chunk; ``params``: weight and
    bias of every layer but the last one's bias, in order (biases may be None).
    """

    @staticmethod
    def forward(ctx, x, first, second, d, pairs, chunk, *params):
        weights, biases = params[0::2], params[1::2] + (None,)  # the output bias is added outside
        nl = len(weights)
        n = x.shape[0]
        q = len(pairs)
        kk = 1 + d + q
        run = diagonal_run(pairs) if pairs else None
        k = _Consts(x)
        bias2 = [None if b is None else 2 * b for b in biases[:-1]]
        wts = [w.t() for w in weights]
        w0 = weights[0]
        m = weights[-1].shape[0]
        y = x.new_empty(kk, n, m)
        saved = []  # per chunk: list per hidden layer of (out, zrows, dz, qz)
        wmax = max(w.shape[0] for w in weights[:-1])
        d1buf = x.new_empty(chunk * wmax)
        first_const = first.shape[-2] == 1
        if first_const:
            dz0 = torch.matmul(first, wts[0])  # (D, 1, w)
        din = x.shape[1]
        for lo in range(0, n, chunk):
            hi = min(n, lo + chunk)
            c = hi - lo
            layers = []
            xc = x[lo:hi]
            width = w0.shape[0]
            out = x.new_empty(kk, c, width)
            v = out[0]
            if din <= 4:  # narrow input: a few fused multiply-adds beat a matmul of that shape
                torch.mul(xc[:, :1], wts[0][:1], out=v)
                for i in range(1, din):
                    v.addcmul_(xc[:, i : i + 1], wts[0][i : i + 1])
            else:
                torch.mm(xc, wts[0], out=v)
            if first_const:
                dz, qz, zrows = dz0, None, None
                if second is not None:
                    qz = torch.matmul(second[:, lo:hi], wts[0])
            else:
                zrows = x.new_empty(kk - 1 if second is not None else d, c, width)
                torch.matmul(first[:, lo:hi], wts[0], out=zrows[:d])
                dz, qz = zrows[:d], None
                if second is not None:
                    torch.matmul(second[:, lo:hi], wts[0], out=zrows[d:])
                    qz = zrows[d:]
                if qz is None and q:
                    zrows = None  # no stacked second rows to pair with the gradient
            _jet_forward(out, v, dz, qz, bias2[0], d, pairs, d1buf[: c * width].view(c, width), k)
            layers.append((out, zrows, dz, qz))
            h = out
            for li in range(1, nl - 1):
                width = weights[li].shape[0]
                # one block: out = rows 0..K-1, z = rows K-1..2K-2 (z's value row, dead once tanh is
                # taken, shares the block with out's last row, written last)
                block = x.new_empty(2 * kk - 1, c, width)
                out, z = block[:kk], block[kk - 1 :]
                torch.mm(h.view(kk * c, -1), wts[li], out=z.view(kk * c, width))
                qz = z[1 + d :] if q else None
                _jet_forward(out, z[0], z[1 : 1 + d], qz, bias2[li], d, pairs,
                             d1buf[: c * width].view(c, width), k)
                layers.append((out, z[1:], z[1 : 1 + d], qz))
                h = out
            yc = torch.mm(h.view(kk * c, -1), wts[-1])
            y[:, lo:hi].copy_(yc.view(kk, c, m))
            saved.append(layers)
        ctx.saved = saved
        ctx.meta = (d, pairs, run, chunk, n, first_const)
        ctx.save_for_backward(x, first, second, *weights)
        ctx.has_bias = [b is not None for b in biases]
        return y

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, gy):
        d, pairs, run, chunk, n, first_const = ctx.meta
        x, first, second, *weights = ctx.saved_tensors
        saved = ctx.saved
        nl = len(weights)
        q = len(pairs)
        kk = 1 + d + q
        k = _Consts(x)
        gws = [torch.zeros_like(w) for w in weights]
        gw0t = gws[0].t()  # (din, w) view
        gbs = [x.new_zeros(w.shape[0]) if hb else None for w, hb in zip(weights, ctx.has_bias)]
        need_x = ctx.needs_input_grad[0]
        need_f = ctx.needs_input_grad[1]
        need_s = ctx.needs_input_grad[2] and second is not None
        gx = torch.zeros_like(x) if need_x else None
        gf = torch.zeros_like(first) if need_f else None
        gs = torch.zeros_like(second) if need_s else None
        wmax = max(w.shape[0] for w in weights[:-1])
        size = kk * chunk * wmax
        gbuf_a, gbuf_b, tbuf = x.new_empty(size), x.new_empty(size), x.new_empty(size)
        scratch = [x.new_empty(chunk * wmax) for _ in range(3)]
        m = weights[-1].shape[0]
        wout = weights[-1][0] if m == 1 else None
        starts = list(range(0, n, chunk))
        for ci in range(len(starts) - 1, -1, -1):  # the last chunks written are still in cache
            lo = starts[ci]
            hi = min(n, lo + chunk)
            c = hi - lo
            layers = saved[ci]
            gyc = gy[:, lo:hi]  # (K, c, m)
            h = layers[-1][0]
            wl = h.shape[-1]
            gyc2 = gyc.reshape(kk * c, m)
            if gbs[-1] is not None:
                gbs[-1].add_(gyc[0].sum(0))
            gws[-1].addmm_(gyc2.t(), h.view(kk * c, wl))
            if wout is None:
                gh = gbuf_a[: kk * c * wl].view(kk, c, wl)
                torch.mm(gyc2, weights[-1], out=gh.view(kk * c, wl))
            else:
                gh = gyc2.view(kk, c, 1)
            for li in range(nl - 2, -1, -1):
                out, zrows, dz, qz = layers[li]
                wl = out.shape[-1]
                gz = gbuf_b[: kk * c * wl].view(kk, c, wl)
                sc = [t[: c * wl].view(c, wl) for t in scratch]
                tmp = tbuf[: (kk - 1) * c * wl].view(kk - 1, c, wl)
                wo = wout if li == nl - 2 else None
                _jet_backward(gz, gh, out, zrows, dz, qz, d, pairs, run, sc, tmp, k, wo)
                if gbs[li] is not None:
                    gbs[li].add_(gz[0].sum(0))
                if li > 0:
                    hp = layers[li - 1][0]
                    win = hp.shape[-1]
                    gz2 = gz.view(kk * c, wl)
                    gws[li].addmm_(gz2.t(), hp.view(kk * c, win))
                    gh = gbuf_a[: kk * c * win].view(kk, c, win)
                    torch.mm(gz2, weights[li], out=gh.view(kk * c, win))
                else:
                    xc = x[lo:hi]
                    gw0t.addmm_(xc.t(), gz[0])
                    if first_const:
                        gw0t.addmm_(first[:, 0, :].t(), gz[1 : 1 + d].sum(1))
                    else:
                        fc = first[:, lo:hi].reshape(d * c, -1)
                        gw0t.addmm_(fc.t(), gz[1 : 1 + d].reshape(d * c, wl))
                    if second is not None and q:
                        sc2 = second[:, lo:hi].reshape(q * c, -1)
                        gw0t.addmm_(sc2.t(), gz[1 + d :].reshape(q * c, wl))
                    if need_x:
                        torch.mm(gz[0], weights[0], out=gx[lo:hi])
                    if need_f:
                        if first_const:
                            gf.add_(torch.matmul(gz[1 : 1 + d].sum(1, keepdim=True), weights[0]))
                        else:
                            gf[:, lo:hi] = torch.matmul(gz[1 : 1 + d], weights[0])
                    if need_s:
                        gs[:, lo:hi] = torch.matmul(gz[1 + d :], weights[0])
        grads = []
        for gw, gb in zip(gws, gbs):
            grads += [gw, gb]
        grads.pop()
        return (gx, gf, gs, None, None, None, *grads)


def usable(mlp: nn.Module, layout: JetLayout) -> bool:
    """Whether :func:`mlp_jet` applies: tanh, at least one hidden layer and one direction, eager mode
    outside torch.func transforms (vmap cannot batch the in-place ``out=`` kernels)."""
    return (type(mlp.act) is nn.Tanh and len(mlp.layers) >= 2 and bool(layout.dirs)
            and not torch.compiler.is_compiling() and not _inside_functorch_transform())


def _inside_functorch_transform() -> bool:
    """Whether a torch.func transform (vmap, grad, jacrev ...) is active. torch has no public query;
    this asks its private functorch level and says True (generic path) if that API is gone."""
    level = getattr(getattr(torch._C, "_functorch", None), "maybe_current_level", None)
    return level is None or level() is not None


def mlp_jet(mlp: nn.Module, jet: TaylorJet, layout: JetLayout) -> TaylorJet:
    """The jet of a tanh MLP's outputs given the jet of its inputs (see :func:`usable`).

    On the CPU one :class:`TanhMLPJet` over chunks of points whose stacked hidden jets stay under
    :data:`CHUNK_BYTES` (the elementwise passes then hit the caches; measured); elsewhere the
    layers one by one, unchunked. ``jet.first`` may be ``(D, 1, d)`` (directions constant over
    the points).
    """
    if jet.value.device.type != "cpu":
        return _mlp_jet(mlp, jet, layout)
    d, pairs = len(layout.dirs), layout.pairs
    params = []
    for layer in mlp.layers:
        params += [layer.weight, layer.bias]
    last_bias = params.pop()  # added outside: an output value the loss does not use leaves it without a gradient
    y = TanhMLPJet.apply(jet.value, jet.first, jet.second, d, pairs, chunk_points(mlp, layout, jet.value), *params)
    value, first, second = y[0], y[1 : 1 + d], y[1 + d :]
    if last_bias is not None:
        value = value + last_bias
    return TaylorJet(value, first, second if pairs else None)


def chunk_points(mlp: nn.Module, layout: JetLayout, value: torch.Tensor) -> int:
    """Points per chunk on the CPU: the stacked jet of the widest layer within :data:`CHUNK_BYTES`."""
    rows = layout.size * max(layer.weight.shape[0] for layer in mlp.layers) * value.element_size()
    return max(1, min(value.shape[0], CHUNK_BYTES // rows))


def _mlp_jet(mlp: nn.Module, jet: TaylorJet, layout: JetLayout) -> TaylorJet:
    d, pairs = len(layout.dirs), layout.pairs
    layers = mlp.layers
    weight = layers[0].weight
    lin = InputLinear.apply
    h = TanhJet.apply(lin(jet.value, weight), lin(jet.first, weight),
                      None if jet.second is None else lin(jet.second, weight), layers[0].bias, d, pairs)
    for layer in layers[1:-1]:
        k, n, w = h.shape
        z = torch.mm(h.view(k * n, w), layer.weight.t()).view(k, n, -1)
        h = TanhJet.apply(z, None, None, layer.bias, d, pairs)
    last = layers[-1]
    k, n, w = h.shape
    y = torch.mm(h.view(k * n, w), last.weight.t()).view(k, n, -1)
    value, first, second = y.split([1, d, len(pairs)])
    value = value[0] if last.bias is None else value[0] + last.bias
    return TaylorJet(value, first, second if pairs else None)
