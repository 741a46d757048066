"""Check that the charts of a finished round show what the published cells say.

Usage: python3 tests/chart_check.py ROUND_DIR KIND

For every chart of KIND declared in the round's charts.toml, the SVG is parsed (its text
elements, bar rectangles and points) and compared with the cells read by DuckDB from
processed/indicators (no ilms code involved): a bar for every published value, its length
proportional to the value (within a pixel), the value written beside it as the cell holds it
(rounded and grouped as published), "not published" where the cell is withheld, "not available"
only where no cell gives the figure (status O or no cell), a total bar where the source gives
the total but no breakdown by sex, every category's label whole (never cut with "…").
Prints "charts ok: ..." or fails with what differs.
"""

import csv
import glob
import os
import re
import sys
import tomllib
import xml.etree.ElementTree as ET

import duckdb

SVG = "{http://www.w3.org/2000/svg}"
MALE, FEMALE, TOTAL_ONLY = "Male", "Female", "Total (no breakdown by sex)"
NA, WITHHELD = "not available", "not published"
FAILURES = []


def fail(chart, message):
    FAILURES.append(f"{chart}: {message}")


def fmt(value, decimals):
    return f"{value:,.{decimals}f}"


# ---------------------------------------------------------------- the published cells


def load_cells(round_dir):
    con = duckdb.connect()
    glob_path = os.path.join(round_dir, "processed/indicators/**/*.parquet")
    return con.execute(
        f"""SELECT ref_area, time, source, indicator, sex, classif1, classif2, obs_value,
                   obs_status, persons, note_source
            FROM read_parquet('{glob_path}', hive_partitioning = true,
                              hive_types = {{'time': VARCHAR}})"""
    ).fetchall()


def read_code_labels(round_dir):
    labels = {}
    path = os.path.join(round_dir, "schemas/classifications/ilostat_codelists.csv")
    with open(path, encoding="utf-8") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        for row in rows:
            labels.setdefault(row["code"], row["label"])
    return labels


class Cell:
    def __init__(self, row):
        (self.ref_area, self.time, self.source, self.indicator, self.sex, self.classif1,
         self.classif2, self.obs_value, self.obs_status, self.persons, self.note_source) = row

    def shown(self, unit):
        """What the chart must write for this cell: (text kind, value in the chart's unit)."""
        if self.obs_status == "O":
            return (NA, None)
        if self.obs_value is None:
            return (WITHHELD, None)
        if unit == "persons" and self.persons is not None:
            return ("value", self.persons)
        if unit == "thousands" and self.persons is not None:
            return ("value", self.persons / 1000)
        return ("value", self.obs_value)


# ---------------------------------------------------------------- the picture


class Picture:
    def __init__(self, path):
        root = ET.parse(path).getroot()
        self.texts, self.rects, self.circles, self.polylines = [], [], [], []
        for el in root.iter():
            tag = el.tag.replace(SVG, "")
            if tag == "text":
                self.texts.append({
                    "x": float(el.get("x")), "y": float(el.get("y")),
                    "anchor": el.get("text-anchor"), "text": (el.text or "").strip(),
                    "bold": el.get("font-weight") == "bold",
                })
            elif tag == "rect":
                self.rects.append({k: (float(el.get(k)) if k in "xywidthheight" else el.get(k))
                                   for k in ("x", "y", "width", "height", "fill", "opacity")})
            elif tag == "polyline":
                self.polylines.append({"stroke": el.get("stroke"), "points": el.get("points")})
            elif tag == "circle":
                self.circles.append({"x": float(el.get("cx")), "y": float(el.get("cy")),
                                     "fill": el.get("fill")})
        self.legend_boxes = [r for r in self.rects if r["fill"] == "#FFFFFF"
                             and r["opacity"] not in ("1", None)]

    def in_legend(self, r):
        return any(b["x"] <= r["x"] and r["x"] + r["width"] <= b["x"] + b["width"]
                   and b["y"] <= r["y"] and r["y"] + r["height"] <= b["y"] + b["height"]
                   for b in self.legend_boxes)

    def legend(self):
        """Series name by colour, from the legend's swatches and the text beside each."""
        names = {}
        for r in self.rects:
            if r["fill"] in ("#FFFFFF", "none") or not self.in_legend(r):
                continue
            cy = r["y"] + r["height"] / 2
            beside = [t for t in self.texts if t["x"] > r["x"] and abs(t["y"] - cy) < 12
                      and t["x"] - r["x"] < 60]
            if beside:
                names[r["fill"]] = min(beside, key=lambda t: t["x"])["text"]
        return names

    def bars(self, colors):
        return [r for r in self.rects if r["fill"] in colors and not self.in_legend(r)]

    def text_at(self, x, y, anchor):
        hits = [t for t in self.texts if abs(t["x"] - x) <= 1 and abs(t["y"] - y) <= 1
                and t["anchor"] == anchor]
        return hits[0]["text"] if hits else None

    def labels_at_any(self):
        """The category labels at the leftmost right-aligned column (one panel)."""
        xs = [t["x"] for t in self.texts if t["anchor"] == "end"]
        return self.labels_at(min(xs)) if xs else []

    def labels_at(self, x):
        """Category labels right-aligned at x: wrapped lines joined, with their centre."""
        lines = sorted((t for t in self.texts if t["anchor"] == "end" and abs(t["x"] - x) <= 1),
                       key=lambda t: t["y"])
        groups = []
        for line in lines:
            if groups and line["y"] - groups[-1][-1]["y"] <= 22:
                groups[-1].append(line)
            else:
                groups.append([line])
        return [(" ".join(l["text"] for l in g), sum(l["y"] for l in g) / len(g)) for g in groups]


