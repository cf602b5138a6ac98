"""Every error class the package defines derives from the one base, ``CockpitError``."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import cockpit_ai
from cockpit_ai.errors import CockpitError


def _package_exceptions() -> list[type[BaseException]]:
    found = []
    for info in pkgutil.walk_packages(cockpit_ai.__path__, "cockpit_ai."):
        if info.name.startswith(("cockpit_ai.msg", "cockpit_ai.srv", "cockpit_ai.action")):
            continue  # generated interfaces
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == module.__name__:
                found.append(obj)
    return found


def test_every_package_error_is_a_cockpit_error() -> None:
    errors = _package_exceptions()
    assert len(errors) >= 10  # the areas' errors were found at all
    strays = [f"{e.__module__}.{e.__qualname__}" for e in errors if not issubclass(e, CockpitError)]
    assert not strays, strays


def test_bad_input_is_a_value_error_and_a_failing_back_end_is_not() -> None:
    from cockpit_ai.planner.backends import BackendError
    from cockpit_ai.planner.tools import ToolParseError
    from cockpit_ai.speech import SpeechError

    assert issubclass(SpeechError, ValueError)
    assert not issubclass(BackendError, ValueError)
    assert issubclass(ToolParseError, CockpitError)
