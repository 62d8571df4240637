"""Dependencies point one way: workflows (pure rules and the flow) ← services ← Celery tasks.

Read from the source with `ast`, imports inside functions included, so a late import cannot
hide a cycle. Side effects after commit go through one path, `services.outbox`.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("casework/services", "workflows")
EXTRA = ("casework/tasks.py",)
OUTBOX = "casework.services.outbox"


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources(folders=PACKAGES, extra=EXTRA) -> dict[str, Path]:
    paths = [p for folder in folders for p in sorted((ROOT / folder).glob("*.py"))]
    paths += [ROOT / name for name in extra]
    return {_module(p): p for p in paths}


def _imported(module: str, path: Path, node: ast.AST) -> list[str]:
    """The dotted names an import statement may load (for `from a import b`, a.b and a)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        package = module.split(".")
        if path.name != "__init__.py":
            package = package[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join(package + ([node.module] if node.module else []))
    else:
        base = node.module
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def _imports(module: str, path: Path) -> list[tuple[str, int]]:
    """Every import in the file, at any depth, as (dotted name, line)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import | ast.ImportFrom):
            found += [(name, node.lineno) for name in _imported(module, path, node)]
    return found


def _graph(sources: dict[str, Path]) -> dict[str, set[str]]:
    """Module → the modules among `sources` it imports."""
    graph: dict[str, set[str]] = {module: set() for module in sources}
    for module, path in sources.items():
        for name, _line in _imports(module, path):
            # `from pkg import mod` names a module; `from mod import func` names its module.
            while name and name not in sources:
                name = name.rpartition(".")[0]
            if name and name != module:
                graph[module].add(name)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_cycle_in(graph, component) for component in components]


def _cycle_in(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    start = min(component)
    path, seen = [start], {start}
    while True:
        following = sorted(t for t in graph[path[-1]] if t in component)
        if start in following and len(path) > 1:
            return [*path, start]
        step = next((t for t in following if t not in seen), None)
        if step is None:  # only old ground left: the cycle is the loop back into the path
            step = following[0]
            return [*path[path.index(step):], step]
        path.append(step)
        seen.add(step)


def test_services_workflows_and_tasks_import_without_a_cycle():
    graph = _graph(_sources())

    cycles = _cycles(graph)

    assert not cycles, "import cycles:\n" + "\n".join(" → ".join(c) for c in cycles)


def test_the_cycle_finder_finds_and_prints_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}

    assert _cycles(graph) == [["a", "b", "c", "a"]]


def test_workflows_import_nothing_of_casework():
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for module, path in _sources(("workflows",), ()).items()
        for name, line in _imports(module, path)
        if name == "casework" or name.startswith("casework.")
    ]

    assert not found, "\n".join(found)


def test_services_never_import_the_celery_door():
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for module, path in _sources(("casework/services",), ()).items()
        for name, line in _imports(module, path)
        if name == "casework.tasks" or name.startswith("casework.tasks.")
    ]

    assert not found, "\n".join(found)


# Calls that enqueue or defer work; only the outbox (and Celery's own door) make them.
DEFERRING = {"delay", "apply_async", "send_task", "on_commit"}


def _calls(path: Path, names: set[str]) -> list[tuple[str, int, ast.Call]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in names:
                found.append((name, node.lineno, node))
    return found


def _casework_sources() -> dict[str, Path]:
    return {
        _module(p): p
        for p in sorted((ROOT / "casework").rglob("*.py"))
        if "migrations" not in p.parts
    }


def test_side_effects_after_commit_go_through_the_outbox():
    # The worker's start-up hook in tasks.py asks for a catch-up directly: it runs in no
    # transaction and is Celery's own door.
    allowed = {OUTBOX, "casework.tasks"}
    found = [
        f"{path.relative_to(ROOT)}:{line} calls {name}"
        for module, path in _casework_sources().items()
        if module not in allowed
        for name, line, _call in _calls(path, DEFERRING)
    ]

    assert not found, "\n".join(found)


def test_every_task_the_outbox_is_given_is_a_registered_task():
    from celery import current_app

    named = {
        call.args[0].value: f"{path.relative_to(ROOT)}:{line}"
        for _module_name, path in _casework_sources().items()
        for _name, line, call in _calls(path, {"after_commit"})
        if call.args and isinstance(call.args[0], ast.Constant)
    }

    assert "casework.tasks.notifications_deliver" in named
    unknown = {where: name for name, where in named.items() if name not in current_app.tasks}
    assert not unknown, unknown