def bar_picture(name, picture):
    """A bar chart's labels checked whole, and its bars' axis, colours and legend names (None,
    with the failure told, when no bar is drawn)."""
    check_no_cut(name, picture)
    names = picture.legend()
    colors = set(names)
    axis = min((r["x"] for r in picture.bars(colors)), default=None)
    if axis is None:
        fail(name, "no bars drawn")
        return None
    return axis, colors, names


def check_no_cut(chart, picture):
    for t in picture.texts:
        if "…" in t["text"]:
            fail(chart, f"text cut short: {t['text']!r}")


def check_lengths(chart, placed):
    """Bar lengths proportional to the values: one scale for every bar, to a pixel."""
    values = [(v, w) for v, w in placed if v is not None]
    if not values:
        return
    top_value, top_width = max(values)
    if top_value <= 0:
        return
    scale = top_width / top_value
    for v, w in values:
        if abs(w - v * scale) > 1.5:
            fail(chart, f"bar of {v} is {w} px long, expected {v * scale:.1f} px")


# ---------------------------------------------------------------- horizontal bars


def read_bars(chart, picture, x_axis, colors, names):
    """Bars growing right from x_axis, by category label: {label: {series: text}} and the
    (value text, length) pairs."""
    labels = picture.labels_at(x_axis - 12)
    found = {label: {} for label, _ in labels}
    lengths = []
    for r in picture.bars(colors):
        if abs(r["x"] - x_axis) > 1:
            continue
        cy = r["y"] + r["height"] / 2
        text = picture.text_at(r["x"] + r["width"] + 6, round(cy), "start")
        if text is None:
            text = picture.text_at(r["x"] + r["width"] + 6, cy, "start")
        if not labels:
            fail(chart, "bars but no category labels")
            return found, lengths
        label = min(labels, key=lambda lc: abs(lc[1] - cy))[0]
        series = names.get(r["fill"], r["fill"])
        if series in found[label]:
            fail(chart, f"two bars of {series} for {label}")
        found[label][series] = text
        lengths.append((text, r["width"]))
    return found, lengths


def expected_sex_bars(by_sex, unit):
    """The bars a category must have from its cells by sex: men and women, or the total alone
    where the source gives the total but not the breakdown."""
    def shown(sex):
        cell = by_sex.get(sex)
        return cell.shown(unit) if cell else (NA, None)
    men, women, total = shown("SEX_M"), shown("SEX_F"), shown("SEX_T")
    if men[0] == NA and women[0] == NA and total[0] != NA:
        return {TOTAL_ONLY: total}
    return {MALE: men, FEMALE: women}


def as_text(shown, decimals):
    kind, value = shown
    return fmt(value, decimals) if kind == "value" else kind


def compare_bars(chart, found, lengths, expected, decimals):
    """expected: {label: {series: (kind, value)}}, in the chart's order."""
    if sorted(found) != sorted(expected):
        fail(chart, f"categories {sorted(found)} but the cells give {sorted(expected)}")
    for label, series in expected.items():
        drawn = found.get(label, {})
        want = {s: as_text(v, decimals) for s, v in series.items()}
        # A series with no bar anywhere in the chart is not drawn at all.
        if drawn != want:
            fail(chart, f"{label}: drawn {drawn}, the cells say {want}")
    value_of = {}
    for series in expected.values():
        for kind, value in series.values():
            if kind == "value":
                value_of[fmt(value, decimals)] = value
    check_lengths(chart, [(value_of.get(t), w) for t, w in lengths])


