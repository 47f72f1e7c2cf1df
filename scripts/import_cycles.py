#!/usr/bin/env python3
"""Import cycles between the files of src/, and the twins' independence.

Reads every `crate::…`, `super::…` and `self::…` path (in `use` trees and in code), maps each to
the file that defines that module, and reports every cycle between files (a strongly connected
component of more than one file) and every reference the layout forbids (the two twins reaching
into each other). Exit 0 when there is none, 1 otherwise, 2 for bad usage.

    python3 scripts/import_cycles.py [SRC_DIR]     (default: src/ beside this script)
    python3 scripts/import_cycles.py --graph       the file-to-file edges, one per line

The binary (main.rs) and `#[cfg(test)]` code count like everything else: a test module that
reaches up is a cycle as much as any other.
"""

import os
import re
import sys

# (from-prefix, to-prefix): no file under the first module may name a file under the second.
# The twins meet only in the harness, through plain values.
FORBIDDEN = [
    ("manual", "burn_mlp"),
    ("burn_mlp", "manual"),
    ("manual", "lockstep"),
    ("burn_mlp", "lockstep"),
    ("manual", "agreement"),
    ("agreement", "manual"),
    ("agreement", "burn_mlp"),
    # The exact reference judges the twins: it calls neither, and neither calls it.
    ("exact", "manual"),
    ("exact", "burn_mlp"),
    ("manual", "exact"),
    ("burn_mlp", "exact"),
    # It is the lowest room of the mathematics: the bound and the judges build on it.
    ("exact", "agreement"),
    ("exact", "check"),
    ("exact", "grads"),
    ("exact", "lockstep"),
]

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip_comments_and_strings(text):
    """The code with comments, string and char literals blanked (line structure kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    out.append("\n" if text[i] == "\n" else "")
                    i += 1
        elif c == "r" and re.match(r'r#*"', text[i:i + 10]) and (i == 0 or not re.match(r"\w", text[i - 1])):
            m = re.match(r'r(#*)"', text[i:])
            close = '"' + m.group(1)
            j = text.find(close, i + len(m.group(0)))
            j = n if j < 0 else j + len(close)
            out.append('""')
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""')
            i = j + 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i + 4]) or c == "'" and re.match(r"'\\u\{[0-9a-fA-F]+\}'", text[i:i + 12]):
            m = re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", text[i:])
            out.append("' '")
            i += len(m.group(0))
        else:
            out.append(c)
            i += 1
    return "".join(out)


def module_files(src):
    """{module path tuple: file} for every .rs file under src (lib.rs is the root)."""
    files = {}
    for root, _, names in os.walk(src):
        for name in names:
            if not name.endswith(".rs"):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, src)
            parts = rel[:-3].split(os.sep)
            if parts == ["lib"]:
                mod = ()
            elif parts == ["main"]:
                mod = ("<main>",)
            elif parts[-1] == "mod":
                mod = tuple(parts[:-1])
            else:
                mod = tuple(parts)
            files[mod] = rel
    return files


def parse_use_tree(s, prefix):
    """Expands a use tree (`a::{b, c::d}`) into full paths (lists of segments)."""
    paths = []
    s = s.strip()
    depth, start, items = 0, 0, []
    # split top-level commas
    for k, ch in enumerate(s):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(s[start:k])
            start = k + 1
    items.append(s[start:])
    for item in items:
        item = item.strip()
        if not item:
            continue
        brace = item.find("{")
        if brace >= 0:
            head = item[:brace].rstrip(":").strip()
            inner = item[brace + 1:item.rfind("}")]
            segs = [p for p in head.split("::") if p] if head else []
            paths += parse_use_tree(inner, prefix + segs)
        else:
            item = re.sub(r"\s+as\s+" + IDENT + "$", "", item)
            segs = [p.strip() for p in item.split("::") if p.strip()]
            if segs == ["self"]:
                paths.append(prefix)
            else:
                paths.append(prefix + segs)
    return paths


def references(code):
    """(offset, path segments) for every path in the code: use trees expanded, then inline ones."""
    refs = []
    spans = []
    for m in re.finditer(r"\buse\s+([^;]*);", code):
        for p in parse_use_tree(m.group(1), []):
            refs.append((m.start(), p))
        spans.append((m.start(), m.end()))
    for m in re.finditer(r"\b(?:crate|super|self|mlp2d)(?:\s*::\s*(?:" + IDENT + "))+", code):
        if any(a <= m.start() < b for a, b in spans):
            continue
        refs.append((m.start(), [p.strip() for p in m.group(0).split("::")]))
    return refs


def inline_modules(code):
    """(start, end, name) of every inline `mod name { … }` block."""
    blocks = []
    for m in re.finditer(r"\bmod\s+(" + IDENT + r")\s*\{", code):
        depth, k = 1, m.end()
        while k < len(code) and depth:
            if code[k] == "{":
                depth += 1
            elif code[k] == "}":
                depth -= 1
            k += 1
        blocks.append((m.start(), k, m.group(1)))
    return blocks


def absolute(segs, here, children=()):
    """The path as a tuple from the crate root, or None for an outside crate."""
    head = segs[0]
    if head in ("crate", "mlp2d"):
        return tuple(segs[1:])
    if head in ("super", "self"):
        mod, rest = tuple(here), list(segs)
        while rest and rest[0] in ("super", "self"):
            if rest[0] == "super":
                mod = mod[:-1]
            rest = rest[1:]
        return mod + tuple(rest)
    if head in children:
        return tuple(here) + tuple(segs)
    return None


def resolve(segs, here, files, children=()):
    """The file a path names, or None for an outside crate. `here`: the module the path is in."""
    if not segs:
        return None
    head = segs[0]
    if head in ("crate", "mlp2d"):
        mod, rest = (), segs[1:]
    elif head in ("super", "self"):
        mod, rest = tuple(here), segs
        while rest and rest[0] in ("super", "self"):
            if rest[0] == "super":
                mod = mod[:-1]
            rest = rest[1:]
    elif head in children:
        # `use child::x` in the file that declares `mod child;`.
        mod, rest = tuple(here), segs
    else:
        return None
    # The longest prefix that is a file's module.
    best = mod
    for k in range(len(rest) + 1):
        cand = mod + tuple(rest[:k])
        if cand in files:
            best = cand
    while best not in files and best:
        best = best[:-1]
    return files.get(best)


def reexports(code):
    """{name: path segments} of the file's top-level `pub use` items (its index entries)."""
    out = {}
    for m in re.finditer(r"^pub(?:\([^)]*\))?\s+use\s+([^;]*);", code, re.M):
        for p in parse_use_tree(m.group(1), []):
            alias = re.search(r"\bas\s+(" + IDENT + ")$", m.group(1).strip())
            if p and p[-1] != "*":
                out[p[-1]] = p
    return out


