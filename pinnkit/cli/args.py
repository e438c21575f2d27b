"""Argument types and options shared by the ``pinnkit`` sub-commands."""
from __future__ import annotations

import argparse
import ast
from typing import Any

from pinnkit.problems.presets import read_config_file


def parse_assignment(text: str) -> tuple[str, Any]:
    """``"nu=0.01"`` -> ``("nu", 0.01)``; values are Python literals, else strings."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected name=value, got {text!r}")
    name, raw = text.split("=", 1)
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw
    return name.strip(), value


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def add_param_option(p: argparse.ArgumentParser, help: str = "problem parameter (repeatable), e.g. --param nu=0.01") -> None:
    p.add_argument("--param", action="append", type=parse_assignment, default=[], metavar="NAME=VALUE", help=help)


def add_config_options(p: argparse.ArgumentParser) -> None:
    """``--config FILE.toml`` and ``--set KEY=VALUE`` (applied on top of the file)."""
    p.add_argument("--config", default=None, metavar="FILE.toml",
                   help="a TOML file of solver config overrides (plain 'key = value' lines)")
    p.add_argument("--set", action="append", type=parse_assignment, default=[], metavar="KEY=VALUE",
                   help="solver config override (repeatable, on top of --config), e.g. --set adam_steps=2000")


def add_threads_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--threads", type=positive_int, default=None, metavar="N",
                   help="CPU threads (default: 1 for small networks, else the idle cores)")


def config_overrides(args: argparse.Namespace) -> dict[str, Any] | None:
    """The overrides of ``--config`` and ``--set`` together (``None`` when neither is given)."""
    values = read_config_file(args.config) if args.config else {}
    values.update(dict(args.set))
    return values or None


def add_resolution_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--reduced-resolution", type=int, default=1, metavar="R", help="keep every R-th point in space")
    p.add_argument("--reduced-resolution-t", type=int, default=1, metavar="R", help="keep every R-th time frame")