def in_version(code, version):
    return code is not None and code.startswith(version + "_")


def chart_cells(spec, cells):
    """Per (ref_area, time, source): {category code: {sex: cell}} for a per-source chart."""
    version, keep = spec["classification"], spec.get("keep", [])
    groups = {}
    for c in cells:
        if c.indicator != spec["indicator"]:
            continue
        if in_version(c.classif1, version):
            category, other = c.classif1, c.classif2
        elif in_version(c.classif2, version):
            category, other = c.classif2, c.classif1
        else:
            continue
        if category.endswith("_TOTAL") or (other not in keep if keep else other is not None):
            continue
        key = (c.ref_area, c.time, c.source)
        groups.setdefault(key, {}).setdefault(category, {}).setdefault(other, {})[c.sex] = c
    return groups


def chart_files(figures, spec_id, key):
    ref_area, time, source = key
    return os.path.join(figures, f"{spec_id}_{ref_area}_{time}_{source.split(':', 1)[1]}.svg")


def check_bars_by_sex(round_dir, spec, cells, labels, checked):
    figures = os.path.join(round_dir, "charts")
    unit = spec.get("unit")
    for key, categories in sorted(chart_cells(spec, cells).items()):
        path = chart_files(figures, spec["id"], key)
        name = os.path.basename(path)
        if not os.path.exists(path):
            fail(name, "no chart for cells that are published")
            continue
        picture = Picture(path)
        flat = {code: next(iter(others.values())) for code, others in categories.items()}
        decimals = 0 if unit == "persons" else 1
        codes = list(flat)
        if spec.get("top") and spec["top"] < len(codes):
            def total(code):
                kind, value = flat[code].get("SEX_T").shown(unit) if "SEX_T" in flat[code] \
                    else (NA, None)
                return value if kind == "value" else -1
            codes = sorted(codes, key=total, reverse=True)[: spec["top"]]
            # The largest first, top to bottom.
            drawn_order = [label for label, _ in picture.labels_at_any()]
            want_order = [labels.get(c, c) for c in codes]
            if [total(c) for c in codes] != sorted((total(c) for c in codes), reverse=True) \
                    or drawn_order != want_order:
                fail(name, f"categories drawn in the order {drawn_order}, largest first is "
                     f"{want_order}")
        expected = {labels.get(c, c): expected_sex_bars(flat[c], unit) for c in codes}
        drawn = bar_picture(name, picture)
        if drawn is None:
            continue
        found, lengths = read_bars(name, picture, *drawn)
        compare_bars(name, found, lengths, expected, decimals)
        checked.append(name)


def check_migrants(round_dir, spec, cells, labels, checked):
    figures = os.path.join(round_dir, "charts")
    keep = spec["keep"]
    for key, categories in sorted(chart_cells(spec, cells).items()):
        path = chart_files(figures, spec["id"], key)
        name = os.path.basename(path)
        if not os.path.exists(path):
            fail(name, "no chart for cells that are published")
            continue
        picture = Picture(path)
        check_no_cut(name, picture)
        names = picture.legend()
        colors = set(names)
        axes = sorted({r["x"] for r in picture.bars(colors)})
        sexes = [s for s in ("SEX_M", "SEX_F")
                 if any(s in others.get(g, {}) for others in categories.values() for g in keep)]
        if len(axes) != len(sexes or ["SEX_T"]):
            fail(name, f"{len(axes)} panels drawn, the cells give {len(sexes)} sexes")
            continue
        headings = [t["text"] for t in picture.texts if t["bold"] and t["anchor"] == "middle"]
        for sex, axis in zip(sexes or ["SEX_T"], axes):
            if labels[sex] not in headings:
                fail(name, f"no panel heading {labels[sex]!r} (headings {headings})")
            expected = {}
            for code, others in categories.items():
                series = {}
                for group in keep:
                    cell = others.get(group, {}).get(sex)
                    series[labels[group]] = cell.shown(spec.get("unit")) if cell else (NA, None)
                expected[labels.get(code, code)] = series
            found, lengths = read_bars(name, picture, axis, colors, names)
            compare_bars(f"{name} ({labels[sex]})", found, lengths, expected, 1)
        checked.append(name)


