#!/usr/bin/env python3
"""Compare two releases of a round file by file, for a change that must not change the outputs.

    python3 tools/compare_releases.py releases/<A> releases/<B>
    python3 tools/compare_releases.py A B --private .ilms/private-releases/<A> .ilms/private-releases/<B>

Files are first compared by the SHA-256 their release.json lists. Files whose bytes differ between
any two runs of the same inputs are then compared by content:
- Parquet: rows in any order, floats to 6 decimals (the streaming engine writes records in the order
  its threads finish; the coverage report's weighted sums are float sums whose last bits follow that
  order);
- .xlsx: every cell value of every sheet (a workbook stores its creation time);
- run_log.json: everything but times, the release id and how each source's results were come by
  (`pass`: ran, or reused from an earlier release);
- sdmx_structure.xml: everything but its header (the message's id and time are the release's);
- report.html: its elements, attributes and text in order, release ids masked (whitespace between
  elements is layout, not content: the page is written without line breaks since it is made
  from a template).
A release's saved passes (private `passes/`, what the next run may reuse) are working files, not
outputs: not compared.
Prints what differs; exits 1 if anything does.
"""
import argparse
import hashlib
import html
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd

RELEASE_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{8}(-\d+)?")
VOLATILE_KEYS = {"pass", "seconds", "started", "finished", "elapsed_seconds", "release", "created"}


def listed(release: Path) -> dict:
    manifest = json.loads((release / "release.json").read_text())
    return {f["path"]: f["sha256"] for f in manifest["files"]}


def hashed(folder: Path) -> dict:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).parts[0] != "passes"
    }


def same_parquet(a: Path, b: Path) -> bool:
    x, y = pd.read_parquet(a).round(6), pd.read_parquet(b).round(6)
    if list(x.columns) != list(y.columns) or len(x) != len(y):
        return False
    cols = list(x.columns)
    x = x.sort_values(cols).reset_index(drop=True)
    y = y.sort_values(cols).reset_index(drop=True)
    return x.equals(y)


def same_workbook(a: Path, b: Path) -> bool:
    wa, wb = openpyxl.load_workbook(a), openpyxl.load_workbook(b)
    if wa.sheetnames != wb.sheetnames:
        return False
    values = lambda ws: [[c.value for c in row] for row in ws.iter_rows()]
    return all(values(wa[s]) == values(wb[s]) for s in wa.sheetnames)


def without_times(value):
    if isinstance(value, dict):
        return {k: without_times(v) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [without_times(v) for v in value]
    return value


class PageItems(HTMLParser):
    """An HTML page as its elements, attributes and text in order; whitespace-only text between
    elements dropped, text trimmed, a void element's end tag dropped (<br> and <br/> are one).
    Character references are read as the characters they stand for (&#39; and ' are one), but a
    bare "&" in text is kept apart as an item of its own, so a page that stops escaping its
    values differs."""

    VOID = {"br", "meta", "hr", "img", "input", "link"}

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.items = []

    def handle_entityref(self, name):
        self.handle_text(html.unescape(f"&{name};"))

    def handle_charref(self, name):
        self.handle_text(html.unescape(f"&#{name};"))

    def handle_starttag(self, tag, attrs):
        self.items.append(("start", tag, tuple(sorted(attrs))))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.items.append(("end", tag))

    def handle_endtag(self, tag):
        if tag not in self.VOID:
            self.items.append(("end", tag))

    def handle_data(self, data):
        if "&" in data and self.lasttag not in ("style", "script"):
            self.items.append(("unescaped &", data))
        self.handle_text(data)

    def handle_text(self, data):
        if not data.strip():
            return
        if self.items and self.items[-1][0] == "text":
            data = self.items.pop()[1] + data
        self.items.append(("text", data))

    def handle_decl(self, decl):
        self.items.append(("decl", decl.lower()))


def page_items(path: Path) -> list:
    parser = PageItems()
    parser.feed(RELEASE_ID.sub("<release>", path.read_text()))
    return [("text", i[1].strip()) if i[0] == "text" else i for i in parser.items]


def same_content(a: Path, b: Path) -> bool:
    if a.suffix == ".parquet":
        return same_parquet(a, b)
    if a.suffix == ".xlsx":
        return same_workbook(a, b)
    if a.name == "sdmx_structure.xml":
        body = lambda p: p.read_text().split("</message:Header>", 1)[-1]
        return body(a) == body(b)
    if a.name == "report.html":
        return page_items(a) == page_items(b)
    if a.name == "run_log.json":
        return without_times(json.loads(a.read_text())) == without_times(json.loads(b.read_text()))
    return False


def compare(a: Path, b: Path, files_a: dict, files_b: dict, label: str) -> bool:
    ok = True
    for path in sorted(set(files_a) ^ set(files_b)):
        print(f"{label}: only in {'A' if path in files_a else 'B'}: {path}")
        ok = False
    same_bytes = by_content = 0
    for path in sorted(set(files_a) & set(files_b)):
        if files_a[path] == files_b[path]:
            same_bytes += 1
        elif same_content(a / path, b / path):
            by_content += 1
        else:
            print(f"{label}: differs: {path}")
            ok = False
    print(f"{label}: {same_bytes} files identical, {by_content} equal in content")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--private", nargs=2, type=Path, metavar=("A", "B"))
    args = parser.parse_args()
    ok = compare(args.a, args.b, listed(args.a), listed(args.b), "public")
    if args.private:
        pa, pb = args.private
        ok &= compare(pa, pb, hashed(pa), hashed(pb), "private")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
