"""Exact wall conditions for 2-D incompressible flow through a stream function.

The network outputs ``(N_psi, p)``; the velocity is ``u = psi_y, v = -psi_x`` (so ``u_x + v_y = 0``
identically) with

    psi(x, y) = g(x, y) + B(xi) B(eta) N_psi(x, y),
    xi = (x - a) / (b - a),  eta = (y - c) / (d - c),  B(t) = 16 t^2 (1 - t)^2

on the box ``[a, b] x [c, d]`` (Lagaris, Likas & Fotiadis, IEEE TNN 9, 1998; distance functions:
Sukumar & Srivastava, CMAME 389, 2022). ``B(xi) B(eta)`` is the square of the normalised
distance-like function ``D = 16 xi (1 - xi) eta (1 - eta)``: it and its gradient vanish on the
four walls, so for any network ``psi = g`` and ``grad psi = grad g`` there. The particular part
``g`` is zero on every wall, has zero normal derivative on the resting walls ``x = a, b`` and
``y = c`` and ``psi_y = U`` on the lid ``y = d`` (a textbook lid-driven cavity):

* ``corners="smooth"``: ``g = U (d - c) s(xi) h(eta)`` with the lid profile ``s`` of
  :func:`lid_profile`, which falls from 1 to 0 (zero slope) within ``lid_band`` of each top corner,
  so the lid only approximates the uniform one there;
* ``corners="stokes"`` (``viscosity`` needed): at each top corner Taylor's scraper flow
  (:func:`stokes_corner`, the exact Stokes flow of a wall sliding past a resting one), cut off
  smoothly beyond ``lid_band``, plus the smooth part above carrying the lid between the cut-offs:
  the lid moves at U all the way into the corners, velocity bounded, its gradient ~ 1/r; the
  pressure gets the scraper's Stokes pressure ``nu q`` (~ 1/r). At the two corner points, where
  the problem's data contradict, the velocity is the limit along the lid and the corner pressure
  part is set to 0.

``h(eta)`` (:func:`lid_lift`) lifts the lid velocity into the box over ``lid_depth``.

Derivatives: :meth:`StreamFunction.stream_jet` pushes a third-order Taylor jet through the
network in one pass (the momentum residual needs ``u_xx = psi_xxy``); ``forward`` uses its
first-order part, so the module is plain torch code that works under nested autograd and
``torch.func`` as well.
"""
from __future__ import annotations

import math
from typing import Iterable, Sequence

import torch
from torch import nn

from pinnkit.nn.activations import Sin
from pinnkit.nn.build import InputEncoding, Network
from pinnkit.nn.mlp import MLP

__all__ = ["CORNERS", "StreamFunction", "lid_lift", "lid_profile", "stokes_corner", "stream_function_network",
           "wall_bump"]

