#!/usr/bin/env python3
"""Fill in the cover letter git format-patch wrote (scripts/series.sh).

Usage: scripts/cover.py COVER_PATCH SUBJECT COVER_DIR

The body is what follows the '---' line of COVER_DIR/cover-letter.txt; a line @NAME@ in it
stands for COVER_DIR/name.txt (the generated parts: performance tables, test results, base).
"""
import os
import re
import sys


def part(cover, m):
    f = os.path.join(cover, m.group(1).lower() + '.txt')
    if not os.path.exists(f):
        return '(%s: not generated yet)' % m.group(1).lower()
    with open(f) as fp:
        return fp.read().rstrip('\n')


def main():
    path, subject, cover = sys.argv[1:4]
    with open(os.path.join(cover, 'cover-letter.txt')) as fp:
        text = fp.read().split('\n---\n', 1)[1]
    body = re.sub(r'^@([A-Z]+)@$', lambda m: part(cover, m), text, flags=re.M).rstrip('\n')
    with open(path) as fp:
        s = fp.read()
    s = s.replace('*** SUBJECT HERE ***', subject).replace('*** BLURB HERE ***', body)
    with open(path, 'w') as fp:
        fp.write(s)


if __name__ == '__main__':
    main()
