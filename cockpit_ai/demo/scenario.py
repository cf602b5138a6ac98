"""The demo drive's story: route, moment, questions and the driver's growing drowsiness.

Everything is fixed here so the generated bag, the live demo and the replay regression
test agree on what happened and when. Times are seconds from the start of the drive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

#: Through central Helsinki: Keskuskatu → Kaivokatu (railway station square) → Mikonkatu
#: → Yliopistonkatu → Unioninkatu north past Senate Square and the Cathedral.
WAYPOINTS: tuple[tuple[float, float], ...] = (
    (60.17005, 24.9430), (60.1700, 24.9470), (60.1690, 24.9505), (60.1725, 24.9505))
CRUISE_MPS = 8.3        # 30 km/h, a city street
STOP_AT_M = 520.0       # a red light on Yliopistonkatu
STOP_S = 8.0
GNSS_SIGMA_M = 1.5
#: A Friday in June at 12:30 Helsinki time (09:30 UTC): lunch places are open.
START = datetime(2026, 6, 12, 9, 30, 0, tzinfo=UTC)
NAMESPACE = "/cockpit"

FIX_HZ = 5.0
ODOM_HZ = 10.0
ROAD_HZ = 2.0
CABIN_HZ = 10.0
AUDIO_CHUNK_S = 0.02
CABIN_SIZE = (320, 240)  # width, height of the cabin camera frames
ROAD_SIZE = (640, 480)


@dataclass(frozen=True)
class Question:
    """A spoken question: when the driver starts speaking and what they say."""

    t: float
    text: str
    kind: str  # "landmark", "poi", "followup", "vehicle", "home"


QUESTIONS: tuple[Question, ...] = (
    Question(14.0, "What is that landmark on my right?", "landmark"),
    Question(32.0, "Find me a vegetarian restaurant that is open now.", "poi"),
    Question(50.0, "How far is it?", "followup"),
    Question(66.0, "Set the temperature to twenty-one degrees.", "vehicle"),
    Question(74.0, "Turn on the heating at home before I arrive.", "home"),
)

#: The driver's home: where the drive ends (Unioninkatu, north of Senate Square). The home
#: node sends a before-arrival request once the road-graph ETA falls below the lead time:
#: asked at ~77 s with an ETA of ~30 s, sent at ~108 s, before the car is home at ~120 s.
HOME = (60.172519, 24.950596)
HOME_LEAD_TIME_S = 22.0
#: The trip history the demo starts with: this drive, home for lunch, on the four Fridays
#: before (minutes off the drive's time), so the trips node predicts "Home" at the start.
HABIT_WEEKS = (1, 2, 3, 4)
HABIT_MINUTES_OFF = (-6, 4, -2, 9)


@dataclass(frozen=True)
class EyeEvent:
    """The eyes are shut from ``t`` for ``duration`` seconds."""

    t: float
    duration: float


def eye_closures(drive_s: float) -> list[EyeEvent]:
    """Normal blinks while alert; from 80 s longer and longer closures (microsleeps)."""
    events: list[EyeEvent] = []
    t = 2.0
    while t < 80.0:  # alert: a short blink every ~4 s (the first minute calibrates)
        events.append(EyeEvent(t, 0.2))
        t += 4.0 if int(t) % 3 else 3.3
    t = 82.0
    closure = 0.6
    while t < drive_s - 2.0:  # drowsy: closures grow from 0.6 s to 2 s, gaps shrink
        events.append(EyeEvent(t, closure))
        t += closure + max(2.0, 5.0 - (t - 82.0) / 15.0)
        closure = min(2.0, closure + 0.2)
    return events


DROWSY_FROM_S = 82.0
