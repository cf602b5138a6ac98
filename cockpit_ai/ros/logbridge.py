"""Core logs on ``/rosout``: the cores log with :mod:`logging`, the node forwards them.

The cores never import rclpy, so they log to the stdlib logger ``cockpit_ai.<area>``;
without a handler those warnings went nowhere when the core ran inside a node. ``run_node``
attaches :class:`RosLogHandler` to the package logger for the node's lifetime, so a core's
warning reaches the console and ``/rosout`` under the node's name, with its level.
"""

from __future__ import annotations

import logging
from typing import Any

PACKAGE_LOGGER = "cockpit_ai"


class RosLogHandler(logging.Handler):
    """Forwards stdlib records to an rclpy logger (``node.get_logger()``)."""

    def __init__(self, ros_logger: Any) -> None:
        super().__init__(level=logging.DEBUG)
        self._ros = ros_logger

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = f"[{record.name}] {self.format(record)}"
            if record.levelno >= logging.ERROR:
                self._ros.error(text)
            elif record.levelno >= logging.WARNING:
                self._ros.warning(text)
            elif record.levelno >= logging.INFO:
                self._ros.info(text)
            else:
                self._ros.debug(text)
        except Exception:  # logging must never break the node
            self.handleError(record)


def attach(ros_logger: Any) -> RosLogHandler:
    """Route the package's core logs (INFO and up) to ``ros_logger``; returns the handler."""
    handler = RosLogHandler(ros_logger)
    logger = logging.getLogger(PACKAGE_LOGGER)
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    return handler


def detach(handler: RosLogHandler) -> None:
    """Undo :func:`attach`."""
    logging.getLogger(PACKAGE_LOGGER).removeHandler(handler)