# ---------------------------------------------------------------- pyramid


def check_pyramid(round_dir, spec, cells, labels, checked):
    figures = os.path.join(round_dir, "charts")
    unit = spec.get("unit")
    decimals = 0 if unit == "persons" else 1
    for key, categories in sorted(chart_cells(spec, cells).items()):
        path = chart_files(figures, spec["id"], key)
        name = os.path.basename(path)
        if not os.path.exists(path):
            fail(name, "no chart for cells that are published")
            continue
        picture = Picture(path)
        check_no_cut(name, picture)
        flat = {code: next(iter(o.values())) for code, o in categories.items()}
        men_rects = [r for r in picture.rects if r["fill"] == "#0072B2"]
        women_rects = [r for r in picture.rects if r["fill"] == "#D55E00"]
        if not men_rects or not women_rects:
            fail(name, "no bars of men or of women")
            continue
        centre = women_rects[0]["x"]
        bands = picture.labels_at_any()
        drawn = {}
        lengths = []
        for sex, rects in (("SEX_M", men_rects), ("SEX_F", women_rects)):
            for r in rects:
                cy = r["y"] + r["height"] / 2
                if sex == "SEX_M":
                    if abs(r["x"] + r["width"] - centre) > 1:
                        fail(name, f"a bar of men does not end at the axis: {r}")
                    text = picture.text_at(r["x"] - 6, round(cy), "end")
                else:
                    text = picture.text_at(r["x"] + r["width"] + 6, round(cy), "start")
                band = min(bands, key=lambda b: abs(b[1] - cy))[0] if bands else None
                drawn.setdefault(band, {})[sex] = text
                lengths.append((text, r["width"]))
        expected = {}
        for code, by_sex in flat.items():
            expected[labels.get(code, code)] = {
                s: as_text(by_sex[s].shown(unit) if s in by_sex else (NA, None), decimals)
                for s in ("SEX_M", "SEX_F")}
        if drawn != expected:
            fail(name, f"drawn {drawn}, the cells say {expected}")
        values = {as_text(c.shown(unit), decimals): c.shown(unit)[1]
                  for by_sex in flat.values() for c in by_sex.values()
                  if c.shown(unit)[0] == "value"}
        check_lengths(name, [(values.get(t), w) for t, w in lengths])
        checked.append(name)


# ---------------------------------------------------------------- across countries


def latest_rows(table, cells, labels, titles):
    """Rows of an annual table without a year: per country its latest year, one row per source
    (the country's name, with the source's title when there are several)."""
    # `keep`: the codes of the cells shown, one per breakdown besides sex, in any order.
    wanted = sorted(table.get("keep", []))
    mine = [c for c in cells if c.indicator == table["indicator"]
            and sorted(x for x in (c.classif1, c.classif2) if x is not None) == wanted]
    latest = {}
    for c in mine:
        latest[c.ref_area] = max(latest.get(c.ref_area, c.time), c.time)
    rows = {}
    for c in mine:
        if c.time != latest[c.ref_area]:
            continue
        rows.setdefault((c.ref_area, c.source), {})[c.sex] = c
    out = {}
    for (area, source), by_sex in rows.items():
        name = labels.get(f"CBR_BRT_{area}", area)
        if sum(1 for a, _ in rows if a == area) > 1:
            name = f"{name} ({titles.get(source, source)})"
        out[name] = by_sex
    return dict(sorted(out.items()))


def source_titles(round_dir):
    titles = {}
    for path in glob.glob(os.path.join(round_dir, "schemas/sources/*.toml")):
        with open(path, "rb") as f:
            source = tomllib.load(f)["source"]
        titles[f"{source['source_type']}:{source['id']}"] = source["title"]
    return titles


def check_countries(round_dir, spec, cells, labels, checked):
    with open(os.path.join(round_dir, "schemas/tables.toml"), "rb") as f:
        table = next(t for t in tomllib.load(f)["tables"] if t["id"] == spec["table"])
    if "year" in table:
        fail(spec["id"], "the check reads tables without a year only")
        return
    rows = latest_rows(table, cells, labels, source_titles(round_dir))
    unit = table.get("unit", "persons")
    decimals = 0 if unit == "persons" else 1
    year = max(c.time for by_sex in rows.values() for c in by_sex.values())
    path = os.path.join(round_dir, "charts", f"{spec['id']}_{year}.svg")
    name = os.path.basename(path)
    if not os.path.exists(path):
        fail(name, "no chart")
        return
    picture = Picture(path)
    drawn = bar_picture(name, picture)
    if drawn is None:
        return
    expected = {label: expected_sex_bars(by_sex, unit) for label, by_sex in rows.items()}
    found, lengths = read_bars(name, picture, *drawn)
    compare_bars(name, found, lengths, expected, decimals)
    checked.append(name)


