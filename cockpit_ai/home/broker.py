"""A private Mosquitto on 127.0.0.1 for tests, benches and the demo drive.

Writes a ``mosquitto.conf`` in a folder of the caller's (a listener on a free loopback
port, anonymous or with a password file made by ``mosquitto_passwd``), starts
``/usr/sbin/mosquitto -c`` and waits until the port answers. Never a daemon, never another
address than 127.0.0.1.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

from cockpit_ai.home import BrokerError

MOSQUITTO = "/usr/sbin/mosquitto"


def mosquitto_binary() -> str | None:
    """The broker's path, or None when Mosquitto is not installed."""
    return MOSQUITTO if Path(MOSQUITTO).is_file() else shutil.which("mosquitto")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mosquitto:
    """One broker process; ``start``/``stop`` may be called again (same port, same users)."""

    def __init__(self, folder: Path, *, port: int | None = None,
                 users: dict[str, str] | None = None) -> None:  # fmt: skip
        binary = mosquitto_binary()
        if binary is None:
            raise BrokerError("mosquitto is not installed (Debian package 'mosquitto')")
        self.binary = binary
        self.folder = folder
        self.port = port or free_port()
        self.users = users or {}
        self.proc: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)
        # as root, mosquitto drops to user "mosquitto", who cannot read the caller's folder
        lines = [f"listener {self.port} 127.0.0.1", "persistence false",
                 f"user {pwd.getpwuid(os.getuid()).pw_name}",
                 f"log_dest file {folder / 'mosquitto.log'}", "log_type all"]  # fmt: skip
        if self.users:
            passwd = folder / "passwd"
            passwd.write_text("")
            tool = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"
            for user, password in self.users.items():
                subprocess.run([tool, "-b", str(passwd), user, password], check=True,
                               capture_output=True)  # fmt: skip
            lines += ["allow_anonymous false", f"password_file {passwd}"]
        else:
            lines.append("allow_anonymous true")
        self.conf = folder / "mosquitto.conf"
        self.conf.write_text("\n".join(lines) + "\n")

    def start(self, timeout: float = 10.0) -> Mosquitto:
        if self.proc is not None and self.proc.poll() is None:
            return self
        self.proc = subprocess.Popen([self.binary, "-c", str(self.conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise BrokerError(f"mosquitto exited ({self.proc.returncode}): {err.strip()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise BrokerError(f"mosquitto did not open 127.0.0.1:{self.port} in {timeout:g} s")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()

    def __enter__(self) -> Mosquitto:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        self.stop()


class Listener:
    """A paho subscriber that collects what arrives under a topic filter (tests, demo)."""

    def __init__(self, port: int, topic: str = "#", *, host: str = "127.0.0.1",
                 username: str = "", password: str = "", timeout: float = 10.0) -> None:
        import threading

        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        self.messages: list[tuple[str, str]] = []
        self._cond = threading.Condition()
        subscribed = threading.Event()
        self._client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2,
                                   client_id=f"listener-{free_port()}")  # fmt: skip
        if username:
            self._client.username_pw_set(username, password)

        def on_connect(client: mqtt.Client, *_: object) -> None:
            client.subscribe(topic, qos=1)

        def on_subscribe(*_: object) -> None:
            subscribed.set()

        def on_message(client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
            with self._cond:
                self.messages.append((msg.topic, msg.payload.decode("utf-8", "replace")))
                self._cond.notify_all()

        self._client.on_connect = on_connect
        self._client.on_subscribe = on_subscribe
        self._client.on_message = on_message
        self._client.connect(host, port)
        self._client.loop_start()
        if not subscribed.wait(timeout):
            self.close()
            raise BrokerError(f"could not subscribe to {topic} on {host}:{port}")

    def wait(self, n: int = 1, timeout: float = 10.0) -> list[tuple[str, str]]:
        """The first ``n`` messages (BrokerError when fewer came within ``timeout``)."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.messages) >= n, timeout):
                raise BrokerError(f"{len(self.messages)} of {n} MQTT messages arrived: "
                                  f"{self.messages}")  # fmt: skip
            return list(self.messages[:n])

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()
