#!/usr/bin/env python3
"""Every relative link in README.md and docs/*.md must name an existing file and, with #anchor,
one of its headings (GitHub's slugs). Exit 0 when all resolve, 1 otherwise.

    python3 scripts/doc_links.py [ROOT] [SKIPPED_FILE...]

ROOT defaults to the folder above this script; a SKIPPED_FILE (relative to ROOT) is not
required to exist.
"""
import glob
import os
import re
import sys
root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
skip = set(sys.argv[2:])  # files another helper writes
def slug(h):
    h = h.strip().lower()
    h = re.sub(r'[`*_]', lambda m: '' if m.group(0) != '_' else '_', h)
    out = []
    for ch in h:
        if ch.isalnum() or ch in '-_':
            out.append(ch)
        elif ch == ' ':
            out.append('-')
    return ''.join(out)
def anchors(path):
    a = set(); counts = {}
    inblock = False
    for line in open(path, encoding='utf-8'):
        if line.startswith('```'): inblock = not inblock
        if inblock: continue
        m = re.match(r'#{1,6} (.*)', line)
        if m:
            s = slug(m.group(1))
            n = counts.get(s, 0); counts[s] = n + 1
            a.add(s if n == 0 else f'{s}-{n}')
    return a
bad = 0; n = 0
files = [os.path.join(root, 'README.md')] + sorted(glob.glob(os.path.join(root, 'docs', '*.md')))
for f in files:
    text = open(f, encoding='utf-8').read()
    text = re.sub(r'```.*?```', '', text, flags=re.S)
    for m in re.finditer(r'\]\(([^)\s]+)\)', text):
        link = m.group(1)
        if re.match(r'[a-z]+:', link): continue
        n += 1
        target, _, frag = link.partition('#')
        tpath = os.path.normpath(os.path.join(os.path.dirname(f), target)) if target else f
        rel = os.path.relpath(tpath, root)
        if rel in skip:
            print(f'skipped (another helper): {os.path.relpath(f, root)} -> {link}'); continue
        if not os.path.exists(tpath):
            print(f'MISSING FILE: {os.path.relpath(f, root)} -> {link}'); bad += 1; continue
        if frag and tpath.endswith('.md') and frag not in anchors(tpath):
            print(f'MISSING ANCHOR: {os.path.relpath(f, root)} -> {link}'); bad += 1
print(f'{n} relative links, {bad} broken')
sys.exit(1 if bad else 0)