# ---------------------------------------------------------------- time series


def check_time_series(round_dir, spec, cells, labels, checked):
    keep = spec.get("keep", [])
    unit = spec.get("unit")
    decimals = 0 if unit == "persons" else 1
    lines, breaks = {}, set()
    for c in cells:
        if (c.indicator == spec["indicator"] and c.sex == "SEX_T"
                and all(x is None or x in keep for x in (c.classif1, c.classif2))):
            kind, value = c.shown(unit)
            key = (c.ref_area, c.source.split(":")[0])
            lines.setdefault(key, {})[int(c.time)] = value if kind == "value" else None
            if any(n.startswith("I11:") for n in (c.note_source or "").split("; ")):
                breaks.add((key, int(c.time)))
    lines = {k: v for k, v in lines.items() if len(v) >= 2}
    path = os.path.join(round_dir, "charts", f"{spec['id']}.svg")
    name = os.path.basename(path)
    if not os.path.exists(path):
        fail(name, "no chart")
        return
    picture = Picture(path)
    check_no_cut(name, picture)
    names = {v: k for k, v in picture.legend().items()}
    points = []
    for (area, _), years in sorted(lines.items()):
        country = labels.get(f"CBR_BRT_{area}", area)
        color = names.get(country)
        if color is None:
            fail(name, f"no line of {country} in the legend ({list(names)})")
            continue
        dots = [p for p in picture.circles if p["fill"] == color]
        published = {y: v for y, v in years.items() if v is not None}
        if len(dots) != len(published):
            fail(name, f"{country}: {len(dots)} points, the cells publish {len(published)}")
        # Joined: two published years next to each other on the chart's axis, the later one not
        # after a break in series.
        axis = sorted({y for v in lines.values() for y in v})
        joined = sum(1 for a, b in zip(axis, axis[1:])
                     if years.get(a) is not None and years.get(b) is not None
                     and ((area, _), b) not in breaks)
        segments = [p for p in picture.polylines if p["stroke"] == color]
        if len(segments) != joined:
            fail(name, f"{country}: {len(segments)} line segments, the cells join {joined} pairs of years")
        for y, v in published.items():
            text = fmt(v, decimals)
            hits = [p for p in dots if picture.text_at(p["x"], p["y"] - 12, "middle") == text]
            if not hits:
                fail(name, f"{country} {y}: no point labelled {text}")
            else:
                points.append((v, hits[0]["y"]))
    # The points' heights lie on one straight scale.
    if len(points) >= 2:
        (v0, y0), (v1, y1) = min(points), max(points)
        for v, y in points:
            want = y0 + (y1 - y0) * (v - v0) / (v1 - v0) if v1 != v0 else y0
            if abs(y - want) > 1.5:
                fail(name, f"point of {v} at y={y}, the scale puts it at {want:.1f}")
    checked.append(name)


def main():
    round_dir, kind = sys.argv[1], sys.argv[2]
    with open(os.path.join(round_dir, "schemas/charts.toml"), "rb") as f:
        specs = [c for c in tomllib.load(f)["charts"] if c["kind"] == kind]
    if not specs:
        sys.exit(f"no chart of kind {kind} declared")
    cells = [Cell(row) for row in load_cells(round_dir)]
    labels = read_code_labels(round_dir)
    check = {
        "bars_by_sex": check_bars_by_sex,
        "migrants_vs_nonmigrants": check_migrants,
        "pyramid": check_pyramid,
        "countries_by_sex": check_countries,
        "time_series": check_time_series,
    }[kind]
    checked = []
    for spec in specs:
        check(round_dir, spec, cells, labels, checked)
    if FAILURES:
        sys.exit("\n".join(FAILURES))
    if not checked:
        sys.exit(f"no chart of kind {kind} checked")
    print(f"charts ok: {kind}: {len(checked)} charts: {', '.join(checked)}")


if __name__ == "__main__":
    main()
