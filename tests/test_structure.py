"""The package's structure: no import cycles, even through imports inside functions."""

import ast
from pathlib import Path

import recommender

PACKAGE = Path(recommender.__file__).resolve().parent


def _graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports (at module level or inside functions)."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ["recommender", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.level:
                continue
            base = package.split(".")[:len(package.split(".")) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
            names = [f"{target}.{alias.name}" for alias in node.names]
            submodules = [n for n in names if n in modules]
            if target in modules and len(submodules) < len(names):
                graph[name].add(target)
            graph[name].update(submodules)
            graph[name].discard(name)
    return graph


def test_no_module_imports_itself_through_others():
    graph = _graph()
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt in path:
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in done:
                visit(nxt, path + [nxt])
        done.add(node)

    done: set[str] = set()
    for start in sorted(graph):
        if start not in done:
            visit(start, [start])
    assert cycles == []


PUBLIC = {"__init__", "cli", "sweep", "scenarios"}


def test_internal_modules_are_private():
    """Only the package, the command, the sweep runner and the scenario scorer are public; every
    other module's name starts with an underscore (docs/architecture.md)."""
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert {m for m in modules if not m.startswith("_")} | {"__init__"} == PUBLIC
    assert not [p for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
