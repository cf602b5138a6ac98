"""The landmark node under faults, as a real process: its POI database missing, not a
database or corrupt (the node runs on: ERROR on /diagnostics, every query answered
UNAVAILABLE at once, the file tried again until it is back), and GNSS lost (the last good
fix is not used as if the car were still there: NO_FIX, "position unknown")."""

from __future__ import annotations

import math
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from cockpit_ai.testing import node_exec

pytestmark = [pytest.mark.integration, pytest.mark.beside]

REPO = Path(__file__).resolve().parents[2]
CAR = (60.1700, 24.9400)
DRIVE_POIS = REPO / "test" / "data" / "drive_pois.geojson"  # places around CAR


@pytest.fixture
def db(tmp_path: Path) -> Path:
    from cockpit_ai.landmark.osm_import import import_files

    out = tmp_path / "pois.sqlite"
    import_files([DRIVE_POIS], out, log=lambda _m: None)
    return out


def start(processes: Any, db: Path, ns: str, **params: Any) -> Any:
    args = [f"{k}:={v}" for k, v in {"db_path": db, "nearby_period_s": 0.0,
                                       "db_retry_s": 0.5, **params}.items()]
    return processes.start(
        [node_exec("landmark_node"), "--ros-args",
         "--params-file", str(REPO / "config" / "landmark.param.yaml"),
         *[x for a in args for x in ("-p", a)], "-p", "diagnostic_updater.period:=0.2",
         "-r", f"__ns:={ns}"], name="landmark")


def ask(probe: Any, ns: str, request_id: str, *, use_position: bool = True,
        stamp_s: float | None = None, timeout: float = 30) -> Any:
    from cockpit_ai.msg import LandmarkQuery
    from cockpit_ai.ros.stamps import s_to_stamp
    from cockpit_ai.srv import SearchLandmarks

    q = LandmarkQuery(request_id=request_id, text="test", use_position=use_position,
                      latitude_deg=CAR[0], longitude_deg=CAR[1], heading_deg=90.0, limit=5)
    q.header.stamp = s_to_stamp(time.time() if stamp_s is None else stamp_s)
    return probe.call(SearchLandmarks, f"{ns}/search_landmarks",
                      SearchLandmarks.Request(query=q), timeout=timeout).result


def status_of(diagnostics: Any, ns: str, where: Any, timeout: float = 30) -> Any:
    """The first /diagnostics status of the landmark node that matches ``where``."""
    def pick(m: Any) -> Any:
        return next((s for s in m.status if s.name == f"{ns}/landmark" and where(s)), None)

    return pick(diagnostics.wait(1, timeout=timeout, where=lambda m: pick(m) is not None)[-1])


def level(status: Any) -> int:
    return int.from_bytes(status.level, "little") if isinstance(status.level, bytes) \
        else int(status.level)


def values(status: Any) -> dict[str, str]:
    return {kv.key: kv.value for kv in status.values}


@pytest.mark.parametrize("damage", ["missing", "not_a_database", "corrupt"])
def test_an_unreadable_database_is_reported_and_retried(processes, probe, tmp_path, db,
                                                        damage) -> None:
    from diagnostic_msgs.msg import DiagnosticStatus

    from cockpit_ai.enums import LandmarkStatus

    ns = f"/lmfault_{damage}"
    path = tmp_path / "live.sqlite"
    if damage == "not_a_database":
        path.write_bytes(b"these are not the places you are looking for\n" * 200)
    elif damage == "corrupt":  # the header page intact, every page after it garbage
        data = bytearray(db.read_bytes())
        data[4096:] = bytes((i * 131 + 7) % 251 for i in range(len(data) - 4096))
        path.write_bytes(bytes(data))
    diagnostics = probe.subscribe(type(_diag_array()), "/diagnostics")
    node = start(processes, path, ns)

    err = status_of(diagnostics, ns, lambda s: level(s) == DiagnosticStatus.ERROR[0])
    assert err.message.startswith("POI database unavailable"), err.message
    assert values(err)["pois"] == "0" and values(err)["database_error"], values(err)
    # every query is answered at once, with the status that says why
    t0 = time.monotonic()
    got = ask(probe, ns, "while-down")
    assert got.status == LandmarkStatus.UNAVAILABLE and got.request_id == "while-down"
    assert "POI database unavailable" in got.message and not got.landmarks
    assert time.monotonic() - t0 < 10.0
    assert "[ERROR]" in processes.log(node) or "ERROR" in processes.log(node)
    # a fix does not hide the ERROR (the status stays on the database)
    _send_fix(probe, ns, CAR, time.time())
    time.sleep(1.0)
    again = status_of(diagnostics, ns, lambda s: True)
    assert level(again) == DiagnosticStatus.ERROR[0], again.message

    # the database comes back (an update finished copying): the node uses it, status clears
    tmp = tmp_path / "incoming.sqlite"
    shutil.copy(db, tmp)
    tmp.replace(path)
    ok = status_of(diagnostics, ns, lambda s: level(s) != DiagnosticStatus.ERROR[0])
    assert int(values(ok)["pois"]) > 0 and values(ok)["database_error"] == "", values(ok)
    found = ask(probe, ns, "after")
    assert found.status == LandmarkStatus.OK and found.landmarks, (found.status, found.message)
    assert node.poll() is None
    assert int(float(values(ok)["database_errors"])) >= 1


