#!/usr/bin/env python3
"""Structure checks anyone can run: long functions and the import layering of greenmine_geo.

    python scripts/check_structure.py        # exit 1 and one line per problem, else "ok"

* **Long functions.** A function or method over :data:`MAX_LINES` lines is a problem
  unless its docstring says why, in a line starting with ``Long because:``.
* **Layers.** Imports run one way: a module may import modules of its own layer or of a
  lower one, never of a higher one (:data:`LAYERS`, lowest first). Imports inside
  functions count too.

The layers differ from the first sketch in ARCHITECTURE.md in two places, for reasons
the code shows: ``crs`` and ``geometry`` are pure maths below ``io`` (reading a layer
normalises its CRS at the boundary), and ``steps`` sit above ``report``/``maps``
(a step is the glue that draws its own figures and pages), while the typed results
that both consume are read back by ``run_results`` below them.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = "greenmine_geo"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE
MAX_LINES = 80

#: Layers, lowest first; each entry lists module prefixes (relative to the package).
LAYERS: list[tuple[str, ...]] = [
    ("_version", "errors", "types", "progress", "terms"),
    ("crs", "geometry"),
    ("io", "config"),
    ("layers", "overlay", "imagery"),
    ("checks",),
    ("run_results",),
    ("report", "maps"),
    ("steps",),
    ("pipeline", "api", "cli", "demo", "__init__", "__main__"),
]


def layer_of(module: str) -> int:
    """The layer index of a module path like ``io.vector`` (longest prefix wins)."""
    best, rank = -1, -1
    for k, prefixes in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best:
                best, rank = len(p), k
    if rank < 0:
        raise SystemExit(f"{module}: in no layer; add it to LAYERS in {Path(__file__).name}")
    return rank


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def _imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """Package-internal modules an import statement names (relative to the package)."""
    out = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                out.append(alias.name.removeprefix(PACKAGE).lstrip(".") or "__init__")
    elif isinstance(node, ast.ImportFrom):
        if node.level == 0:
            if node.module and (node.module == PACKAGE or node.module.startswith(PACKAGE + ".")):
                base = node.module.removeprefix(PACKAGE).lstrip(".")
            else:
                return []
        else:
            here = module.split(".") if module != "__init__" else []
            keep = len(here) - node.level + (1 if is_package else 0)
            base = ".".join([*here[: max(keep, 0)], *([node.module] if node.module else [])])
        if base:
            out.append(base)
        else:  # from . import x: a module of the package, or a name from its __init__
            for a in node.names:
                is_module = (ROOT / a.name).is_dir() or (ROOT / f"{a.name}.py").exists()
                out.append(a.name if is_module else "__init__")
    return out


def problems() -> list[str]:
    """Every long function and every import against the layers, one line each."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        module = _module_name(path)
        rank = layer_of(module)
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                doc = ast.get_docstring(node) or ""
                if length > MAX_LINES and "Long because:" not in doc:
                    found.append(
                        f"{path.relative_to(ROOT.parent)}:{node.lineno}: {node.name} has "
                        f"{length} lines (over {MAX_LINES}; split it or say 'Long because:' why)"
                    )
            for target in _imported(node, module, path.name == "__init__.py"):
                if layer_of(target) > rank:
                    found.append(
                        f"{path.relative_to(ROOT.parent)}:{node.lineno}: {module} (layer "
                        f"{rank}) imports {target} (layer {layer_of(target)}): imports run "
                        "from higher layers to lower ones only"
                    )
    return found


def main() -> int:
    found = problems()
    for line in found:
        print(line)
    print("ok" if not found else f"{len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
