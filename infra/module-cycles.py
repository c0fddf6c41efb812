#!/usr/bin/env python3
"""Fails when modules of one crate import each other in a circle.

Usage: infra/module-cycles.py            every workspace member (from `cargo metadata`)
       infra/module-cycles.py DIR NAME   one crate: its src folder and its crate name

A module is a file (`a/b.rs` or `a/b/mod.rs` is module a::b). It depends on every module
it names by path: `crate::x::y`, `super::x`, `self::x`, or `<crate name>::x` (a crate's
tests and binaries name their library that way). A module's references to modules inside
it are its structure, not dependencies, and are left out. Every strongly connected set of
more than one module is printed; the exit status is 1 when there is any.
"""

import json
import os
import re
import subprocess
import sys

PATH = re.compile(r"\b((?:crate|super|self|[a-z_][a-z0-9_]*)(?:::[A-Za-z_][A-Za-z0-9_]*)+)")
GROUP = re.compile(r"\b((?:crate|super|self|[a-z_][a-z0-9_]*)(?:::[a-z_][a-z0-9_]*)*)::\{([^{}]*)\}")
COMMENT = re.compile(r"//[^\n]*")


def modules_of(src):
    """Module path (tuple) -> file, for every .rs file under src."""
    found = {}
    for root, _, names in os.walk(src):
        for name in names:
            if not name.endswith(".rs"):
                continue
            parts = os.path.relpath(os.path.join(root, name), src)[:-3].split(os.sep)
            if parts[-1] in ("mod", "lib", "main"):
                parts = parts[:-1]
            found[tuple(parts)] = os.path.join(root, name)
    return found


def paths_in(text):
    """Every `a::b::c` path in the text, with `a::{b, c::d}` groups spelled out."""
    text = COMMENT.sub("", text)
    for head, inner in GROUP.findall(text):
        for member in inner.split(","):
            member = member.strip().split(" as ")[0].strip()
            if member and member != "self" and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_:]*", member):
                yield f"{head}::{member}"
            elif member == "self":
                yield head
    yield from PATH.findall(text)


def target(module, path, crate, modules):
    """The module file a path names, seen from `module`, or None."""
    parts = path.split("::")
    if parts[0] == "crate" or parts[0] == crate:
        base, rest = (), parts[1:]
    elif parts[0] == "super":
        base = module
        while parts and parts[0] == "super":
            base, parts = base[:-1], parts[1:]
        rest = parts
    elif parts[0] == "self":
        base, rest = module, parts[1:]
    else:
        return None
    # The longest prefix of the path that is a module file (`super::Item` names the parent).
    for length in range(len(rest), -1, -1):
        candidate = base + tuple(rest[:length])
        if candidate in modules:
            return candidate
    return None


def graph(src, crate):
    modules = modules_of(src)
    edges = {m: set() for m in modules}
    for module, file in modules.items():
        with open(file, encoding="utf-8") as f:
            text = f.read()
        for path in paths_in(text):
            found = target(module, path, crate, modules)
            inside = found is not None and found[: len(module)] == module
            if found is not None and not inside:
                edges[module].add(found)
    return edges


def cycles(edges):
    """Strongly connected sets of more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def members():
    metadata = json.loads(
        subprocess.check_output(["cargo", "metadata", "--no-deps", "--format-version", "1"])
    )
    for package in metadata["packages"]:
        root = os.path.dirname(package["manifest_path"])
        libs = [t for t in package["targets"] if "lib" in t["kind"]]
        name = libs[0]["name"] if libs else package["name"].replace("-", "_")
        yield os.path.join(root, "src"), name


def main():
    crates = [(sys.argv[1], sys.argv[2])] if len(sys.argv) == 3 else list(members())
    total = 0
    for src, crate in crates:
        for group in cycles(graph(src, crate)):
            total += 1
            print(f"cycle in {crate}: " + ", ".join("/".join(m) or "(root)" for m in group))
    print(f"module cycles: {total} in {len(crates)} crates")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
