"""A real Mosquitto on 127.0.0.1 per test (skipped only when the binary is missing)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cockpit_ai.home.broker import Listener, Mosquitto, mosquitto_binary


@pytest.fixture
def make_broker(tmp_path: Path) -> Iterator[Callable[..., Mosquitto]]:
    """Make (not start) brokers: ``make_broker(users={"car": "secret"})``; all stopped after."""
    if mosquitto_binary() is None:
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    made: list[Mosquitto] = []

    def make(**kwargs: object) -> Mosquitto:
        broker = Mosquitto(tmp_path / f"mosquitto-{len(made)}", **kwargs)  # type: ignore[arg-type]
        made.append(broker)
        return broker

    yield make
    for broker in made:
        broker.stop()


@pytest.fixture
def broker(make_broker: Callable[..., Mosquitto]) -> Mosquitto:
    """A started anonymous broker."""
    return make_broker().start()


@pytest.fixture
def listen() -> Iterator[Callable[..., Listener]]:
    """Subscribe to a broker and collect what arrives: ``listen(broker.port, "x/#")``."""
    made: list[Listener] = []

    def make(port: int, topic: str = "#", **kwargs: object) -> Listener:
        made.append(Listener(port, topic, **kwargs))  # type: ignore[arg-type]
        return made[-1]

    yield make
    for listener in made:
        listener.close()
