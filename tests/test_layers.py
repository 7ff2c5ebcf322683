"""The plan of the house, checked from the code's own imports (docs/ARCHITECTURE.md, "The plan of the house").

Every import is read with ``ast`` (module level and inside functions, ``TYPE_CHECKING`` blocks excepted):
the knowledge base imports nothing of search or the bot, search nothing of the bot, only the composition
root wires search into the bot, and no two parts of the product import each other, directly or in a circle.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_database

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("faq", "index", "bot", "scripts")
# index.search (Searcher, SearchOutcome) and index.build (a rebuild after a console edit) are its public face
SEARCH_INTERNALS = ("index.snapshot", "index.vectors", "index.lexical", "index.cache", "index.embedders")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    found = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    edges = {}
    for name, path in modules.items():
        targets = set()
        for imported in imports_of(path):
            # "from bot.desk import tickets" names the module bot.desk.tickets
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        edges[name] = targets
    return edges


def part(module: str) -> str:
    """The unit of the plan a module belongs to: a top-level package, a sub-package of bot/, or a
    module directly under bot/."""
    pieces = module.split(".")
    if pieces[0] != "bot" or len(pieces) == 1:
        return pieces[0]
    return ".".join(pieces[:2])


def test_the_knowledge_base_imports_nothing_of_search_or_the_bot():
    wrong = {m: sorted(t for t in ts if part(t) != "faq") for m, ts in graph().items() if part(m) == "faq"}
    assert not {m: ts for m, ts in wrong.items() if ts}


def test_search_imports_nothing_of_the_bot_or_the_staff_tools():
    wrong = {m: sorted(t for t in ts if part(t) not in ("faq", "index"))
             for m, ts in graph().items() if part(m) == "index"}
    assert not {m: ts for m, ts in wrong.items() if ts}


def test_no_part_of_the_bot_reads_search_internals():
    wrong = {m: sorted(t for t in ts if t.startswith(SEARCH_INTERNALS))
             for m, ts in graph().items() if part(m).startswith("bot") and m != "bot.app"}
    assert not {m: ts for m, ts in wrong.items() if ts}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of two or more nodes (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_two_parts_import_each_other_even_in_a_circle():
    edges: dict[str, set[str]] = {}
    for module, targets in graph().items():
        edges.setdefault(part(module), set()).update(part(t) for t in targets if part(t) != part(module))
    assert circles(edges) == []


def test_the_checks_see_what_they_look_for():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []
    assert part("bot.desk.tickets") == "bot.desk" and part("bot.app") == "bot.app" and part("faq.store") == "faq"
    assert "bot.desk.tickets" in graph()["bot.desk.service"]   # "from bot.desk.tickets import ..." is seen
