"""The demo's report: route map with the landmarks mentioned, fatigue timeline, latencies.

Drawn with matplotlib (Agg) from the OSM extract's streets — no map tiles, nothing online.
"""

from __future__ import annotations

import html
import statistics
from pathlib import Path
from typing import Any

from cockpit_ai.demo.monitor import LEVELS


def _pctl(values: list[float], q: float) -> float | None:
    vals = sorted(v for v in values if v is not None)
    if not vals:
        return None
    return vals[min(len(vals) - 1, int(round(q * (len(vals) - 1))))]


def route_map(out: Path, summary: dict[str, Any], expected: dict[str, Any]) -> Path:
    """PNG: streets of the extract, the driven track, questions and the landmarks named."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cockpit_ai.demo.route import load_streets
    from cockpit_ai.paths import data_dir

    fig, ax = plt.subplots(figsize=(9, 8), dpi=110)
    streets = load_streets(data_dir() / "osm" / "helsinki.osm.pbf")
    for a, nbrs in streets.edges.items():
        for b, _ in nbrs:
            if a < b:
                (la, oa), (lb, ob) = streets.coords[a], streets.coords[b]
                ax.plot([oa, ob], [la, lb], color="#cccccc", lw=0.8, zorder=1)
    track = expected["track"]
    ax.plot([p[2] for p in track], [p[1] for p in track], color="#1f77b4", lw=3, zorder=2,
            label="drive")
    for q in expected["questions"]:
        ax.scatter([q["lon"]], [q["lat"]], color="#d62728", s=40, zorder=3)
        ax.annotate(f"{q['t']:.0f} s: {q['text']}", (q["lon"], q["lat"]), fontsize=7,
                    xytext=(5, 5), textcoords="offset points", zorder=4)
    for turn in summary["turns"]:
        for lat, lon, name in turn.get("landmark_points", []):
            ax.scatter([lon], [lat], marker="*", color="#2ca02c", s=120, zorder=3)
            ax.annotate(name, (lon, lat), fontsize=7, color="#2ca02c", xytext=(5, -9),
                        textcoords="offset points")
    lats = [p[1] for p in track]
    lons = [p[2] for p in track]
    ax.set_xlim(min(lons) - 0.004, max(lons) + 0.004)
    ax.set_ylim(min(lats) - 0.002, max(lats) + 0.002)
    ax.set_aspect(1 / 0.4985)  # cos(60.17°): metres east and north drawn alike
    ax.set_title("Demo drive, central Helsinki — map data © OpenStreetMap contributors, ODbL")
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")
    ax.legend(loc="lower left")
    path = out / "route.png"
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def fatigue_timeline(out: Path, summary: dict[str, Any], expected: dict[str, Any]) -> Path:
    """PNG: fused fatigue score, PERCLOS and level over the drive, with the alerts."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = summary["fatigue_series"]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 5), dpi=110, sharex=True)
    if series:
        t = [s[0] for s in series]
        ax1.plot(t, [s[2] for s in series], label="score")
        ax1.plot(t, [s[3] for s in series], label="PERCLOS")
        ax2.step(t, [s[1] for s in series], where="post", color="#d62728")
    for a in summary["fatigue_alerts"]:
        ax2.axvline(a["t"], color="#999999", ls=":", lw=0.8)
    ax1.axvspan(expected.get("drowsy_from_s", 0), expected.get("duration_s", 0),
                color="#ffdddd", label="drowsy stretch (scripted)")
    ax1.set_ylabel("0..1")
    ax1.legend(loc="upper left")
    ax2.set_yticks(list(LEVELS), [LEVELS[k] for k in LEVELS])
    ax2.set_xlabel("drive time (s)")
    ax1.set_title("Driver fatigue over the drive")
    path = out / "fatigue.png"
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def latency_table(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """p50/p95 per stage over the dialogue turns (milliseconds)."""
    rows = []
    for key, label in (("speech_end_to_transcript", "speech end → transcript"),
                       ("transcript_to_response", "transcript → answer"),
                       ("response_to_voice", "answer → first voice audio"),
                       ("speech_end_to_response", "speech end → answer"),
                       ("speech_end_to_voice", "speech end → first voice audio")):
        vals = [t["latency_ms"][key] for t in summary["turns"]
                if t["latency_ms"].get(key) is not None]
        rows.append({"stage": label, "n": len(vals), "p50_ms": _pctl(vals, 0.5),
                     "p95_ms": _pctl(vals, 0.95),
                     "mean_ms": statistics.fmean(vals) if vals else None})
    return rows


def write_report(out: Path, summary: dict[str, Any], expected: dict[str, Any]) -> Path:
    """Write route.png, fatigue.png and index.html into ``out``; returns the page."""
    route = route_map(out, summary, expected)
    fat = fatigue_timeline(out, summary, expected)
    rows = latency_table(summary)
    summary["latency_table"] = rows

    def fmt(v: float | None) -> str:
        return "–" if v is None else f"{v:.0f}"

    turns = "".join(
        f"<tr><td>{t['t']:.1f}</td><td>{html.escape(t['question'])}</td>"
        f"<td>{html.escape(t['answer'] or '(no answer)')}</td><td>{t['backend'] or ''}</td>"
        f"<td>{fmt(t['latency_ms']['speech_end_to_response'])}</td></tr>"
        for t in summary["turns"])
    cmds = "".join(f"<li>{c['t']:.1f} s: {html.escape(c['function'])} {html.escape(c['action'])}"
                   f" {html.escape(c['value'])} {html.escape(c['unit'])}</li>"
                   for c in summary["commands"]) or "<li>none</li>"
    alerts = "".join(f"<li>{a['t']:.1f} s: {LEVELS.get(a['level'], a['level'])} "
                     f"({html.escape(', '.join(a['cues']))})</li>"
                     for a in summary["fatigue_alerts"]) or "<li>none</li>"
    lat = "".join(f"<tr><td>{r['stage']}</td><td>{r['n']}</td><td>{fmt(r['p50_ms'])}</td>"
                  f"<td>{fmt(r['p95_ms'])}</td></tr>" for r in rows)
    a = summary.get("audio") or {}
    audio = (f"<p>Microphone stream: {a.get('chunks_published')} chunks played, "
             f"{a.get('chunks_received')} received by the speech node, {a.get('gaps')} missing "
             f"(sequence gaps).</p>")
    cpu = "".join(f"<tr><td>{html.escape(n)}</td><td>{v:.1f}</td></tr>"
                  for n, v in sorted((summary.get("cpu_percent") or {}).items(),
                                     key=lambda kv: -kv[1]))
    page = out / "index.html"
    page.write_text(f"""<!doctype html><html><head><meta charset="utf-8">
<title>cockpit_ai demo drive</title>
<style>body{{font-family:sans-serif;max-width:1000px;margin:2em auto}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px}}</style>
</head><body><h1>cockpit_ai demo drive</h1>
<h2>Conversation</h2><table><tr><th>t (s)</th><th>driver</th><th>co-pilot</th>
<th>back end</th><th>speech end → answer (ms)</th></tr>{turns}</table>
<h2>Vehicle commands</h2><ul>{cmds}</ul>
<h2>Fatigue alerts</h2><ul>{alerts}</ul><img src="{fat.name}" width="900">
<h2>Route and landmarks</h2><img src="{route.name}" width="800">
<h2>Latency per stage</h2><table><tr><th>stage</th><th>n</th><th>p50 ms</th><th>p95 ms</th>
</tr>{lat}</table>
<h2>Audio and CPU</h2>{audio}
<table><tr><th>node</th><th>CPU % of one core during the drive</th></tr>{cpu}</table>
<p>Map data © OpenStreetMap contributors, ODbL 1.0.</p></body></html>""")
    return page
