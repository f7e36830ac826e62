#!/usr/bin/env python3
"""Lists which top-level modules of src/ use which (through `crate::` paths) and
reports every cycle among them, with the lines that make each edge.

Run from the repository root: `python3 scripts/import_cycles.py`. Exits 1 when there
is a cycle. Not part of CI: a layering check to run after moving code around.

A module is a top-level file of src/ with the folder of the same name beside it. The
crate root (lib.rs) counts as a module too: a name it re-exports (`pub use m::Name`)
is counted as a use of `m`, anything it defines itself as a use of the root. The
binary (main.rs and the modules it declares) is its own crate and is left out.
"""

import re
import sys
from collections import defaultdict
from pathlib import Path

SRC = Path("src")
ROOT = "lib"


def without_comments(text):
    # Only line comments matter here: block comments do not hold `crate::` in this code.
    return "\n".join(line.split("//", 1)[0] for line in text.splitlines())


def declared_modules(root_file):
    return set(re.findall(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", root_file.read_text(), re.M))


def reexports(lib_text):
    """Names lib.rs re-exports from one of its modules, mapped to that module."""
    names = {}
    for module, group in re.findall(r"pub\s+use\s+(\w+)::\{([^}]*)\}", lib_text):
        for name in re.findall(r"\w+", group):
            names[name] = module
    for module, name in re.findall(r"pub\s+use\s+(\w+)::(\w+)\s*;", lib_text):
        names[name] = module
    return names


def group_heads(text, start):
    """First path segment of each element of the `{...}` group opening at `start`."""
    depth, element, heads = 0, "", []
    for ch in text[start:]:
        if ch == "{":
            depth += 1
            if depth == 1:
                continue
        elif ch == "}":
            depth -= 1
            if depth == 0:
                break
        if depth == 1 and ch == ",":
            heads.append(element)
            element = ""
        else:
            element += ch
    heads.append(element)
    return [m.group(0) for h in heads if (m := re.match(r"\w+", h.strip()))]


def crate_paths(text):
    """(line, first segment) of every `crate::` path in the text."""
    for m in re.finditer(r"\bcrate::(\{|\w+)", text):
        line = text.count("\n", 0, m.start()) + 1
        if m.group(1) == "{":
            for head in group_heads(text, m.start(1)):
                yield line, head
        else:
            yield line, m.group(1)


def module_of(path, modules):
    rel = path.relative_to(SRC)
    head = rel.parts[0].removesuffix(".rs")
    if head == "lib":
        return ROOT
    return head if head in modules else None


def edges(modules, names):
    found = defaultdict(list)
    for path in sorted(SRC.rglob("*.rs")):
        module = module_of(path, modules)
        if module is None:
            continue
        text = without_comments(path.read_text())
        if module == ROOT:
            # The root may also name its modules without `crate::`.
            for m in re.finditer(r"(?<![\w:])(\w+)::", text):
                if m.group(1) in modules:
                    line = text.count("\n", 0, m.start()) + 1
                    found[(ROOT, m.group(1))].append(f"{path}:{line}")
        for line, head in crate_paths(text):
            target = head if head in modules else names.get(head, ROOT)
            if target != module:
                found[(module, target)].append(f"{path}:{line}")
    return found


def cycles(nodes, found):
    """Strongly connected components with more than one module (Tarjan)."""
    graph = defaultdict(set)
    for a, b in found:
        graph[a].add(b)
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return components


def main():
    lib = SRC / "lib.rs"
    modules = declared_modules(lib)
    names = reexports(lib.read_text())
    found = edges(modules, names)
    for (a, b), places in sorted(found.items()):
        print(f"{a} -> {b} ({len(places)})")
    components = cycles(modules | {ROOT}, found)
    for component in components:
        print(f"\ncycle among {', '.join(component)}:")
        for (a, b), places in sorted(found.items()):
            if a in component and b in component:
                print(f"  {a} -> {b}: {', '.join(places[:5])}")
    if not components:
        print("\nno cycles")
    return 1 if components else 0


if __name__ == "__main__":
    sys.exit(main())
