"""The driver's say over their data: consent to the cloud, "forget me", and the leak check.

``consent.py`` keeps one record per driver in SQLite (``data_dir()/privacy.sqlite``): the
cloud stays off until the driver said yes, and a forget request is noted there so a running
planner drops its dialogue at its next turn. ``forget.py`` erases a driver's data (dialogue,
trips, profile, audit entries, consent). ``capture.py`` is a local OpenAI-compatible server
that keeps every byte it receives, and the checker that asserts nothing precise was in it.
``cli.py``: ``cockpit-ai privacy consent give|withdraw|show``, ``cockpit-ai privacy forget``,
``cockpit-ai privacy capture-server``, ``cockpit-ai privacy leak-check`` (docs/privacy.md).
"""

from __future__ import annotations

from cockpit_ai.errors import CockpitError


class PrivacyError(CockpitError, RuntimeError):
    """The privacy record cannot be read or written (a missing folder, a corrupt file)."""


class PrivacyInputError(CockpitError, ValueError):
    """Bad input (a driver name, a file): one line on stderr, exit code 2."""


DEFAULT_DRIVER = "default"
