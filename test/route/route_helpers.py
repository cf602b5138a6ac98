"""The hand-written street grid the route tests share (drawn in test_route_graph.py)."""

from __future__ import annotations

from pathlib import Path

NODES = {
    1: (60.000, 25.000), 2: (60.000, 25.004), 3: (60.002, 25.000), 4: (60.002, 25.004),
    5: (60.000, 25.008), 6: (60.002, 25.008), 7: (60.010, 25.000), 8: (60.010, 25.002),
}  # fmt: skip
NODE_TAGS = {4: {"highway": "traffic_signals"}}  # a light at D
WAYS = [
    (100, [1, 2], {"highway": "residential", "name": "Yksisuuntainen", "oneway": "yes"}),
    (101, [1, 3], {"highway": "residential", "name": "Länsikatu"}),
    (102, [3, 4], {"highway": "residential", "name": "Pohjoiskatu"}),
    (103, [4, 2], {"highway": "residential", "name": "Itäkatu"}),
    (104, [2, 5], {"highway": "residential", "name": "Takaperoinen", "oneway": "-1"}),
    (105, [4, 6], {"highway": "residential", "name": "Kaukokatu"}),
    (106, [6, 5], {"highway": "residential", "name": "Reunakatu", "maxspeed": "50"}),
    (107, [1, 4], {"highway": "residential", "name": "Suljettu", "access": "no"}),
    (108, [2, 3], {"highway": "footway", "name": "Polku"}),
    (109, [7, 8], {"highway": "residential", "name": "Saari"}),
]  # fmt: skip
A, B, C, D, E = (NODES[n] for n in (1, 2, 3, 4, 5))


def write_osm(path: Path) -> Path:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for nid, (lat, lon) in NODES.items():
        tags = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in NODE_TAGS.get(nid, {}).items())
        lines.append(f'  <node id="{nid}" version="1" lat="{lat}" lon="{lon}">{tags}</node>')
    for wid, refs, tags in WAYS:
        lines.append(f'  <way id="{wid}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
