"""The learned factor preconditioner (Li, Chen, Du & Matusik, ICML 2023), written from its description.

A graph network reads a sparse SPD matrix A and returns a sparse lower-triangular L with A's
lower pattern; P = L L^T preconditions conjugate gradients at IC(0)'s cost per application
(two sparse triangular solves through :func:`pinnkit.linsys.factor`).

The graph: nodes are the unknowns, edges the stored entries of A, self-loops included, so the
edge list is A's CSR arrays themselves (receiver i = the row, sender j = the column).

* node features (``FEATURES``; ``DEFAULT_FEATURES`` are position and boundary): the position
  (x, y), the right-hand side b divided by its root mean square (the paper's), and the boundary
  flag.  The right-hand side is off by default: it made L depend on b, and on systems larger
  than the training ones that cost iterations -- trained on 1e3 unknowns and applied to 1e5,
  poisson_fem needed 235 and 232 iterations to 1e-8 with it against 219 and 212 without, the
  cavity 259 and 526 (seeds 0 and 1: the same A, two b) against 211 and 210
  (docs/learned_preconditioner.md);
* edge features: the scaled entry a_ij / sqrt(a_ii a_jj) (1 on the diagonal) and a self-loop
  flag.  The scaling makes the network blind to the units of A and to the mesh size where the
  entries themselves are (2-D stiffness matrices);
* encode both with two-layer MLPs to ``hidden`` channels, then ``steps`` message-passing rounds,
  each e_ij += phi_e([e_ij, h_i, h_j]) and h_i += phi_h([h_i, mean_j e_ij]) (residual updates,
  mean aggregation so rows of any degree weigh alike; phi are two-layer ReLU MLPs), then decode
  one number o_ij per edge.

From the edge outputs to L: symmetrise, v_ij = (o_ij + o_ji) / 2, keep the strict lower part
and set

    L_ii = sqrt(a_ii)                     (fixed, not learned),
    L_ij = sqrt(a_ii) (a~_ij + v_ij)      (i > j, a~_ij = a_ij / sqrt(a_ii a_jj)).

With v = 0 this is (D + E) D^(-1/2), E = tril(A, -1), D = diag(A): the factor of symmetric
Gauss-Seidel, whose diagonal is Jacobi's; an untrained network begins near it (the decoder's
last layer starts with small weights and a zero bias: |v| < 0.1); v = -a~ would give Jacobi.
L has a positive diagonal, so it is invertible and P = L L^T is SPD for any weights (though
outputs much larger than the a~_ij can make L numerically near-singular).

Why plain torch and not torch-geometric: the graph is nothing but A's CSR arrays, and the only
graph operation needed is a sum over a row's edges, which ``Tensor.index_add_`` does; the
message passing is a dozen lines, and pinnkit takes on no dependency (with its compiled
extensions per torch version) for them.

Training (:mod:`pinnkit.learned.factor_train`) fits P x ~ b over pairs (x = A^-1 b, b) of the
training family.  Weights are saved with the family name, its sizes and the feature settings
(:meth:`LearnedFactor.save`, :func:`load_factor`); a factor trained for one family is refused on
another's systems (:class:`FamilyMismatch`).
"""
from __future__ import annotations

import io
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn

from pinnkit._io import atomic_write
from pinnkit.linsys import LinearSystem, LowerPattern, Preconditioner, factor, lower_pattern

__all__ = ["FEATURES", "DEFAULT_FEATURES", "FORMAT", "FactorGraph", "FactorGNN", "EdgeUpdate", "LearnedFactor",
           "FamilyMismatch", "system_graph", "batch_graphs", "factor_values", "apply_factor_product", "load_factor"]

FORMAT = "pinnkit.learned_factor/1"
FEATURES = ("position", "rhs", "boundary")  # the node features there are
DEFAULT_FEATURES = ("position", "boundary")  # the rhs feature hurt on larger systems (module docstring)
EDGE_FEATURES = 2  # scaled entry, self-loop flag
OUTPUT_SCALE = 0.1  # the decoder's last weights start at this fraction of torch's default init, its bias at 0


class FamilyMismatch(ValueError):
    """A learned factor applied to a system of another family than it was trained for."""