# multi-indices (number of x-derivatives, number of y-derivatives), by order
_CHANNELS = [(0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (0, 2), (3, 0), (2, 1), (1, 2), (0, 3)]
_ACTIVATIONS = {nn.Tanh: "tanh", Sin: "sin"}
MAX_ORDER = 3
CORNERS = ("smooth", "stokes")


def _channels(order: int) -> list[tuple[int, int]]:
    return [c for c in _CHANNELS if sum(c) <= order]


def _smoothstep(tau: torch.Tensor, order: int) -> list[torch.Tensor]:
    """``S(tau) = 35 tau^4 - 84 tau^5 + 70 tau^6 - 20 tau^7`` on tau clamped to [0, 1] (0 below, 1
    above; C^3: its first three derivatives vanish at both ends) and its first ``order`` derivatives."""
    t = tau.clamp(0.0, 1.0)
    t2 = t * t
    t3 = t2 * t
    values = [t3 * t * (35 - 84 * t + 70 * t2 - 20 * t3), 140 * t3 * (1 - 3 * t + 3 * t2 - t3),
              420 * t2 * (1 - 4 * t + 5 * t2 - 2 * t3), 840 * t * (1 - 6 * t + 10 * t2 - 5 * t3)]
    return values[: order + 1]


def lid_profile(t: torch.Tensor, band: float, order: int = 0) -> list[torch.Tensor]:
    """``s(t) = S(t / band) S((1 - t) / band)`` (:func:`_smoothstep`) and its first ``order``
    derivatives in ``t``: exactly 1 on ``[band, 1 - band]``, 0 with zero slope at t = 0 and 1."""
    if not 0 < band < 0.5:
        raise ValueError(f"lid band must be in (0, 0.5), got {band}")
    left = [f / band**j for j, f in enumerate(_smoothstep(t / band, order))]
    right = [f * (-1.0 / band) ** j for j, f in enumerate(_smoothstep((1 - t) / band, order))]
    return [sum(math.comb(n, j) * left[j] * right[n - j] for j in range(n + 1)) for n in range(order + 1)]


def lid_lift(t: torch.Tensor, depth: float, order: int = 0) -> list[torch.Tensor]:
    """``h(t) = -depth P((1 - t) / depth)``, ``P(r) = r (1 - S(r))``, and its first ``order``
    derivatives: h(1) = 0, h'(1) = 1 (the lid), h = 0 below ``1 - depth`` (so h(0) = h'(0) = 0)."""
    if not 0 < depth <= 1:
        raise ValueError(f"lid depth must be in (0, 1], got {depth}")
    r = ((1 - t) / depth).clamp(0.0, 1.0)
    r2 = r * r
    r4 = r2 * r2
    p = [r - r4 * r * (35 - 84 * r + 70 * r2 - 20 * r2 * r), 1 - r4 * (175 - 504 * r + 490 * r2 - 160 * r2 * r),
         -r2 * r * (700 - 2520 * r + 2940 * r2 - 1120 * r2 * r), -r2 * (2100 - 10080 * r + 14700 * r2 - 6720 * r2 * r)]
    return [-depth * (-1.0 / depth) ** j * p[j] for j in range(order + 1)]


def wall_bump(t: torch.Tensor, order: int = 0) -> list[torch.Tensor]:
    """``B(t) = 16 t^2 (1 - t)^2`` (zero with zero slope at t = 0, 1; one at 1/2) and derivatives."""
    t2 = t * t
    values = [16 * (t2 - 2 * t2 * t + t2 * t2), 16 * (2 * t - 6 * t2 + 4 * t2 * t), 16 * (2 - 12 * t + 12 * t2),
              16 * (24 * t - 12)]
    return values[: order + 1]


def _activation_jet(z: list[torch.Tensor | None], kind: str, order: int) -> torch.Tensor:
    """Chain rule to third order for an elementwise activation, on stacked channels.

    ``z = [value (N, w), first (2, ., w), second (3, ., w) or None, third (4, ., w) or None]`` in the
    channel order of ``_CHANNELS`` (``None``: zero, as before the first activation). Returns the
    activation's jet stacked ``(K, N, w)``."""
    v, first = z[0], z[1] if order >= 1 else None
    second = z[2] if order >= 2 else None
    third = z[3] if order >= 3 else None
    if kind == "tanh":
        y = torch.tanh(v)
        f1 = 1 - y * y
        f2 = -2 * y * f1
        f3 = -2 * f1 * (1 - 3 * y * y)
    else:  # sin
        y, c = torch.sin(v), torch.cos(v)
        f1, f2, f3 = c, -y, -c
    parts = [y[None]]
    if order >= 1:
        parts.append(f1 * first)
    if order >= 2:
        pairs = first[[0, 0, 1]] * first[[0, 1, 1]]  # x x, x y, y y
        parts.append(f2 * pairs if second is None else f1 * second + f2 * pairs)
    if order >= 3:
        cubes = pairs[[0, 0, 1, 2]] * first[[0, 1, 1, 1]]  # xxx, xxy, xyy, yyy
        out = f3 * cubes
        if second is not None:
            # z_ab z_c summed over the three splittings: 3 xx x | xx y + 2 xy x | 2 xy y + yy x | 3 yy y
            mixed = second[[0, 0, 1, 2]] * first[[0, 1, 1, 1]] * second.new_tensor([3.0, 1.0, 2.0, 3.0])[:, None, None]
            mixed = mixed + torch.cat([torch.zeros_like(mixed[:1]),
                                       second[[1, 2]] * first[[0, 0]] * second.new_tensor([2.0, 1.0])[:, None, None],
                                       torch.zeros_like(mixed[:1])])
            out = out + f2 * mixed
        parts.append(out if third is None else out + f1 * third)
    return torch.cat([p.expand(-1, *v.shape) for p in parts])


def _inverse_powers(xp: torch.Tensor, yp: torch.Tensor, top: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(Re, Im) of z^{-n}, z = x' + i y', for n = 0..top."""
    r2 = xp * xp + yp * yp
    wr, wi = xp / r2, -yp / r2
    out = [(torch.ones_like(xp), torch.zeros_like(xp))]
    for _ in range(top):
        a, b = out[-1]
        out.append((a * wr - b * wi, a * wi + b * wr))
    return out


def _times_i_power(re: torch.Tensor, im: torch.Tensor, b: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(Re, Im) of i^b (re + i im)."""
    for _ in range(b % 4):
        re, im = -im, re
    return re, im


def stokes_corner(xp: torch.Tensor, yp: torch.Tensor, speed: float, order: int) -> tuple[dict, dict]:
    """Taylor's scraper flow in the corner x', y' >= 0 (Taylor 1960; Moffatt, JFM 18, 1964): the wall
    y' = 0 slides along itself at ``speed`` (dPsi/dy' = -speed there), the wall x' = 0 rests.

    Psi = A y' + theta (C y' + D x'), theta = atan2(y', x'), D = speed / (pi^2 / 4 - 1),
    C = D pi / 2, A = -D pi^2 / 4: Psi = 0 on both walls, dPsi/dn = 0 on x' = 0. Its Stokes
    pressure is q = 2 Re[(D + i C) / z] = 2 (D x' + C y') / r^2 (times the viscosity; in the
    frame's orientation). Returns the local derivatives ``{(i, j): tensor}`` of Psi and q up to
    ``order``. At the corner itself (r = 0) the caller shifts the point along the sliding wall.
    """
    d_ = speed / (math.pi**2 / 4 - 1)
    c_, a_ = d_ * math.pi / 2, -d_ * math.pi**2 / 4
    theta = torch.atan2(yp, xp)
    powers = _inverse_powers(xp, yp, order + 1)
    # derivatives of theta = Im log z: d^(a,b) = Im[i^b (-1)^(n-1) (n-1)! z^-n]
    th = {(0, 0): theta}
    q = {}
    for ch in _channels(order):
        a, b = ch
        n = a + b
        if n:
            re, im = _times_i_power(*powers[n], b)
            th[ch] = (-1) ** (n - 1) * math.factorial(n - 1) * im
        # q = 2 Re[(D + i C) i^b (-1)^n n! z^-(n+1)]
        re, im = _times_i_power(*powers[n + 1], b)
        q[ch] = 2 * (-1) ** n * math.factorial(n) * (d_ * re - c_ * im)
    lin = {(0, 0): c_ * yp + d_ * xp, (1, 0): d_, (0, 1): c_}
    psi = {}
    for ch in _channels(order):
        i, j = ch
        value = sum(math.comb(i, k) * math.comb(j, m) * th[(i - k, j - m)] * lin[(k, m)]
                    for k in range(min(i, 1) + 1) for m in range(min(j, 1) + 1) if k + m <= 1)
        psi[ch] = value + (a_ * yp if ch == (0, 0) else a_ if ch == (0, 1) else 0.0)
    return psi, q


class StreamFunction(nn.Module):
    """``(u, v, p) = (psi_y, -psi_x, p)`` with the wall-exact stream function of the module docstring.

    ``network``: a pinnkit :class:`~pinnkit.nn.build.Network` from the two coordinates to
    ``(N_psi, p)`` (plain input encoding: no periodic or Fourier features; tanh or sin MLP).
    ``lows``, ``highs``: the box; ``lid_speed``: U, the tangential velocity of the wall
    ``y = highs[1]`` (the other walls rest); ``lid_band``, ``lid_depth``, ``corners``,
    ``viscosity``: see the module docstring.
    Outputs ``(N, 3)`` in the order of ``fields``.
    """

    def __init__(self, network: Network, lows: Sequence[float], highs: Sequence[float], lid_speed: float = 1.0,
                 lid_band: float = 0.02, lid_depth: float = 0.1, fields: Sequence[str] = ("u", "v", "p"),
                 corners: str = "smooth", viscosity: float | None = None) -> None:
        super().__init__()
        reason = self.unsupported(network)
        if reason:
            raise ValueError(f"StreamFunction cannot wrap this network: {reason}")
        if len(lows) != 2 or len(highs) != 2 or not all(float(a) < float(b) for a, b in zip(lows, highs)):
            raise ValueError(f"StreamFunction needs a 2-D box with lows < highs, got {list(lows)}, {list(highs)}")
        if len(tuple(fields)) != 3:
            raise ValueError(f"StreamFunction outputs three fields (u, v, p), got {tuple(fields)}")
        self.network = network
        self.lows, self.highs = tuple(map(float, lows)), tuple(map(float, highs))
        self.lid_speed, self.lid_band = float(lid_speed), float(lid_band)
        self.lid_depth = float(lid_depth)
        if corners not in CORNERS:
            raise ValueError(f"corners must be one of {CORNERS}, got {corners!r}")
        if corners == "stokes" and not (viscosity is not None and viscosity > 0):
            raise ValueError("corners='stokes' needs the viscosity (its corner pressure is nu times a Stokes field)")
        self.corners, self.viscosity = corners, None if viscosity is None else float(viscosity)
        lid_profile(torch.zeros(1), self.lid_band), lid_lift(torch.zeros(1), self.lid_depth)  # check them
        self.fields = tuple(fields)
        self.coords = network.coords
        self.in_features = 2
        self.out_features = 3
        self._kind = _ACTIVATIONS[type(network.mlp.act)]

    @staticmethod
    def unsupported(network) -> str | None:
        """Why :class:`StreamFunction` cannot wrap ``network`` (``None`` when it can)."""
        if not isinstance(network, Network):
            return f"{type(network).__name__} is not a pinnkit Network"
        if network.in_features != 2 or network.out_features != 2:
            return f"the network must map 2 coordinates to (psi, p), it maps {network.in_features} -> " \
                   f"{network.out_features}"
        enc = network.encoding
        if type(enc) is not InputEncoding or enc.periodic is not None or enc.fourier is not None:
            return "periodic or Fourier input features (walls bound the box; use a plain encoding)"
        if type(network.mlp.act) not in _ACTIVATIONS:
            return f"activation {type(network.mlp.act).__name__} (the third-order jet knows tanh and sin)"
        if any(type(layer) is not nn.Linear for layer in network.mlp.layers):
            return "MLP layers other than nn.Linear"
        return None

    # ------------------------------------------------------------------ jets
    def network_jet(self, points: torch.Tensor, order: int = MAX_ORDER) -> dict[tuple[int, int], torch.Tensor]:
        """Derivatives of the network outputs ``(N_psi, p)`` up to ``order`` (<= 3): ``{(i, j): (N, 2)}``
        for d^{i+j} / dx^i dy^j."""
        if not 0 <= order <= MAX_ORDER:
            raise ValueError(f"jet order must be 0..{MAX_ORDER}, got {order}")
        enc, mlp = self.network.encoding, self.network.mlp
        x = enc.normalize(points)
        scale = [2.0 / (h - l) for l, h in zip(self.lows, self.highs)]
        channels = _channels(order)
        layers = list(mlp.layers)
        first = layers[0]
        splits = [1, 2, 3, 4][: order + 1]
        # before the first activation: the value, constant first derivatives, nothing higher
        z = [first(x), (first.weight.T * x.new_tensor(scale)[:, None])[:, None, :], None, None]
        for layer in layers[1:]:
            stacked = _activation_jet(z, self._kind, order) @ layer.weight.T
            z = list(stacked.split(splits))
            z[0] = z[0][0] + layer.bias
            z += [None] * (4 - len(z))
        jet = {(0, 0): z[0]}
        for n in range(1, order + 1):
            jet.update(zip([c for c in channels if sum(c) == n], z[n].unbind(0)))
        return jet

    def stream_jet(self, points: torch.Tensor, order: int = MAX_ORDER) -> tuple[dict, dict]:
        """``(psi, p)`` derivatives up to ``order``: two dicts ``{(i, j): (N,)}``."""
        out = self.network_jet(points, order)
        (a, c), (b, d) = self.lows, self.highs
        sx, sy = 1.0 / (b - a), 1.0 / (d - c)
        xi, eta = (points[:, 0] - a) * sx, (points[:, 1] - c) * sy
        bx = [f * sx**i for i, f in enumerate(wall_bump(xi, order))]
        by = [f * sy**j for j, f in enumerate(wall_bump(eta, order))]
        lid = self.lid_speed * (d - c)
        sl = [lid * f * sx**i for i, f in enumerate(lid_profile(xi, self.lid_band, order))] if lid else None
        hl = [f * sy**j for j, f in enumerate(lid_lift(eta, self.lid_depth, order))]
        psi, p = {}, {}
        for ch in _channels(order):
            i, j = ch
            value = sum(math.comb(i, k) * math.comb(j, m) * bx[k] * by[m] * out[(i - k, j - m)][:, 0]
                        for k in range(i + 1) for m in range(j + 1))
            psi[ch] = value + sl[i] * hl[j] if sl is not None else value
            p[ch] = out[ch][:, 1]
        if self.corners == "stokes" and lid:
            corner_psi, corner_p = self._stokes_corners(points, order)
            for ch in _channels(order):
                psi[ch] = psi[ch] + corner_psi[ch]
                p[ch] = p[ch] + corner_p[ch]
        return psi, p

    def _stokes_corners(self, points: torch.Tensor, order: int) -> tuple[dict, dict]:
        """Taylor's scraper flow at both lid corners, cut off beyond ``lid_band``: psi and p parts."""
        (a, c), (b, d) = self.lows, self.highs
        lx, ly = self.lid_band * (b - a), self.lid_band * (d - c)
        psi = {ch: 0.0 for ch in _channels(order)}
        p = {ch: 0.0 for ch in _channels(order)}
        x, y = points[:, 0], points[:, 1]
        for xc, sx in ((a, 1.0), (b, -1.0)):
            sy = -1.0
            xp, yp = sx * (x - xc), sy * (y - d)
            # at the corner itself the data contradict: take the limit along the lid
            at_corner = (xp == 0) & (yp == 0)
            xp = torch.where(at_corner, torch.full_like(xp, 1e-12 * (b - a)), xp)
            local, q = stokes_corner(xp, yp, self.lid_speed, order)
            q = {ch: torch.where(at_corner, torch.zeros_like(v), v) for ch, v in q.items()}  # p: no limit; 0
            cx = [(1 - f if i == 0 else -f) / lx**i for i, f in enumerate(_smoothstep(xp / lx, order))]
            cy = [(1 - f if j == 0 else -f) / ly**j for j, f in enumerate(_smoothstep(yp / ly, order))]
            for ch in _channels(order):
                i, j = ch
                cut = sum(math.comb(i, k) * math.comb(j, m) * local[(i - k, j - m)] * cx[k] * cy[m]
                          for k in range(i + 1) for m in range(j + 1))
                psi[ch] = psi[ch] + sx**i * sy**j * cut
                p[ch] = p[ch] + self.viscosity * sx * sy * sx**i * sy**j * q[ch]
        return psi, p

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        if points.shape[-1] != 2:
            raise ValueError(f"points must have 2 columns ({', '.join(self.coords)}), got {tuple(points.shape)}")
        psi, p = self.stream_jet(points, 1)
        return torch.stack([psi[(0, 1)], -psi[(1, 0)], p[(0, 0)]], dim=-1)

    def stream_function(self, points: torch.Tensor) -> torch.Tensor:
        """psi at ``points``: ``(N,)``."""
        return self.stream_jet(points, 0)[0][(0, 0)]

    def flow_derivatives(self, points: torch.Tensor, keys: Iterable[str]) -> dict[str, torch.Tensor]:
        """The derivative keys (``"u"``, ``"u_xx"``, ``"p_y"``, a coordinate name ...) from one jet pass.

        Velocity derivatives up to order 2 and pressure derivatives up to order 3; a key that is
        not of that form raises ``KeyError`` (use :func:`pinnkit.autodiff.derivatives` instead)."""
        keys = tuple(keys)
        wanted = {}
        for key in keys:
            if key in self.coords:
                continue
            field, _, suffix = key.partition("_")
            if field not in self.fields or any(ch not in self.coords for ch in suffix):
                raise KeyError(f"StreamFunction.flow_derivatives cannot evaluate {key!r}")
            count = (suffix.count(self.coords[0]), suffix.count(self.coords[1]))
            index = self.fields.index(field)
            need = sum(count) + (1 if index < 2 else 0)
            if need > MAX_ORDER:
                raise KeyError(f"StreamFunction.flow_derivatives: {key!r} needs order {need} > {MAX_ORDER}")
            wanted[key] = (index, count, need)
        order = max((need for _, _, need in wanted.values()), default=0)
        psi, p = self.stream_jet(points, order)
        result = {}
        for key in keys:
            if key in self.coords:
                result[key] = points[:, self.coords.index(key)]
                continue
            index, (i, j), _ = wanted[key]
            result[key] = psi[(i, j + 1)] if index == 0 else -psi[(i + 1, j)] if index == 1 else p[(i, j)]
        return result

    def describe(self) -> str:
        inner = self.network.describe()
        return (f"stream function (u, v) = (psi_y, -psi_x), psi = g + D^2 N exact on the walls, lid speed "
                f"{self.lid_speed:g}, {self.corners} corners (band {self.lid_band:g}, lift depth "
                f"{self.lid_depth:g}); N: {inner}")


def stream_function_network(lows: Sequence[float], highs: Sequence[float], width: int = 64, depth: int = 4,
                            activation: str = "tanh", lid_speed: float = 1.0, lid_band: float = 0.02,
                            lid_depth: float = 0.1, corners: str = "smooth", viscosity: float | None = None,
                            coords: Sequence[str] = ("x", "y"), fields: Sequence[str] = ("u", "v", "p"),
                            generator: torch.Generator | None = None, dtype: torch.dtype = torch.float32,
                            device=None) -> StreamFunction:
    """A :class:`StreamFunction` around a fresh MLP ``(x, y) -> (N_psi, p)`` on normalised inputs."""
    encoding = InputEncoding(tuple(coords), lows, highs, dtype=dtype, device=device)
    mlp = MLP(encoding.out_features, 2, width, depth, activation, generator, dtype, device)
    return StreamFunction(Network(encoding, mlp, ("psi", "p")), lows, highs, lid_speed, lid_band, lid_depth, fields,
                          corners, viscosity)
