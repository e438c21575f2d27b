"""A tiny YAML subset for PDEBench's per-sample ``config`` attributes (PyYAML is not a dependency).

Reads block mappings nested by indentation, ``key: value`` scalars (int, float, bool, null,
quoted or bare strings), inline lists ``[a, b]`` and ``- item`` block lists of scalars; comments
after `` #`` are dropped. Anything else is a ValueError naming the line. :func:`dump` writes
the same subset.
"""
from __future__ import annotations

import re
from typing import Any

__all__ = ["load", "dump"]

_FLOAT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?(inf|\.inf|nan|\.nan)$", re.I)


def _scalar(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip()
        return [_scalar(part) for part in inner.split(",")] if inner else []
    low = text.lower()
    if low in ("null", "~", ""):
        return None
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    if re.fullmatch(r"[-+]?\d+", text):
        return int(text)
    if _FLOAT.match(text):
        return float(low.replace(".inf", "inf").replace(".nan", "nan"))
    return text


def _strip_comment(line: str) -> str:
    if line.lstrip().startswith("#"):
        return ""
    match = re.search(r"\s#", line)
    return line[:match.start()] if match and "'" not in line and '"' not in line else line


def load(text: str) -> dict[str, Any]:
    """Parse the YAML subset into nested dicts (see the module docstring)."""
    lines = [(len(raw) - len(raw.lstrip(" ")), _strip_comment(raw).strip(), number)
             for number, raw in enumerate(text.splitlines(), 1)]
    lines = [item for item in lines if item[1] and item[1] != "---"]
    root: dict[str, Any] = {}
    stack: list[tuple[int, Any]] = [(-1, root)]
    pending: tuple[dict, str, int] | None = None  # a "key:" whose block has not started yet
    for indent, line, number in lines:
        if pending is not None:
            parent, key, key_indent = pending
            pending = None
            if indent > key_indent:
                container: Any = [] if line.startswith("- ") or line == "-" else {}
                parent[key] = container
                stack.append((indent, container))
        while stack and indent < stack[-1][0]:
            stack.pop()
        if not stack or indent != stack[-1][0] and stack[-1][0] != -1:
            raise ValueError(f"YAML line {number}: unexpected indentation: {line!r}")
        if stack[-1][0] == -1 and indent != 0:
            raise ValueError(f"YAML line {number}: unexpected indentation: {line!r}")
        container = stack[-1][1]
        if line.startswith("- ") or line == "-":
            if not isinstance(container, list):
                raise ValueError(f"YAML line {number}: list item outside a list: {line!r}")
            container.append(_scalar(line[1:]))
            continue
        if ":" not in line or not isinstance(container, dict):
            raise ValueError(f"YAML line {number}: expected 'key: value', got {line!r}")
        key, _, value = line.partition(":")
        key = str(_scalar(key))
        if value.strip():
            container[key] = _scalar(value)
        else:
            container[key] = None
            pending = (container, key, indent)
    return root


def _dump_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_dump_scalar(v) for v in value) + "]"
    text = str(value)
    return repr(text) if _scalar(text) != text or ":" in text or "#" in text else text


def dump(data: dict[str, Any], indent: int = 0) -> str:
    """Write nested dicts of scalars and scalar lists in the subset :func:`load` reads."""
    out = []
    for key, value in data.items():
        if isinstance(value, dict):
            out.append(" " * indent + f"{key}:")
            out.append(dump(value, indent + 2).rstrip("\n"))
        else:
            out.append(" " * indent + f"{key}: {_dump_scalar(value)}")
    return "\n".join(line for line in out if line) + "\n"