def _diag_array() -> Any:
    from diagnostic_msgs.msg import DiagnosticArray

    return DiagnosticArray()


def _send_fix(probe: Any, ns: str, where: tuple[float, float], stamp_s: float, *,
              status: int = 0, lat: float | None = None) -> None:
    from sensor_msgs.msg import NavSatFix, NavSatStatus

    from cockpit_ai.ros import qos
    from cockpit_ai.ros.stamps import s_to_stamp

    msg = NavSatFix(latitude=where[0] if lat is None else lat, longitude=where[1],
                    altitude=20.0)
    msg.header.stamp = s_to_stamp(stamp_s)
    msg.status = NavSatStatus(status=status, service=NavSatStatus.SERVICE_GPS)
    probe.publish(f"{ns}/fix", msg, qos=qos.SENSOR)


def test_gnss_lost_means_position_unknown(processes, probe, db) -> None:
    """Live: fixes stop being good (NaN, no fix) → after fix_timeout_s queries are NO_FIX
    with "position unknown", never answered from where the car was; back when fixes are."""
    from sensor_msgs.msg import NavSatFix

    from cockpit_ai.enums import LandmarkStatus
    from cockpit_ai.ros import qos

    ns = "/lmfault_gnss"
    start(processes, db, ns, fix_timeout_s=1.5)
    probe.wait_for_subscribers(NavSatFix, f"{ns}/fix", timeout=60, qos=qos.SENSOR)

    def good_until_answered(request_id: str) -> Any:
        deadline = time.monotonic() + 30
        while True:
            for _ in range(3):
                _send_fix(probe, ns, CAR, time.time())
                time.sleep(0.05)
            got = ask(probe, ns, request_id, use_position=False)
            if got.status == LandmarkStatus.OK or time.monotonic() > deadline:
                return got

    first = good_until_answered("with-fix")
    assert first.status == LandmarkStatus.OK, first.message
    assert first.vehicle_latitude_deg == pytest.approx(CAR[0])
    # GNSS lost: the receiver keeps sending, but nothing usable (NaN, then "no fix")
    lost_at = time.monotonic()
    while time.monotonic() - lost_at < 2.5:
        _send_fix(probe, ns, CAR, time.time(), lat=math.nan)
        _send_fix(probe, ns, CAR, time.time(), status=-1)
        time.sleep(0.1)
    lost = ask(probe, ns, "lost", use_position=False)
    assert lost.status == LandmarkStatus.NO_FIX, (lost.status, lost.message)
    assert lost.message.startswith("position unknown") and not lost.landmarks
    assert math.isnan(lost.vehicle_latitude_deg)
    # a caller that knows the position still gets places
    assert ask(probe, ns, "given").status == LandmarkStatus.OK
    back = good_until_answered("back")
    assert back.status == LandmarkStatus.OK, back.message


def test_a_question_inside_a_gnss_outage_of_a_replay_is_not_guessed(processes, probe,
                                                                    db) -> None:
    """Replayed stamps: fixes until t, none for 30 s, fixes again; a question stamped in the
    outage is NO_FIX (the fix before it is 20 s old), one after it is answered."""
    from sensor_msgs.msg import NavSatFix

    from cockpit_ai.enums import LandmarkStatus
    from cockpit_ai.ros import qos

    ns = "/lmfault_replay"
    start(processes, db, ns, fix_timeout_s=5.0)
    probe.wait_for_subscribers(NavSatFix, f"{ns}/fix", timeout=60, qos=qos.SENSOR)
    t0 = 1_800_000_000.0
    stamps = [t0 + i * 0.5 for i in range(20)] + [t0 + 40 + i * 0.5 for i in range(20)]

    def answered(request_id: str, at: float, want: int) -> Any:
        """Ask until the answer is ``want`` or 30 s passed: fixes are best effort, and on a
        loaded machine some of a burst may be lost, so they are resent (paced) each round."""
        deadline = time.monotonic() + 30
        while True:
            for s in stamps:
                _send_fix(probe, ns, CAR, s)
                time.sleep(0.005)
            time.sleep(0.2)
            got = ask(probe, ns, request_id, use_position=False, stamp_s=at)
            if got.status == want or time.monotonic() > deadline:
                return got

    after = answered("after-outage", t0 + 45.0, LandmarkStatus.OK)
    assert after.status == LandmarkStatus.OK, after.message
    inside = answered("in-outage", t0 + 30.0, LandmarkStatus.NO_FIX)
    assert inside.status == LandmarkStatus.NO_FIX, (inside.status, inside.message)
    assert "before the question" in inside.message