@dataclass(frozen=True)
class FactorGraph:
    """A's sparsity graph with its features, and the maps from edge outputs to L (one system or a batch).

    ``receivers``/``senders``: (E,) row i and column j of each stored entry (CSR order);
    ``node_features`` (n, F), ``edge_features`` (E, 2) float32; ``degree`` (n,) edges per row;
    ``source``/``mirror``: for each lower entry (i >= j) its edge and the transpose partner's;
    ``lower_rows``/``lower_cols``: its row and column; ``diagonal``: the lower entries on the
    diagonal; ``sqrt_diag`` (n,) float64; ``scaled_lower`` (El,) float64: a~_ij of the lower
    entries; ``pattern``: the :class:`pinnkit.linsys.LowerPattern` (single systems only);
    ``offsets``: the first node of each system in a batch (its last entry is n).
    """

    n: int
    receivers: torch.Tensor
    senders: torch.Tensor
    node_features: torch.Tensor
    edge_features: torch.Tensor
    degree: torch.Tensor
    source: torch.Tensor
    mirror: torch.Tensor
    lower_rows: torch.Tensor
    lower_cols: torch.Tensor
    diagonal: torch.Tensor
    sqrt_diag: torch.Tensor
    scaled_lower: torch.Tensor
    offsets: torch.Tensor
    pattern: LowerPattern | None = None


def check_features(features: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    features = tuple(features)
    unknown = [f for f in features if f not in FEATURES]
    if unknown or len(set(features)) != len(features):
        raise ValueError(f"features must be distinct names among {', '.join(FEATURES)}; got {features!r}")
    return tuple(f for f in FEATURES if f in features)  # canonical order


def node_feature_count(features: tuple[str, ...]) -> int:
    return 2 * ("position" in features) + ("rhs" in features) + ("boundary" in features)


def system_graph(system: LinearSystem, features: tuple[str, ...] = DEFAULT_FEATURES, rhs: np.ndarray | None = None
                 ) -> FactorGraph:
    """The graph of ``system.A`` with node features from ``system`` (``rhs``: another b for the rhs feature;
    of several right-hand sides the first is used)."""
    features = check_features(features)
    A = sp.csr_matrix(system.A, dtype=np.float64)
    A.sort_indices()
    n = A.shape[0]
    diag = A.diagonal()
    if not np.all(diag > 0):
        raise ValueError(f"A needs a positive diagonal; row {int(np.argmin(diag))} has {diag.min():.3e}")
    rows = np.repeat(np.arange(n), np.diff(A.indptr))
    cols = A.indices.astype(np.int64)
    sqrt_diag = np.sqrt(diag)
    scaled = A.data / (sqrt_diag[rows] * sqrt_diag[cols])
    pattern = lower_pattern(A)
    columns = []
    if "position" in features:
        positions = np.asarray(system.positions, np.float64)[:, :2]
        columns.append(positions)
    if "rhs" in features:
        b = np.asarray(system.b if rhs is None else rhs, np.float64)
        b = b[:, 0] if b.ndim == 2 else b
        rms = np.sqrt(np.mean(b * b))
        columns.append((b / rms if rms > 0 else b)[:, None])
    if "boundary" in features:
        columns.append(np.asarray(system.boundary, np.float64)[:, None])
    node = np.concatenate(columns, axis=1) if columns else np.zeros((n, 0))
    edge = np.stack([scaled, (rows == cols).astype(np.float64)], axis=1)
    lower_rows = np.repeat(np.arange(n), np.diff(pattern.indptr))
    as_long = lambda a: torch.from_numpy(np.ascontiguousarray(a, dtype=np.int64))  # noqa: E731
    return FactorGraph(
        n=n, receivers=as_long(rows), senders=as_long(cols),
        node_features=torch.from_numpy(node).float(), edge_features=torch.from_numpy(edge).float(),
        degree=torch.from_numpy(np.diff(A.indptr).astype(np.float32)),
        source=as_long(pattern.source), mirror=as_long(pattern.mirror), lower_rows=as_long(lower_rows),
        lower_cols=as_long(pattern.indices), diagonal=as_long(pattern.diagonal),
        sqrt_diag=torch.from_numpy(sqrt_diag), scaled_lower=torch.from_numpy(scaled[pattern.source]),
        offsets=torch.tensor([0, n]), pattern=pattern)


def batch_graphs(graphs: list[FactorGraph]) -> FactorGraph:
    """The disjoint union of several graphs (node and edge indices shifted; no ``pattern``)."""
    if len(graphs) == 1:
        return graphs[0]
    nodes = np.cumsum([0] + [g.n for g in graphs])
    edges = np.cumsum([0] + [g.receivers.numel() for g in graphs])
    lowers = np.cumsum([0] + [g.source.numel() for g in graphs])
    cat = torch.cat
    return FactorGraph(
        n=int(nodes[-1]),
        receivers=cat([g.receivers + int(o) for g, o in zip(graphs, nodes)]),
        senders=cat([g.senders + int(o) for g, o in zip(graphs, nodes)]),
        node_features=cat([g.node_features for g in graphs]), edge_features=cat([g.edge_features for g in graphs]),
        degree=cat([g.degree for g in graphs]),
        source=cat([g.source + int(o) for g, o in zip(graphs, edges)]),
        mirror=cat([g.mirror + int(o) for g, o in zip(graphs, edges)]),
        lower_rows=cat([g.lower_rows + int(o) for g, o in zip(graphs, nodes)]),
        lower_cols=cat([g.lower_cols + int(o) for g, o in zip(graphs, nodes)]),
        diagonal=cat([g.diagonal + int(o) for g, o in zip(graphs, lowers)]),
        sqrt_diag=cat([g.sqrt_diag for g in graphs]), scaled_lower=cat([g.scaled_lower for g in graphs]),
        offsets=torch.from_numpy(nodes.astype(np.int64)))


def _mlp(inputs: int, hidden: int, outputs: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, outputs))


