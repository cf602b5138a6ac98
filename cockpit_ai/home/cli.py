"""``cockpit-ai home send|devices``: check a home's MQTT set-up from the shell.

``home send DEVICE ACTION [VALUE]`` publishes the very command the home node would send
(same table, QoS 1, waits for the broker's PUBACK), so an integrator sees in Home Assistant
what the car will do. Exit 1 with one line when the broker is down or refuses the login,
2 for a device, action or value the table does not take.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``home`` and its subcommands to the ``cockpit-ai`` parser."""
    from cockpit_ai.home.mqtt import DEVICES, BrokerSettings

    d = BrokerSettings()
    home = sub.add_parser(
        "home",
        help="the driver's home over MQTT: send one command, list the devices",
        description="Home Assistant–style commands over MQTT, as the home node sends them: "
        "<prefix>/<device>/set with QoS 1 (docs/home.md).",
    )
    home_sub = home.add_subparsers(dest="home_command", metavar="SUBCOMMAND")
    home.set_defaults(func=lambda args: (home.print_help(), 2)[1])

    send = home_sub.add_parser(
        "send",
        help="publish one device command to a broker (waits for its acknowledgement)",
        description="Publish DEVICE ACTION [VALUE] to <prefix>/<DEVICE>/set with the payload "
        "the home node uses, e.g. `cockpit-ai home send heating set 21` → "
        '{"state": "heat", "temperature": 21}. No policy here: this is the integrator\'s '
        "check of the broker and Home Assistant, not the driver's request.",
    )
    send.add_argument("device", choices=sorted(DEVICES), metavar="DEVICE",
                      help=f"one of: {', '.join(sorted(DEVICES))}")  # fmt: skip
    send.add_argument("action", choices=("on", "off", "open", "close", "set"), metavar="ACTION",
                      help="on, off, open, close or set")  # fmt: skip
    send.add_argument("value", nargs="?", default="",
                      help="for set: degrees (climate) or an alarm mode (away, home, night)")
    send.add_argument("--host", default=d.host, help=f"broker host (default {d.host})")
    send.add_argument("--port", type=int, default=d.port, help=f"broker port (default {d.port})")
    send.add_argument("--prefix", default=d.topic_prefix,
                      help=f"topic prefix (default {d.topic_prefix})")  # fmt: skip
    send.add_argument("--username", default="", help="MQTT username (default: anonymous)")
    send.add_argument("--password-file", type=Path, default=None, metavar="FILE",
                      help="file whose first line is the MQTT password (not on the command "
                      "line, where ps shows it)")  # fmt: skip
    send.add_argument("--tls", action="store_true", help="connect with TLS")
    send.add_argument("--timeout", type=float, default=d.connect_timeout_s, metavar="S",
                      help="seconds to wait for the broker and for its acknowledgement")
    send.add_argument("--json", action="store_true",
                      help="print JSON: topic, payload, host, port, sent")  # fmt: skip
    send.set_defaults(func=_cmd_send)

    devices = home_sub.add_parser(
        "devices", help="the devices, their Home Assistant kind, actions and payloads",
        description="The one device table: what each command looks like on the wire.")
    devices.add_argument("--prefix", default=d.topic_prefix, help="topic prefix")
    devices.add_argument("--json", action="store_true", help="print JSON")
    devices.set_defaults(func=_cmd_devices)


def _fail(message: str, code: int = 1) -> int:
    print(f"cockpit-ai home: {message}", file=sys.stderr)
    return code


def _cmd_send(args: argparse.Namespace) -> int:
    from cockpit_ai.home import BrokerError, HomeValueError, mqtt

    try:
        topic = mqtt.command_topic(args.prefix, args.device)
        body = mqtt.payload(args.device, args.action, args.value)
    except HomeValueError as exc:
        return _fail(str(exc), 2)
    password = ""
    if args.password_file is not None:
        try:
            password = args.password_file.read_text().strip()
        except OSError as exc:
            return _fail(f"--password-file: {exc}", 2)
    settings = mqtt.BrokerSettings(
        host=args.host, port=args.port, username=args.username, password=password,
        client_id=f"cockpit_ai_home_cli_{os.getpid()}", topic_prefix=args.prefix,
        tls=args.tls, connect_timeout_s=args.timeout, publish_timeout_s=args.timeout)
    try:
        mqtt.publish_once(settings, topic, body)
    except BrokerError as exc:
        if args.json:
            print(json.dumps({"topic": topic, "payload": body, "host": args.host,
                              "port": args.port, "sent": False, "error": str(exc)}))
        return _fail(str(exc))
    if args.json:
        print(json.dumps({"topic": topic, "payload": body, "host": args.host,
                          "port": args.port, "sent": True}))
    else:
        print(f"sent {body} to {topic} on {settings.address} (acknowledged)")
    return 0


def _cmd_devices(args: argparse.Namespace) -> int:
    from cockpit_ai.home import HomeValueError, mqtt

    try:
        rows: list[dict[str, Any]] = []
        for name, dev in mqtt.DEVICES.items():
            examples: dict[str, str] = {}
            for action in mqtt.actions(name):
                value = {"climate": "21", "alarm": "night"}.get(dev.kind, "")
                value = value if action == "set" else ""
                examples[f"{action} {value}".strip()] = mqtt.payload(name, action, value)
            rows.append({"device": name, "kind": dev.kind,
                         "topic": mqtt.command_topic(args.prefix, name),
                         "actions": list(mqtt.actions(name)), "payloads": examples})

    except HomeValueError as exc:
        return _fail(str(exc), 2)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        shown = ", ".join(f"{k} → {v}" for k, v in row["payloads"].items())
        print(f"{row['device']:17} {row['kind']:8} {row['topic']}: {shown}")
    return 0
