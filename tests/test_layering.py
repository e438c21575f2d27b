"""Imports flow one way: every import of a pinnkit module goes to the same or a lower layer, the
module graph has no cycles, and imports inside functions are only of heavy third-party packages,
each with its reason on the line.

The layers, bottom to top (docs/architecture.md). The checker reads the sources (top-level and
function-level imports alike); ``problems/`` is ``pinnkit.problems``.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LAYERS = [
    ["pinnkit._validate", "pinnkit._io", "pinnkit.progress", "pinnkit.threads"],
    ["pinnkit.nn", "pinnkit.data", "pinnkit.linsys"],
    ["pinnkit.autodiff"],
    ["pinnkit.domain", "pinnkit.conditions", "pinnkit.pde", "pinnkit.problem", "pinnkit.reference", "pinnkit.plot"],
    ["pinnkit.problems", "pinnkit.registry"],
    ["pinnkit.solvers", "pinnkit.learned"],
    ["pinnkit.result"],
    ["pinnkit.driver"],
    ["pinnkit.api"],
    ["pinnkit.landscape", "pinnkit.bench"],
    ["pinnkit.cli"],
    ["pinnkit"],
]
# Third-party packages that may be imported inside a function (slow to import or optional).
LAZY_OK = {"matplotlib", "tqdm", "torch._dynamo", "torch.utils.cpp_extension"}


def module_files() -> dict[str, Path]:
    files = {}
    for base, prefix in ((ROOT / "pinnkit", "pinnkit"), (ROOT / "problems", "pinnkit.problems")):
        for path in base.rglob("*.py"):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            files[".".join([prefix, *parts])] = path
    return files


def layer_of(module: str) -> int:
    best, depth = None, -1
    for i, layer in enumerate(LAYERS):
        for name in layer:
            if (module == name or module.startswith(name + ".")) and name.count(".") > depth:
                best, depth = i, name.count(".")
    assert best is not None, f"{module} is in no layer: add it to LAYERS and docs/architecture.md"
    return best


def imports(module: str, path: Path, modules: set[str]):
    """(imported pinnkit module, line, inside a function?) and the third-party function-level imports."""
    tree = ast.parse(path.read_text())
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    inner = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
             for n in ast.walk(f) if n is not f}
    ours, lazy_third_party = [], []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        for target in targets:
            if target == "pinnkit" or target.startswith("pinnkit."):
                while target not in modules and "." in target:
                    target = target.rpartition(".")[0]
                ours.append((target, node.lineno, id(node) in inner))
            elif id(node) in inner:
                lazy_third_party.append((target, node.lineno))
    return ours, lazy_third_party


def graph():
    files = module_files()
    modules = set(files)
    return files, {m: imports(m, p, modules) for m, p in files.items()}


def test_imports_go_down_the_layers_only():
    _, table = graph()
    upward = [f"{m}:{line} imports {t} (layer {layer_of(m)} -> {layer_of(t)})"
              for m, (ours, _) in table.items() for t, line, _ in ours if layer_of(t) > layer_of(m)]
    assert not upward, "upward imports:\n" + "\n".join(upward)


def test_no_import_cycles():
    _, table = graph()
    edges = {m: {t for t, _, _ in ours if t != m and not m.startswith(t + ".")} for m, (ours, _) in table.items()}
    state, cycles = {}, []

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_function_level_imports_only_for_heavy_packages_with_a_reason():
    files, table = graph()
    bad = []
    for module, (ours, lazy) in table.items():
        lines = files[module].read_text().splitlines()
        bad += [f"{module}:{line} imports {t} inside a function" for t, line, inner in ours if inner]
        for target, line in lazy:
            if not any(target == ok or target.startswith(ok + ".") for ok in LAZY_OK):
                bad.append(f"{module}:{line} imports {target} inside a function")
            elif "#" not in lines[line - 1]:
                bad.append(f"{module}:{line} imports {target} inside a function without a '# reason'")
    assert not bad, "\n".join(bad)


def test_the_checker_sees_an_upward_import(tmp_path):
    """The checker itself: an import from the data layer up to the api is found."""
    ours, _ = imports("pinnkit.data.x", _write(tmp_path, "from pinnkit.api import solve\n"), {"pinnkit.api"})
    assert ours == [("pinnkit.api", 1, False)] and layer_of("pinnkit.api") > layer_of("pinnkit.data.x")
    ours, lazy = imports("pinnkit.data.x", _write(tmp_path, "def f():\n    import scipy\n    from . import y\n"),
                         {"pinnkit.data.y"})
    assert ours == [("pinnkit.data.y", 3, True)] and lazy == [("scipy", 2)]


def _write(folder: Path, text: str) -> Path:
    path = folder / "x.py"
    path.write_text(text)
    return path