class EdgeUpdate(nn.Module):
    """e_ij -> e_ij + W2 relu(W1 [e_ij, h_i, h_j] + c1) + c2, with W1 applied blockwise: the node blocks
    act on the n node states before the gather, not on the E gathered copies (the same function, a
    third of the work per edge and no (E, 3 hidden) concatenation)."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.edge = nn.Linear(hidden, hidden)
        self.receiver = nn.Linear(hidden, hidden, bias=False)
        self.sender = nn.Linear(hidden, hidden, bias=False)
        self.out = nn.Linear(hidden, hidden)

    def forward(self, e: torch.Tensor, h: torch.Tensor, receivers: torch.Tensor, senders: torch.Tensor
                ) -> torch.Tensor:
        z = self.edge(e)
        z = z + self.receiver(h).index_select(0, receivers)
        z = z + self.sender(h).index_select(0, senders)
        return e + self.out(torch.relu_(z))


class FactorGNN(nn.Module):
    """Encode-process-decode on A's graph: one output per stored entry of A (see the module docstring)."""

    def __init__(self, node_features: int, hidden: int = 16, steps: int = 5) -> None:
        super().__init__()
        if not isinstance(hidden, int) or hidden < 1 or not isinstance(steps, int) or steps < 0:
            raise ValueError(f"hidden must be >= 1 and steps >= 0 (integers); got {hidden!r}, {steps!r}")
        self.config = dict(node_features=node_features, hidden=hidden, steps=steps)
        self.node_encoder = _mlp(max(node_features, 1), hidden, hidden)
        self.edge_encoder = _mlp(EDGE_FEATURES, hidden, hidden)
        self.edge_updates = nn.ModuleList([EdgeUpdate(hidden) for _ in range(steps)])
        self.node_updates = nn.ModuleList([_mlp(2 * hidden, hidden, hidden) for _ in range(steps)])
        self.decoder = _mlp(hidden, hidden, 1)
        with torch.no_grad():  # start near v = 0: the symmetric Gauss-Seidel factor
            self.decoder[-1].weight.mul_(OUTPUT_SCALE)
            self.decoder[-1].bias.zero_()

    def forward(self, graph: FactorGraph) -> torch.Tensor:
        """(E,) raw edge outputs o_ij, in the order of ``graph.receivers``.

        Without autograd (``torch.no_grad()``, as when building a preconditioner) the edge states
        are updated in place in three preallocated (E, hidden) buffers: the same arithmetic, but on
        the CPU a fresh tensor of 1e6 x 16 floats costs more in page faults than the operation
        that fills it (about 5x for an addition), so this path is several times faster.
        """
        dtype = self.decoder[-1].weight.dtype
        x = graph.node_features.to(dtype)
        if x.shape[1] == 0:
            x = torch.ones(graph.n, 1, dtype=dtype)
        if x.shape[1] != max(self.config["node_features"], 1):
            raise ValueError(f"the network takes {self.config['node_features']} node features, the graph has "
                             f"{graph.node_features.shape[1]}")
        h = self.node_encoder(x)
        receivers, senders = graph.receivers, graph.senders
        inverse_degree = (1.0 / graph.degree).to(dtype)[:, None]
        edge_features = graph.edge_features.to(dtype)
        if torch.is_grad_enabled():
            e = self.edge_encoder(edge_features)
            for edge_update, node_update in zip(self.edge_updates, self.node_updates):
                e = edge_update(e, h, receivers, senders)
                pooled = torch.zeros_like(h).index_add_(0, receivers, e) * inverse_degree
                h = h + node_update(torch.cat([h, pooled], dim=1))
            return self.decoder(e)[:, 0]
        return self._forward_in_place(h, edge_features, receivers, senders, inverse_degree)

    def _forward_in_place(self, h: torch.Tensor, edge_features: torch.Tensor, receivers: torch.Tensor,
                          senders: torch.Tensor, inverse_degree: torch.Tensor) -> torch.Tensor:
        """The forward pass of :meth:`forward` with the edge states updated in place (no autograd)."""
        hidden = self.config["hidden"]
        z = torch.empty(receivers.numel(), hidden, dtype=h.dtype)
        gathered = torch.empty_like(z)
        e = torch.empty_like(z)
        first, second = self.edge_encoder[0], self.edge_encoder[2]
        torch.addmm(first.bias, edge_features, first.weight.T, out=z).relu_()
        torch.addmm(second.bias, z, second.weight.T, out=e)
        for edge_update, node_update in zip(self.edge_updates, self.node_updates):
            torch.addmm(edge_update.edge.bias, e, edge_update.edge.weight.T, out=z)
            z.add_(torch.index_select(edge_update.receiver(h), 0, receivers, out=gathered))
            z.add_(torch.index_select(edge_update.sender(h), 0, senders, out=gathered))
            e.addmm_(z.relu_(), edge_update.out.weight.T).add_(edge_update.out.bias)
            pooled = torch.zeros_like(h).index_add_(0, receivers, e) * inverse_degree
            h = h + node_update(torch.cat([h, pooled], dim=1))
        first, second = self.decoder[0], self.decoder[2]
        torch.addmm(first.bias, e, first.weight.T, out=z).relu_()
        return torch.addmm(second.bias, z, second.weight.T)[:, 0]


