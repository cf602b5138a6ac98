"""A shared text through the planner node (real process, SmolLM2): SharedText in on
`shared_text`, "summarise the document" answered chunk by chunk on `response/partial`
before the final `response`, no command; an empty text is refused and counted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cockpit_ai.testing import node_exec

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def smollm2() -> Path:
    from cockpit_ai.paths import data_dir
    from cockpit_ai.planner.assets import install_smollm2, model_path

    path = model_path(data_dir(), "smollm2-135m")
    if not path.exists():
        install_smollm2(data_dir())
    return path


def transcript(uid: str, text: str) -> Any:
    from cockpit_ai.msg import Transcript

    msg = Transcript(utterance_id=uid, text=text, raw_text=text, language="en",
                     confidence=0.9, is_final=True, backend="test")
    msg.header.stamp.sec = 1_764_340_000
    return msg


def counter(diags: Any, key: str) -> float:
    for msg in reversed(diags.messages):
        for status in msg.status:
            if status.name.endswith("planner"):
                for kv in status.values:
                    if kv.key == key:
                        return float(kv.value)
    return 0.0


def test_a_shared_text_is_summarised_streamed(processes: Any, probe: Any,
                                              tmp_path: Path) -> None:
    from diagnostic_msgs.msg import DiagnosticArray

    from cockpit_ai.msg import AssistantResponse, SharedText, VehicleCommand
    from cockpit_ai.ros.probe import wait_until

    processes.start(
        [node_exec("planner_node"), "--ros-args",
         "--params-file", str(REPO / "config" / "planner.param.yaml"),
         "-p", f"model_path:={smollm2()}", "-p", "n_threads:=2", "-p", "landmark_timeout_s:=1.0",
         "-p", f"profile_db:={tmp_path / 'profiles.sqlite'}"],
        name="planner")
    responses = probe.subscribe(AssistantResponse, "response")
    partials = probe.subscribe(AssistantResponse, "response/partial")
    commands = probe.subscribe(VehicleCommand, "vehicle_command")
    diags = probe.subscribe(DiagnosticArray, "/diagnostics")
    probe.wait_for_subscribers(SharedText, "shared_text", timeout=180)

    probe.publish("shared_text", SharedText(source="phone", title="Empty", text=" \x00 "))
    wait_until(lambda: counter(diags, "shared_texts_refused") >= 1, 60, "the refusal counted")
    text = "\n\n".join(
        f"Day {d}. " + " ".join(f"On day {d} the team drives from Tampere to Turku and stops "
                                f"at café number {i} for coffee." for i in range(12))
        for d in range(1, 4))
    probe.publish("shared_text", SharedText(source="phone", title="Trip plan", text=text))
    wait_until(lambda: counter(diags, "shared_texts") >= 1, 60, "the shared text kept")

    probe.publish("transcript", transcript("s1", "summarise the document"), wait_subscribers=1)
    final = responses.wait(1, timeout=600, where=lambda m: m.request_id == "s1")[0]
    assert final.text.startswith("“Trip plan” from your phone: "), final.text
    assert final.backend == "edge"
    streamed = [m.text for m in partials.messages if m.request_id == "s1"]
    assert len(streamed) >= 3, streamed  # several sentences, over three chunks
    assert all(final.text.startswith(p) for p in streamed), (streamed, final.text)
    assert partials.times[0] < responses.times[responses.messages.index(final)]
    assert not commands.messages  # a command would have come before its answer
