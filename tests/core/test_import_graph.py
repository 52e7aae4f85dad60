"""The shape of the code, held by a test (standard library only): no import circles anywhere in
the product — function-level imports included — and a domain that imports no framework."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("models", "api", "jobs", "admin", "cli", "ops")
TOP_MODULES = ("settings", "piccolo_conf")
FRAMEWORKS = ("litestar", "strawberry", "graphql", "arq", "piccolo_admin", "piccolo_api", "starlette",
              "fastapi", "uvicorn", "httpx", "api", "jobs", "admin", "cli")
DOMAINS = ("access", "catalogue", "people", "asking", "reviews", "quotes")


def modules() -> dict[str, Path]:
    found = {name: ROOT / f"{name}.py" for name in TOP_MODULES}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(path: Path) -> set[str]:
    """Every module named by an import anywhere in the file (inside functions too)."""
    named = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            named.add(node.module)
            named.update(f"{node.module}.{alias.name}" for alias in node.names)
    return named


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {m for m in imports(path) if m in known and m != name} for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, without recursion)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], 0
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_there_are_no_import_circles():
    assert cycles(graph()) == []


def test_the_cycle_check_can_fail():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]


def test_the_domain_imports_no_framework_and_no_adapter():
    offending = {
        name: sorted(m for m in imports(path) if m.split(".")[0] in FRAMEWORKS)
        for name, path in modules().items() if name.split(".")[0] == "models"
    }
    assert {name: found for name, found in offending.items() if found} == {}


def test_the_shared_core_depends_on_no_domain():
    edges = graph()
    leaks = {name: sorted(d for d in deps if d.split(".")[1:2] and d.split(".")[1] in DOMAINS)
             for name, deps in edges.items() if name.startswith("models.core")}
    assert {name: found for name, found in leaks.items() if found} == {}


def test_every_domain_is_found_by_the_same_word_in_every_layer():
    for domain in DOMAINS:
        for layer in ("models", "api", "tests"):
            assert (ROOT / layer / domain / "__init__.py").exists(), f"{layer}/{domain}/"
    for layer in ("jobs", "admin"):
        present = {p.name for p in (ROOT / layer).iterdir() if p.is_dir() and p.name in DOMAINS}
        assert present, layer


def test_no_module_is_much_over_400_lines():
    """≈400 lines is the smell: past it, a module is two things."""
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text().splitlines())) > 420}
    assert long == {}