def factor_values(graph: FactorGraph, outputs: torch.Tensor) -> torch.Tensor:
    """L's values on the lower entries (float64): symmetrised outputs, fixed diagonal sqrt(a_ii)."""
    v = 0.5 * (outputs[graph.source] + outputs[graph.mirror]).double()
    values = graph.sqrt_diag[graph.lower_rows] * (graph.scaled_lower + v)
    return values.index_copy(0, graph.diagonal, graph.sqrt_diag)


def apply_factor_product(graph: FactorGraph, values: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """L L^T x (x (n,) or (n, m)), differentiable in ``values``: L^T x then L of that, by index_add."""
    rows, cols = graph.lower_rows, graph.lower_cols
    weights = values if x.ndim == 1 else values[:, None]
    y = torch.zeros_like(x).index_add_(0, cols, weights * x[rows])
    return torch.zeros_like(x).index_add_(0, rows, weights * y[cols])


class LearnedFactor:
    """A trained network with what it was trained on: builds L and the preconditioner for a system.

    ``family``: the system family it was trained on; ``sizes``: the training sizes (``n``, number
    of systems, ...); ``features``: the node features; ``info``: training facts (loss, time, ...).
    """

    def __init__(self, family: str, network: FactorGNN | None = None, features: tuple[str, ...] = DEFAULT_FEATURES,
                 hidden: int = 16, steps: int = 5, sizes: dict[str, Any] | None = None,
                 info: dict[str, Any] | None = None) -> None:
        self.family = family
        self.features = check_features(features)
        self.network = network or FactorGNN(node_feature_count(self.features), hidden, steps)
        if self.network.config["node_features"] != node_feature_count(self.features):
            raise ValueError(f"the network takes {self.network.config['node_features']} node features; the "
                             f"features {self.features} are {node_feature_count(self.features)}")
        self.sizes = dict(sizes or {})
        self.info = dict(info or {})

    def __repr__(self) -> str:
        c = self.network.config
        return (f"LearnedFactor(family={self.family!r}, hidden={c['hidden']}, steps={c['steps']}, "
                f"features={self.features}, sizes={self.sizes})")

    def check_family(self, system: LinearSystem) -> None:
        """FamilyMismatch unless ``system`` is of the training family."""
        if system.family != self.family:
            raise FamilyMismatch(f"this learned preconditioner was trained for the {self.family!r} family and "
                                 f"cannot be applied to a {system.family!r} system: their sparsity patterns and "
                                 f"entries differ; train one for {system.family!r} (pinnkit train-preconditioner "
                                 f"{system.family} --out DIR)")

    def graph(self, system: LinearSystem) -> FactorGraph:
        self.check_family(system)
        return system_graph(system, self.features)

    def factor(self, system: LinearSystem) -> sp.csr_matrix:
        """L (scipy CSR, lower triangular with tril(A)'s pattern) for ``system``."""
        graph = self.graph(system)
        with torch.no_grad():
            values = factor_values(graph, self.network(graph))
        return graph.pattern.matrix(values.numpy())

    def preconditioner(self, system: LinearSystem, backend: str = "torch") -> Preconditioner:
        """P = L L^T for ``system`` through :func:`pinnkit.linsys.factor`; ``setup_s`` counts the graph,
        the network and the factor's set-up."""
        start = time.perf_counter()
        L = self.factor(system)
        return factor(L, name="learned", backend=backend, setup_s=time.perf_counter() - start,
                      family=self.family)

    def save(self, path: str | Path) -> Path:
        """Write the weights with the family, sizes, features and network settings (atomic torch.save)."""
        payload = dict(format=FORMAT, family=self.family, sizes=self.sizes, features=list(self.features),
                       network=dict(self.network.config), state_dict=self.network.state_dict(), info=self.info)
        buffer = io.BytesIO()
        torch.save(payload, buffer)
        return atomic_write(path, lambda handle: handle.write(buffer.getvalue()))

    @classmethod
    def load(cls, path: str | Path, family: str | None = None) -> LearnedFactor:
        """A factor saved by :meth:`save`; with ``family``, FamilyMismatch unless it was trained for it."""
        return load_factor(path, family)


def load_factor(path: str | Path, family: str | None = None) -> LearnedFactor:
    """Read a learned factor (FileNotFoundError if missing, ValueError if not a readable factor file;
    FamilyMismatch if ``family`` is given and differs from the training family)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no learned-preconditioner file at {path}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises several types (pickle, zip, runtime) for damaged files
        raise ValueError(f"{path} is not a readable learned-preconditioner file ({type(error).__name__}: "
                         f"{error})") from error
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a learned-preconditioner file (expected format {FORMAT!r})")
    saved = payload["family"]
    if family is not None and family != saved:
        raise FamilyMismatch(f"{path} holds a preconditioner trained for the {saved!r} family, not for {family!r}: "
                             f"their sparsity patterns differ; train one for {family!r}")
    config = payload["network"]
    network = FactorGNN(config["node_features"], config["hidden"], config["steps"])
    try:
        network.load_state_dict(payload["state_dict"])
    except RuntimeError as error:
        raise ValueError(f"{path}: the weights do not fit the saved network settings {config}: {error}") from error
    network.eval()
    return LearnedFactor(saved, network, tuple(payload["features"]), sizes=payload["sizes"], info=payload["info"])
