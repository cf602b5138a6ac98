"""``cockpit-ai home send`` against a real Mosquitto: the payload arrives; clear errors."""

from __future__ import annotations

import json
import subprocess

from cockpit_ai.testing import cockpit_cmd


def run(tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*cockpit_cmd(), "home", *args], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60)  # fmt: skip


def test_send_arrives_and_json(broker, listen, tmp_path) -> None:
    got = listen(broker.port, "house/#")
    done = run(tmp_path, "send", "heating", "set", "21", "--port", str(broker.port),
               "--prefix", "house", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"topic": "house/heating/set",
                                       "payload": '{"state": "heat", "temperature": 21}',
                                       "host": "127.0.0.1", "port": broker.port, "sent": True}
    assert got.wait(1) == [("house/heating/set", '{"state": "heat", "temperature": 21}')]


def test_clear_errors(make_broker, tmp_path) -> None:
    down = make_broker()
    off = run(tmp_path, "send", "lights", "on", "--port", str(down.port), "--timeout", "3")
    assert off.returncode == 1
    assert off.stderr.strip() == (
        f"cockpit-ai home: cannot reach the MQTT broker at 127.0.0.1:{down.port} (connection "
        "refused or timed out): is it running, and are broker_host/broker_port right?")
    bad = run(tmp_path, "send", "heating", "set", "hot")
    assert bad.returncode == 2 and "temperature" in bad.stderr
    secured = make_broker(users={"car": "right"}).start()
    pw = tmp_path / "pw"
    pw.write_text("wrong\n")
    login = run(tmp_path, "send", "lights", "on", "--port", str(secured.port),
                "--username", "car", "--password-file", str(pw))  # fmt: skip
    assert login.returncode == 1 and "refused the login of user 'car'" in login.stderr
    listing = run(tmp_path, "devices", "--json")
    assert {d["device"] for d in json.loads(listing.stdout)} >= {"heating", "garage_door"}
