"""Ansatz networks: MLPs, input normalisation, periodic and Fourier embeddings, hard constraints,
the wall-exact stream function for 2-D incompressible flow.

``build_network(problem, ...)`` gives the usual composition; the pieces are public for solvers
that assemble their own. Every module is a plain ``torch.nn.Module`` that works under
``torch.func`` (``functional_call``, ``vmap``, ``jvp``, ``jacrev``).
"""
from pinnkit.nn.activations import ACTIVATIONS, get_activation
from pinnkit.nn.build import InputEncoding, Network, build_network
from pinnkit.nn.constraints import HardConstraint, box_distance, impose_initial, initial_distance
from pinnkit.nn.embeddings import FourierFeatures, PeriodicEmbedding, TrainablePeriodicEmbedding
from pinnkit.nn.mlp import MLP, xavier_normal
from pinnkit.nn.normalize import Normalize
from pinnkit.nn.stream_function import StreamFunction, lid_lift, lid_profile, stream_function_network

__all__ = [
    "ACTIVATIONS", "FourierFeatures", "HardConstraint", "InputEncoding", "MLP", "Network", "Normalize",
    "PeriodicEmbedding", "StreamFunction", "TrainablePeriodicEmbedding", "box_distance", "build_network",
    "get_activation", "impose_initial", "initial_distance", "lid_lift", "lid_profile", "stream_function_network",
    "xavier_normal",
]