def graph(src):
    """{file: files it uses}. A `pub use` re-export is an index entry, not a use: a path through
    one is followed to the file that defines the item."""
    files = module_files(src)
    by_file = {f: m for m, f in files.items()}
    edges = {f: set() for f in by_file}
    codes, kids_of, index = {}, {}, {}
    for rel, mod in by_file.items():
        with open(os.path.join(src, rel), encoding="utf-8") as fh:
            codes[rel] = strip_comments_and_strings(fh.read())
        kids_of[rel] = set(re.findall(r"\bmod\s+(" + IDENT + r")\s*;", codes[rel]))
        index[rel] = reexports(codes[rel])
    lib_files = {m: f for m, f in files.items() if m != ("<main>",)}

    def follow(segs, here, kids, seen=0):
        """The file that defines what `segs` names, through re-exports."""
        target = resolve(segs, here, lib_files, kids)
        if target is None or seen > 8:
            return target
        # The segment after the target's module path: is it one of the target's re-exports?
        tmod = by_file[target]
        full = absolute(segs, here, kids)
        if full is None:
            return target
        rest = full[len(tmod):]
        if rest and rest[0] in index[target]:
            via = list(index[target][rest[0]]) + list(rest[1:])
            return follow(via, list(tmod), kids_of[target], seen + 1) or target
        return target

    for rel, mod in by_file.items():
        code = codes[rel]
        base = list(mod) if mod != ("<main>",) else []
        blocks = inline_modules(code)
        children = kids_of[rel]
        own_index = set()
        for m in re.finditer(r"^pub(?:\([^)]*\))?\s+use\s+([^;]*);", code, re.M):
            own_index.add(m.start() + m.group(0).index("use"))
        for offset, segs in references(code):
            here = list(base)
            # Inside inline modules, `super`/`self` start from the inline module.
            for a, b, name in blocks:
                if a <= offset < b:
                    here.append(name)
            if offset in own_index:
                continue
            kids = children if here == base else ()
            target = follow(segs, here, kids)
            if mod == ("<main>",) and segs[0] not in ("mlp2d", "crate"):
                target = None
            if target and target != rel:
                edges[rel].add(target)
    return edges


def cycles(edges):
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def module_of(rel):
    parts = rel[:-3].split(os.sep)
    return parts[0]


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    flags = [a for a in argv if a.startswith("--")]
    if len(args) > 1 or any(f not in ("--graph",) for f in flags):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    src = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
    if not os.path.isdir(src):
        print(f"import_cycles: {src} is not a folder", file=sys.stderr)
        return 2
    edges = graph(src)
    if "--graph" in flags:
        for a in sorted(edges):
            for b in sorted(edges[a]):
                print(f"{a} -> {b}")
        return 0
    bad = 0
    for comp in cycles(edges):
        bad += 1
        # One concrete loop through the component, to say where to cut.
        inside = set(comp)
        print("import cycle: " + " , ".join(f"{a} -> {b}" for a in comp for b in sorted(edges[a] & inside)))
    for a in sorted(edges):
        for b in sorted(edges[a]):
            ma, mb = module_of(a), module_of(b)
            for f, t in FORBIDDEN:
                if ma == f and mb == t:
                    bad += 1
                    print(f"forbidden: {a} -> {b} ({f} may not use {t})")
    if bad:
        return 1
    print(f"import_cycles: {len(edges)} files, no cycle, no forbidden reference")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
