"""Every subscription of every node is fuzzed: a new ``create_subscription`` in
cockpit_ai/**/*_node.py fails here until test/fuzz/inputs.py has an Input for it."""

from __future__ import annotations

import ast

from fuzzkit import REPO
from inputs import UNCOUNTED, all_inputs


def subscriptions() -> set[tuple[str, str]]:
    """(node file stem, topic) of every create_subscription call; "*" = a topic name
    computed at run time (the recorder's ``topics``, a relay's fixed ``input``)."""
    found: set[tuple[str, str]] = set()
    for path in sorted((REPO / "cockpit_ai").rglob("*_node.py")):
        for call in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "create_subscription"):
                continue
            topic = call.args[1] if len(call.args) > 1 else None
            name = topic.value if isinstance(topic, ast.Constant) else "*"
            found.add((path.stem, str(name)))
    return found


def test_every_subscription_of_every_node_is_fuzzed() -> None:
    fuzzed = {(i.node, i.topic) for i in all_inputs()}
    nodes_fuzzed = {n for n, _ in fuzzed}
    missing = sorted(f"{n}:{t}" for n, t in subscriptions()
                     if (n, t) not in fuzzed and not (t == "*" and n in nodes_fuzzed))
    assert not missing, f"subscriptions without a fuzz Input (test/fuzz/inputs.py): {missing}"
    stale = sorted(f"{n}:{t}" for n, t in fuzzed - subscriptions()
                   if (n, "*") not in subscriptions())
    assert not stale, f"fuzz Inputs for subscriptions that no longer exist: {stale}"


def test_the_scan_finds_the_known_subscribers() -> None:
    subs = subscriptions()
    assert ("trips_node", "fix") in subs and ("speech_node", "audio") in subs
    assert ("bag_recorder_node", "*") in subs
    assert len({n for n, _ in subs}) >= 10


def test_every_input_is_counted_by_its_node() -> None:
    """Every fuzzed input has /diagnostics counters (``seen``): its rejections are counted
    and the harness checks each message is. A new one without: UNCOUNTED names it."""
    assert UNCOUNTED == []
