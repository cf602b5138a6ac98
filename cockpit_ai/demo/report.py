"""The demo's report: route map with the landmarks mentioned, fatigue timeline, latencies.

Drawn with matplotlib (Agg) from the OSM extract's streets — no map tiles, nothing online.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import jinja2
import numpy as np

from cockpit_ai.demo.monitor import LEVELS

_ENV = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True,
                          undefined=jinja2.StrictUndefined)  # fmt: skip
_ENV.filters["ms"] = lambda v: "–" if v is None else f"{v:.0f}"
_ENV.filters["level"] = lambda level: LEVELS.get(level, level)

#: The report page; every value is HTML-escaped by the environment (autoescape).
_TEMPLATE = _ENV.from_string("""<!doctype html><html><head><meta charset="utf-8">
<title>cockpit_ai demo drive</title>
<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}</style>
</head><body><h1>cockpit_ai demo drive</h1>
<h2>Conversation</h2><table><tr><th>t (s)</th><th>driver</th><th>co-pilot</th>
<th>back end</th><th>speech end → answer (ms)</th></tr>
{% for t in turns %}
<tr><td>{{ "%.1f"|format(t.t) }}</td><td>{{ t.question }}</td>\
<td>{{ t.answer or "(no answer)" }}</td><td>{{ t.backend or "" }}</td>\
<td>{{ t.latency_ms.speech_end_to_response|ms }}</td></tr>
{% endfor %}
</table>
{% if faults %}
<h2>Faults injected</h2><table><tr><th>t (s)</th><th>node killed (SIGKILL)</th>
<th>back after (s)</th><th>questions after it</th><th>answered</th></tr>
{% for f in faults %}
<tr><td>{{ "%.1f"|format(f.t) if f.t is not none else "–" }}</td><td>{{ f.node }}</td>\
<td>{{ "%.1f"|format(f.restarted_after_s) if f.restarted_after_s is not none \
else "not back" }}</td><td>{{ f.asked_after }}</td><td>{{ f.answered_after }}</td></tr>
{% endfor %}
</table>
{% endif %}
<h2>Vehicle commands</h2><ul>
{% for c in commands %}
<li>{{ "%.1f"|format(c.t) }} s: {{ c.function }} {{ c.action }} {{ c.value }} {{ c.unit }}</li>
{% else %}
<li>none</li>
{% endfor %}
</ul>
<h2>Anticipation: what the co-pilot said unasked, and the home</h2><ul>
{% for p in proactive %}
<li>{{ "%.1f"|format(p.t) }} s: “{{ p.text }}”</li>
{% else %}
<li>nothing said unasked</li>
{% endfor %}
</ul><ul>
{% for r in home.requests %}
<li>{{ "%.1f"|format(r.t) }} s: home request {{ r.device }} {{ r.action }} {{ r.value }} \
({{ r.when }})</li>
{% endfor %}
{% for st in home.status %}
<li>{{ "%.1f"|format(st.t) }} s: {{ st.device }} {{ st.state }}\
{% if st.eta_s is not none %} (ETA {{ "%.0f"|format(st.eta_s) }} s){% endif %}: \
“{{ st.text }}”</li>
{% endfor %}
{% for m in home.mqtt %}
<li>MQTT broker received {{ m.topic }}: {{ m.payload }}</li>
{% endfor %}
</ul>
<h2>Fatigue alerts</h2><ul>
{% for a in alerts %}
<li>{{ "%.1f"|format(a.t) }} s: {{ a.level|level }} ({{ a.cues|join(", ") }})</li>
{% else %}
<li>none</li>
{% endfor %}
</ul><img src="{{ fatigue_png }}" width="900">
<h2>Route and landmarks</h2><img src="{{ route_png }}" width="800">
<h2>Latency per stage</h2><table><tr><th>stage</th><th>n</th><th>p50 ms</th><th>p95 ms</th>
</tr>
{% for r in rows %}
<tr><td>{{ r.stage }}</td><td>{{ r.n }}</td><td>{{ r.p50_ms|ms }}</td>
<td>{{ r.p95_ms|ms }}</td></tr>
{% endfor %}
</table>
<h2>Audio and CPU</h2><p>Microphone stream: {{ audio.chunks_published }} chunks played, \
{{ audio.chunks_received }} received by the speech node, {{ audio.gaps }} missing \
(sequence gaps).</p>
<table><tr><th>node</th><th>CPU % of one core during the drive</th></tr>
{% for name, v in cpu %}
<tr><td>{{ name }}</td><td>{{ "%.1f"|format(v) }}</td></tr>
{% endfor %}
</table>
<p>Map data © OpenStreetMap contributors, ODbL 1.0.</p></body></html>""")


def _pctl(values: list[float], q: float) -> float | None:
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    return float(np.percentile(vals, 100 * q, method="nearest"))


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


def fault_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Each injected fault with how many questions came after it and how many got answers."""
    rows = []
    for f in summary.get("faults") or []:
        after = [t for t in summary["turns"] if f["t"] is not None and t["t"] > f["t"]]
        rows.append({**f, "asked_after": len(after),
                     "answered_after": sum(1 for t in after if t["answer"])})
    return rows


def write_report(out: Path, summary: dict[str, Any], expected: dict[str, Any]) -> Path:
    """Write route.png, fatigue.png and index.html into ``out``; returns the page."""
    route = route_map(out, summary, expected)
    fat = fatigue_timeline(out, summary, expected)
    rows = latency_table(summary)
    summary["latency_table"] = rows

    a = summary.get("audio") or {}
    cpu = sorted((summary.get("cpu_percent") or {}).items(), key=lambda kv: -kv[1])
    page = out / "index.html"
    page.write_text(_TEMPLATE.render(
        turns=summary["turns"], commands=summary["commands"], levels=LEVELS,
        alerts=summary["fatigue_alerts"], fatigue_png=fat.name, route_png=route.name,
        rows=rows, audio=a, cpu=cpu, proactive=summary.get("proactive", []),
        faults=fault_rows(summary),
        home=summary.get("home") or {"requests": [], "status": [], "mqtt": []}))  # fmt: skip
    return page
