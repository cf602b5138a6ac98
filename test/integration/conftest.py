"""Fixtures shared by the whole-stack tests: the demo drive through one computer, run once a
session, so the replay test and the two-computer test compare against the same run."""

from __future__ import annotations

import json

import pytest

#: Asked after the drive with the stack still up (the leak check, test_leak_check.py): the
#: drive's questions are all answered by the router, these need a model, so they go to the
#: cloud with the drive's dialogue (the restaurants found, the answers given) in context.
CLOUD_QUESTIONS = (
    "Hmm, which of them would you pick for a quick lunch?",
    "Which of them would my kids like best?",  # ("is the second one any good?": routed now)
    "Tell me a bit about the places we just passed.",
    "Remind me to call Anna Virtanen on 040 123 4567 and email anna.virtanen@example.fi "
    "about the car ABC-123.",
)


def ask_after_the_drive(expected: dict, questions: tuple[str, ...]) -> list[dict]:
    """Each question as a final Transcript stamped just after the drive's end; waits for
    its answer before the next (a new question would cancel one still running)."""
    from cockpit_ai.demo import scenario as sc
    from cockpit_ai.msg import AssistantResponse, Transcript
    from cockpit_ai.ros import qos
    from cockpit_ai.ros.probe import Probe, wait_until
    from cockpit_ai.ros.stamps import ns_to_stamp

    end_ns = int((sc.START.timestamp() + float(expected["duration_s"])) * 1e9)
    topic = f"{sc.NAMESPACE}/transcript"
    answers = []
    with Probe("leak_check_driver") as probe:
        replies = probe.subscribe(AssistantResponse, f"{sc.NAMESPACE}/response")
        pub = probe.publisher(Transcript, topic, qos.RELIABLE)

        def matched() -> bool:
            # the monitor and the recorder read transcripts too: wait for every reader,
            # the planner among them, and for the planner's answers to reach us
            readers = probe.node.get_subscriptions_info_by_topic(topic)
            return (any(r.node_name == "planner" for r in readers)
                    and pub.get_subscription_count() >= len(readers)
                    and replies.subscription.get_publisher_count() > 0)

        wait_until(matched, 60, "the planner's transcript and response topics")
        for i, text in enumerate(questions):
            msg = Transcript(utterance_id=f"cloud-{i}", text=text, raw_text=text,
                             language="en", confidence=0.95, is_final=True,
                             wake_word_heard=True, audio_duration_s=3.0, backend="test")
            msg.header.stamp = ns_to_stamp(end_ns + (i + 1) * 5_000_000_000)
            pub.publish(msg)
            got = replies.wait(1, timeout=180, where=lambda m, rid=msg.utterance_id:
                               m.request_id == rid)
            answers.append({"question": text, "answer": got[0].text,
                            "backend": got[0].backend})
    return answers


@pytest.fixture(scope="session")
def one_host_demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The demo drive through the launched stack on this computer, and what the offline
    recogniser hears in the bag's audio (``cockpit-ai transcribe``).

    The planner's cloud is on, at a capture endpoint on 127.0.0.1 (``privacy.capture``),
    and the driver consented: every byte it receives is kept (``cloud``) for the leak
    check; after the drive, ``CLOUD_QUESTIONS`` reach it with the drive's dialogue."""
    from cockpit_ai.demo.drive_bag import demo_bag_dir
    from cockpit_ai.demo.offline import offline_transcripts
    from cockpit_ai.demo.runner import run_demo
    from cockpit_ai.paths import data_dir
    from cockpit_ai.privacy.capture import CaptureServer, cloud_planner_params

    out = tmp_path_factory.mktemp("demo")
    bag_dir = demo_bag_dir(data_dir())
    exp = json.loads((bag_dir / "expected.json").read_text())
    asked: list[dict] = []
    with CaptureServer(record=out / "cloud.jsonl") as capture:
        params = cloud_planner_params(out / "cloud", capture.url)

        def after_the_drive(loop: int, data: dict) -> None:
            asked.extend(ask_after_the_drive(exp, CLOUD_QUESTIONS))

        result = run_demo(out=out / "run", report=True, echo=True,
                          launch_args=[f"planner_param_file:={params}"],
                          on_loop=after_the_drive)
        requests = list(capture.requests)
    offline = offline_transcripts(bag_dir / "bag", out / "offline")
    return {"summary": result.summary, "expected": exp, "out": result.out, "offline": offline,
            "cloud": {"requests": requests, "asked": asked, "folder": out / "cloud"}}
