"""The package's one error base; every area derives its own error from it.

``except CockpitError`` catches whatever the package raises on purpose (a message that says
what to do), and nothing else. An area's error also derives from the built-in kind that
fits it, so callers that catch ``ValueError`` (bad input) or ``RuntimeError`` (a part that
failed) keep working: bad input is a ``ValueError``; a failing service, process or back end
is not.
"""

from __future__ import annotations


class CockpitError(Exception):
    """Something cockpit_ai was given or needs is wrong; the message says what to do."""
