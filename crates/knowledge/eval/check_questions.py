#!/usr/bin/env python3
"""Validate the retrieval evaluation question files.

Checks crates/knowledge/eval/questions.json,
crates/knowledge/eval/held-out/questions.json and
crates/knowledge/eval/blind/questions.json,
crates/knowledge/eval/blind-2/questions.json,
crates/knowledge/eval/blind-3/questions.json,
crates/knowledge/eval/blind-4/questions.json,
crates/knowledge/eval/blind-5/questions.json and
crates/knowledge/eval/blind-6/questions.json against their JDs:

- the file is a JSON array of objects with exactly the keys
  jd, question, answerable, expected (with the right types);
- the JD exists: jds/<jd>.md, or pdf-source/<jd>.txt (whose
  jds/<jd>.pdf must also exist);
- answerable questions have 1 or 2 expected strings, unanswerable ones [];
- every expected string is 15-60 characters, has no line break, no Markdown
  marker, and occurs verbatim (case-sensitive) within a single line of the
  JD text;
- no question is repeated for the same JD.

Run from the repository root:  python3 crates/knowledge/eval/check_questions.py
Exits with status 1 if any problem is found.
"""

import json
import os
import sys

EVAL_DIR = os.path.dirname(os.path.abspath(__file__))
SETS = [
    EVAL_DIR,
    os.path.join(EVAL_DIR, "held-out"),
    os.path.join(EVAL_DIR, "blind"),
    os.path.join(EVAL_DIR, "blind-2"),
    os.path.join(EVAL_DIR, "blind-3"),
    os.path.join(EVAL_DIR, "blind-4"),
    os.path.join(EVAL_DIR, "blind-5"),
    os.path.join(EVAL_DIR, "blind-6"),
    # Its jds is a link to the repository set's.
    os.path.join(EVAL_DIR, "adversarial"),
]
KEYS = {"jd", "question", "answerable", "expected"}
MARKDOWN_MARKERS = ("**", "__", "`", "#", "](", "\n", "\r")


def load_jd(set_dir, stem):
    """Return (lines, source path) of a JD, or (None, reason)."""
    md = os.path.join(set_dir, "jds", stem + ".md")
    if os.path.isfile(md):
        with open(md, encoding="utf-8") as fh:
            return fh.read().splitlines(), md
    txt = os.path.join(set_dir, "pdf-source", stem + ".txt")
    if os.path.isfile(txt):
        pdf = os.path.join(set_dir, "jds", stem + ".pdf")
        if not os.path.isfile(pdf):
            return None, "%s exists but %s is missing (run make_pdf.py)" % (txt, pdf)
        with open(txt, encoding="utf-8") as fh:
            return fh.read().splitlines(), txt
    return None, "no jds/%s.md or pdf-source/%s.txt" % (stem, stem)


def check_set(set_dir):
    problems = []
    path = os.path.join(set_dir, "questions.json")
    rel = os.path.relpath(path)
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as err:
        return ["%s: cannot load: %s" % (rel, err)], {}
    if not isinstance(data, list):
        return ["%s: top level is not an array" % rel], {}

    jd_cache = {}
    seen = set()
    counts = {}
    for i, q in enumerate(data):
        where = "%s[%d]" % (rel, i)
        if not isinstance(q, dict) or set(q) != KEYS:
            problems.append("%s: expected an object with keys %s" % (where, sorted(KEYS)))
            continue
        jd, question, answerable, expected = q["jd"], q["question"], q["answerable"], q["expected"]
        if not isinstance(jd, str) or not isinstance(question, str) or not question.strip():
            problems.append("%s: jd and question must be non-empty strings" % where)
            continue
        where = "%s[%d] (%s: %r)" % (rel, i, jd, question)
        if not isinstance(answerable, bool):
            problems.append("%s: answerable must be true or false" % where)
            continue
        if not isinstance(expected, list) or not all(isinstance(e, str) for e in expected):
            problems.append("%s: expected must be a list of strings" % where)
            continue
        key = (jd, question.strip().lower())
        if key in seen:
            problems.append("%s: duplicate question" % where)
        seen.add(key)
        c = counts.setdefault(jd, [0, 0])
        c[0 if answerable else 1] += 1

        if jd not in jd_cache:
            jd_cache[jd] = load_jd(set_dir, jd)
        lines, src = jd_cache[jd]
        if lines is None:
            problems.append("%s: %s" % (where, src))
            continue

        if answerable and not 1 <= len(expected) <= 2:
            problems.append("%s: answerable question needs 1 or 2 expected strings" % where)
        if not answerable and expected:
            problems.append("%s: unanswerable question must have expected []" % where)
        for e in expected:
            if not 15 <= len(e) <= 60:
                problems.append("%s: expected %r is %d chars (need 15-60)" % (where, e, len(e)))
            if e != e.strip():
                problems.append("%s: expected %r has leading/trailing whitespace" % (where, e))
            if any(m in e for m in MARKDOWN_MARKERS) or e.startswith(("- ", "* ", "> ")):
                problems.append("%s: expected %r contains a Markdown marker or line break" % (where, e))
            if not any(e in line for line in lines):
                problems.append("%s: expected %r not found within one line of %s"
                                % (where, e, os.path.relpath(src)))
    return problems, counts


def main():
    all_problems = []
    for set_dir in SETS:
        problems, counts = check_set(set_dir)
        all_problems += problems
        total_a = sum(a for a, _ in counts.values())
        total_u = sum(u for _, u in counts.values())
        print("%s: %d questions (%d answerable, %d unanswerable)"
              % (os.path.relpath(os.path.join(set_dir, "questions.json")),
                 total_a + total_u, total_a, total_u))
        for jd in sorted(counts):
            print("  %-20s answerable %2d  unanswerable %2d" % (jd, counts[jd][0], counts[jd][1]))
    for p in all_problems:
        print("PROBLEM: " + p)
    if all_problems:
        print("%d problem(s) found" % len(all_problems))
        sys.exit(1)
    print("OK: no problems found")


if __name__ == "__main__":
    main()
