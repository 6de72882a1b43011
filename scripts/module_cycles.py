#!/usr/bin/env python3
"""Lists import cycles between the modules of a crate's source tree.

    scripts/module_cycles.py faker-pg/src            # exit 1 when a cycle exists
    scripts/module_cycles.py faker-core/src --report # print cycles, exit 0

An edge A -> B is a `crate::..`/`super::..` path in A's code (comments and `#[cfg(test)] mod
tests` left out) whose longest module prefix is B. A `mod.rs` naming its own descendants
(declaring or re-exporting them) is not an edge: that is how Rust modules are built, not a
dependency of the parent's code on the child's. Text-based on purpose: fast, no compiler, and
good enough for our own layout (no macros that build paths).
"""
import os
import re
import sys


def module_of(root, path):
    parts = os.path.relpath(path, root)[:-3].split(os.sep)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)


def edges_of(root):
    files = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith(".rs")]
    modules = {module_of(root, f): f for f in files}
    edges = {}
    for module, path in modules.items():
        with open(path, encoding="utf-8") as f:
            src = f.read()
        src = re.split(r"#\[cfg\(test\)\]\s*mod tests", src)[0]
        src = "\n".join(l for l in src.split("\n") if not l.lstrip().startswith("//"))
        deps = set()
        for use in re.findall(r"\b((?:crate|super)(?:::\w+)+)", src):
            parts = use.split("::")
            if parts[0] == "crate":
                full = parts[1:]
            else:
                base = list(module)
                while parts and parts[0] == "super":
                    parts, base = parts[1:], base[:-1]
                full = base + parts
            target = next(
                (tuple(full[:i]) for i in range(len(full), 0, -1) if tuple(full[:i]) in modules),
                None,
            )
            descendant = target is not None and len(target) > len(module) and target[: len(module)] == module
            if target is not None and target != module and not descendant:
                deps.add(target)
        edges[module] = deps
    return edges


def cycles(edges):
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in list(edges):
        if v not in index:
            visit(v)
    return found


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    edges = edges_of(args[0])
    found = cycles(edges)
    name = lambda m: "::".join(m) or "crate"
    for component in found:
        print("cycle:", ", ".join(sorted(name(m) for m in component)))
        for a in component:
            for b in sorted(edges[a]):
                if b in component:
                    print(f"    {name(a)} -> {name(b)}")
    print(f"{args[0]}: {len(edges)} modules, {len(found)} import cycle(s)")
    return 1 if found and "--report" not in sys.argv else 0


if __name__ == "__main__":
    sys.exit(main())
