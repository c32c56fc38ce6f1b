#!/usr/bin/env python3
"""Render <set>/pdf-source/<stem>.txt into <set>/jds/<stem>.pdf, for an eval set (held-out, blind, blind-2).

Pure standard library. Writes a PDF 1.4 file with the standard Type1 font
Helvetica (WinAnsiEncoding), uncompressed content streams and a correct xref
table. Every source line becomes exactly one text line in the PDF (lines are
never wrapped; the script refuses lines that would not fit the page width).

Source format: plain paragraphs and "- " bullet lines, one line each, blank
line between paragraphs, ASCII only. The first line is the title; a short
line standing alone between blank lines (no final punctuation) is a heading.

Usage (from anywhere): python3 crates/knowledge/eval/make_pdf.py held-out|blind|blind-2|blind-3|blind-4|blind-5|blind-6
"""

import os
import sys

if len(sys.argv) != 2 or sys.argv[1] not in ("held-out", "blind", "blind-2", "blind-3", "blind-4", "blind-5", "blind-6"):
    sys.exit("usage: make_pdf.py held-out|blind|blind-2|blind-3|blind-4|blind-5|blind-6")
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), sys.argv[1])
SRC_DIR = os.path.join(HERE, "pdf-source")
OUT_DIR = os.path.join(HERE, "jds")

PAGE_W, PAGE_H = 595, 842  # A4 in points
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 56, 64, 64
BODY_SIZE, HEADING_SIZE, TITLE_SIZE = 10.5, 12.5, 15
LEADING = 1.35  # line height as a multiple of the font size
BLANK_GAP = 6   # extra space for a blank source line, in points

# Helvetica advance widths (1/1000 em) for WinAnsi codes 32..126, from the AFM.
_W = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,  # 32-47
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,  # 48-63
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,  # 64-79
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,  # 80-95
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,  # 96-111
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,       # 112-126
]


def text_width(s, size):
    return sum(_W[ord(c) - 32] for c in s) * size / 1000.0


def pdf_escape(s):
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def classify(lines):
    """Return a list of (kind, text) with kind in title/heading/body/blank."""
    out = []
    for i, line in enumerate(lines):
        if not line.strip():
            out.append(("blank", ""))
            continue
        prev_blank = i == 0 or not lines[i - 1].strip()
        next_blank = i + 1 >= len(lines) or not lines[i + 1].strip()
        if i == 0:
            out.append(("title", line))
        elif (prev_blank and next_blank and not line.startswith("- ")
              and len(line) <= 40 and line[-1] not in ".:;!?,"):
            out.append(("heading", line))
        else:
            out.append(("body", line))
    return out


def layout(items):
    """Place items on pages. Returns a list of pages, each a list of (size, x, y, text)."""
    pages, cur = [], []
    y = PAGE_H - MARGIN_TOP
    max_w = PAGE_W - 2 * MARGIN_X
    for kind, text in items:
        if kind == "blank":
            if cur:
                y -= BLANK_GAP
            continue
        size = {"title": TITLE_SIZE, "heading": HEADING_SIZE}.get(kind, BODY_SIZE)
        if text_width(text, size) > max_w:
            raise SystemExit("line too wide for the page (%.0fpt): %r" % (text_width(text, size), text))
        step = size * LEADING
        # Keep a heading (or the title) on the same page as the line after it.
        need = step + (BLANK_GAP + BODY_SIZE * LEADING if kind in ("title", "heading") else 0)
        if y - need < MARGIN_BOTTOM:
            pages.append(cur)
            cur = []
            y = PAGE_H - MARGIN_TOP
        y -= step
        cur.append((size, MARGIN_X, y, text))
    if cur:
        pages.append(cur)
    return pages


def build_pdf(pages, title):
    objects = []  # list of bytes, object number = index + 1

    def add(body):
        objects.append(body)
        return len(objects)

    catalog = add(None)  # filled in below
    pages_obj = add(None)
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for page in pages:
        ops = []
        for size, x, y, text in page:
            ops.append("BT /F1 %g Tf %g %.2f Td (%s) Tj ET" % (size, x, y, pdf_escape(text)))
        stream = ("\n".join(ops) + "\n").encode("latin-1")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream")
        page_obj = add((
            "<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] "
            "/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
            % (pages_obj, PAGE_W, PAGE_H, font, content)).encode("ascii"))
        kids.append(page_obj)
    objects[pages_obj - 1] = ("<< /Type /Pages /Kids [%s] /Count %d >>" % (
        " ".join("%d 0 R" % k for k in kids), len(kids))).encode("ascii")
    objects[catalog - 1] = ("<< /Type /Catalog /Pages %d 0 R >>" % pages_obj).encode("ascii")
    info = add(("<< /Title (%s) /Producer (make_pdf.py) >>" % pdf_escape(title)).encode("latin-1"))

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for num, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n"
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += (b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, catalog, info, xref_at))
    return bytes(out)


def main():
    stems = sorted(f[:-4] for f in os.listdir(SRC_DIR) if f.endswith(".txt"))
    if not stems:
        sys.exit("no sources in " + SRC_DIR)
    for stem in stems:
        with open(os.path.join(SRC_DIR, stem + ".txt"), encoding="ascii") as fh:
            lines = fh.read().splitlines()
        for n, line in enumerate(lines, 1):
            if len(line) > 90:
                sys.exit("%s.txt:%d: line longer than 90 characters" % (stem, n))
        pages = layout(classify(lines))
        data = build_pdf(pages, lines[0] if lines else stem)
        path = os.path.join(OUT_DIR, stem + ".pdf")
        with open(path, "wb") as fh:
            fh.write(data)
        print("wrote %s (%d pages, %d bytes)" % (os.path.relpath(path), len(pages), len(data)))


if __name__ == "__main__":
    main()
