"""No import circle anywhere in qualcode, imports inside functions counted.

An import inside a function hides a circle from Python (it runs late, after both modules have
loaded) but not from the reader: two modules that import each other are one module in two files,
and a change to either can break the other. import-linter cannot say "no circle" over the whole
package, so this builds the import graph with grimp (the library import-linter uses), which reads
every ``import`` statement in a module, at any depth, and looks for strongly connected sets.
Imports under ``if TYPE_CHECKING:`` are left out: they never run."""

from __future__ import annotations

import grimp


def circles(graph) -> list[list[str]]:
    """The import circles of ``graph``: each a set of modules that all reach each other (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    imports = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}

    def visit(root: str) -> None:  # iterative, so a long chain of imports cannot overflow the stack
        nonlocal counter
        work = [(root, iter(sorted(imports[root])))]
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
                    work.append((child, iter(sorted(imports[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                members = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    members.append(member)
                    if member == node:
                        break
                if len(members) > 1:
                    found.append(sorted(members))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_the_graph_counts_imports_inside_functions():
    graph = grimp.build_graph("qualcode", cache_dir=None, exclude_type_checking_imports=True)
    # qualcode.cli.workbench imports the workbench inside open_workbench, and only there.
    assert graph.direct_import_exists(importer="qualcode.cli.workbench", imported="qualcode.tui")


def test_no_import_circle_in_qualcode():
    graph = grimp.build_graph("qualcode", cache_dir=None, exclude_type_checking_imports=True)
    found = circles(graph)
    details = []
    for members in found:
        for a in members:
            for b in members:
                for line in graph.get_import_details(importer=a, imported=b):
                    details.append(f"  {a}:{line['line_number']}  {line['line_contents']}")
    assert found == [], "import circles:\n" + "\n".join(details)


def test_circles_finds_a_circle():
    graph = grimp.ImportGraph()
    for module in ("a", "b", "c", "d"):
        graph.add_module(module)
    graph.add_import(importer="a", imported="b")
    graph.add_import(importer="b", imported="c")
    graph.add_import(importer="c", imported="a")
    graph.add_import(importer="c", imported="d")
    assert circles(graph) == [["a", "b", "c"]]
