"""What the co-pilot notices without being asked, and what the road camera adds to an answer
(issue 14): the planner's side of ``alerts.py`` (fatigue that escalates), ``proactive.py``
(landmarks remarked on as they come abeam) and ``scene.py`` (camera objects beside the map).

The rules live in those three modules; this one turns their decisions into ``Turn``s with
the planner's search, route, safety gate and dialogue session, so ``planner.py`` only hands
over (``Planner.on_fatigue``, ``on_nearby``, ``on_trip_ended``, the landmark tool).
"""

from __future__ import annotations

import logging
import math
import time
from typing import TYPE_CHECKING

from cockpit_ai.planner import alerts, scene
from cockpit_ai.planner.alerts import Alert, AlertSettings, FatigueAlerts
from cockpit_ai.planner.answers import SIDE_WORDS, distance_text, kind_text
from cockpit_ai.planner.dialogue import Pending, Session
from cockpit_ai.planner.proactive import Remarks, RemarkSettings, Sight
from cockpit_ai.planner.tools import Place, ToolCall, VehicleCommand, landmark_request
from cockpit_ai.planner.types import Context, Turn

if TYPE_CHECKING:
    from cockpit_ai.planner.planner import Planner

log = logging.getLogger("cockpit_ai.planner")

__all__ = ["Attention", "Sight"]  # Sight: what Planner.on_nearby takes


def _navigate(place: Place) -> ToolCall:
    return ToolCall("vehicle", {"function": "navigation", "action": "set",
                                "value": place.name[:40], "unit": "none", "zone": "all"})


class Attention:
    """Fatigue alerts, proactive remarks and the road camera, for one planner."""

    def __init__(self, planner: Planner) -> None:
        cfg = planner.config
        self.planner = planner
        self.alerts = FatigueAlerts(AlertSettings(
            break_level=int(cfg["fatigue_break_level"]),
            cooldown_s=float(cfg["break_reminder_s"]),
            severe_repeat_s=float(cfg["severe_repeat_s"]),
            stopped_mps=float(planner.gate.moving_mps)))
        self.remarks = Remarks(RemarkSettings(
            enabled=bool(cfg["proactive_remarks"]),
            interval_s=float(cfg["remark_interval_s"]),
            max_distance_m=float(cfg["remark_max_distance_m"])))

    # -- fatigue ------------------------------------------------------------------------
    def fatigue(self, level: int, ctx: Context) -> Turn | None:
        """The response to this fatigue state (alerts.py decides), or None. Time is the
        state's stamp (``ctx.stamp_ns``; monotonic when 0); the car's speed at that stamp
        says whether it stopped."""
        now_s = ctx.stamp_ns / 1e9 if ctx.stamp_ns else time.monotonic()
        speed = ctx.speed_then_mps if ctx.speed_then_mps is not None else ctx.speed_mps
        alert = self.alerts.update(level, now_s=now_s, speed_mps=speed)
        if alert is None:
            return None
        t0 = time.perf_counter()
        turn = self._alert_turn(alert, ctx)
        turn.proactive = True
        turn.latency_ms = (time.perf_counter() - t0) * 1000
        return turn

    def _alert_turn(self, alert: Alert, ctx: Context) -> Turn:
        if alert.kind == "remark":
            return Turn(alerts.remark_text(), "none", 0.0)
        p = self.planner
        session = p.dialogues.get(ctx.session_id)
        call = ToolCall("rest_break", {"kind": "any"})
        turn = Turn("", "none", 0.0, tool_calls=[call])
        places = p._search(landmark_request(call, text="fatigue"), ctx, turn) or []
        where = ""
        if places:
            best = places[0]
            session.places, session.focus = places, 0
            turn.places = places
            where = self._place_text(best, ctx)
            if alert.kind == "break" or alert.repeat == 0:  # a yes navigates there
                session.pending = Pending(calls=[_navigate(best)],
                                          question=f"Shall I navigate to {best.name}?",
                                          stamp_ns=ctx.stamp_ns)
        if alert.kind == "break":
            turn.text = alerts.break_text(where)
            return turn
        turn.text = alerts.warning_text(where, repeat=alert.repeat)
        cmd = VehicleCommand(function=alerts.ALERT_FUNCTION, action=alerts.ALERT_ACTION,
                             value=alerts.ALERT_VALUE, zone="driver")
        cmd.vehicle_speed_mps = math.nan if ctx.speed_mps is None else float(ctx.speed_mps)
        verdict = p.gate.check(cmd, speed_mps=ctx.speed_mps)
        if verdict.allowed:
            turn.commands.append(cmd)
        else:  # a configuration without driver_alert: the warning is still said
            log.warning("planner: drowsiness alert not sent: %s", verdict.reason)
            turn.refused.append(verdict.reason)
            turn.refused_codes.append(verdict.code)
        return turn

    def _place_text(self, place: Place, ctx: Context) -> str:
        """The break place with its distance along the route (the street graph from the
        car's fix), else as the crow flies with its side."""
        route = self.planner.route_eta
        here = ctx.position()
        along = None
        if (route is not None and here is not None
                and (place.latitude_deg, place.longitude_deg) != (0.0, 0.0)):
            try:
                eta = route(here, (place.latitude_deg, place.longitude_deg))
                along = None if eta is None else eta[0]
            except Exception as exc:  # no route (one-way streets, off the map)
                log.info("planner: no route to %s: %s", place.name, exc)
        distance = along if along is not None else place.distance_m
        return alerts.place_text(place.name, kind_text(place), distance_text(distance),
                                 along_route=along is not None,
                                 where=next((w for side, w in SIDE_WORDS.items()
                                             if side == place.side), ""))

    # -- proactive remarks --------------------------------------------------------------
    def nearby(self, sights: list[Sight], *, now_s: float, quiet: bool,
               ctx: Context) -> Turn | None:
        """A remark on a place coming abeam, when the rules of proactive.py allow one."""
        text = self.remarks.offer(sights, now_s=now_s, quiet=quiet,
                                  fatigue_level=ctx.fatigue_level)
        return None if text is None else Turn(text, "none", 0.0, proactive=True)

    # -- the road camera ----------------------------------------------------------------
    def route(self, text: str) -> ToolCall | None:
        """The landmark tool for "is that a bus stop?" (no model), else None."""
        return scene.route(text)

    def landmark(self, call: ToolCall, ctx: Context, session: Session, text: str,
                 turn: Turn) -> str | None:
        """A kind question's answer from the camera and the map, or None for the landmark
        tool's own answer."""
        q = scene.kind_question(text)
        if q is None:
            return None
        places: list[Place] | None = []
        if q.categories:
            places = self.planner._search(scene.kind_request(q, text=text), ctx, turn)
            if places:
                session.places, session.focus = places, 0
                turn.places = places
        return scene.kind_answer(q, ctx.road_seen, places)

    @staticmethod
    def fuse(call: ToolCall, ctx: Context, places: list[Place] | None) -> str:
        """"On your right I can see a bus, and behind it Ateneum …", or "" (the camera sees
        nothing on that side now: the map's answer stands)."""
        return scene.fuse_landmark_answer(str(call.args.get("side", "any")), ctx.road_seen,
                                          places or [])
