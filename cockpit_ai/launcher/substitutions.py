"""``$(...)`` substitutions of the ROS 2 XML launch format."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from cockpit_ai.errors import CockpitError
from cockpit_ai.paths import package_prefix, package_share, prefixes


class LaunchError(CockpitError, ValueError):
    """A launch file cannot be read or run; the message names file, element and reason."""


_SUB = re.compile(r"\$\(([^()]*)\)")


class Context:
    """Launch configurations (args and lets), environment and the current file."""

    def __init__(self, *, configs: dict[str, str] | None = None, env: dict[str, str] | None = None,
                 file: Path | None = None, namespace: str = "") -> None:
        self.configs: dict[str, str] = dict(configs or {})
        self.env: dict[str, str] = dict(env if env is not None else os.environ)
        self.file = file
        self.namespace = namespace

    def child(self, *, file: Path | None = None, scoped: bool = True) -> Context:
        """A copy for a group or include; ``scoped=False`` shares the same dicts."""
        if not scoped:
            ctx = Context.__new__(Context)
            ctx.configs, ctx.env = self.configs, self.env
            ctx.file, ctx.namespace = file or self.file, self.namespace
            return ctx
        return Context(configs=self.configs, env=self.env, file=file or self.file,
                       namespace=self.namespace)


def _find_pkg_prefix(pkg: str) -> str:
    try:
        return str(package_prefix(pkg))
    except FileNotFoundError:
        raise LaunchError(
            f"package '{pkg}' not found (searched {', '.join(map(str, prefixes()))})") from None


def _handlers(ctx: Context) -> dict[str, Callable[[list[str]], str]]:
    def var(a: list[str]) -> str:
        if len(a) != 1:
            raise LaunchError("$(var NAME) takes one argument")
        if a[0] not in ctx.configs:
            raise LaunchError(f"launch configuration '{a[0]}' is not set "
                              "(no <arg> or <let> gave it)")
        return ctx.configs[a[0]]

    def env(a: list[str]) -> str:
        if len(a) not in (1, 2):
            raise LaunchError("$(env NAME [DEFAULT]) takes one or two arguments")
        if a[0] in ctx.env:
            return ctx.env[a[0]]
        if len(a) == 2:
            return a[1]
        raise LaunchError(f"environment variable '{a[0]}' is not set")

    def optenv(a: list[str]) -> str:
        if len(a) not in (1, 2):
            raise LaunchError("$(optenv NAME [DEFAULT]) takes one or two arguments")
        return ctx.env.get(a[0], a[1] if len(a) == 2 else "")

    def find_pkg_share(a: list[str]) -> str:
        if len(a) != 1:
            raise LaunchError("$(find-pkg-share PKG) takes one argument")
        try:
            return str(package_share(a[0]))
        except FileNotFoundError as exc:
            raise LaunchError(str(exc)) from None

    def find_pkg_prefix(a: list[str]) -> str:
        if len(a) != 1:
            raise LaunchError("$(find-pkg-prefix PKG) takes one argument")
        return _find_pkg_prefix(a[0])

    def dirname(a: list[str]) -> str:
        if a:
            raise LaunchError("$(dirname) takes no argument")
        if ctx.file is None:
            raise LaunchError("$(dirname) used outside a file")
        return str(ctx.file.parent)

    def filename(a: list[str]) -> str:
        if ctx.file is None:
            raise LaunchError("$(filename) used outside a file")
        return str(ctx.file.name)

    return {
        "var": var,
        "env": env,
        "optenv": optenv,
        "find-pkg-share": find_pkg_share,
        "find-pkg-prefix": find_pkg_prefix,
        "dirname": dirname,
        "filename": filename,
    }


def substitute(text: str, ctx: Context) -> str:
    """Expand every ``$(...)`` in ``text``; nested substitutions are expanded inside out."""
    handlers = _handlers(ctx)
    for _ in range(32):  # bounded: a substitution's result is not expanded again forever
        match = _SUB.search(text)
        if not match:
            return text
        parts = match.group(1).split()
        if not parts:
            raise LaunchError("empty substitution $()")
        kind, args = parts[0], parts[1:]
        if kind not in handlers:
            raise LaunchError(
                f"unknown substitution $({kind} ...); supported: {', '.join(sorted(handlers))}"
            )
        text = text[: match.start()] + handlers[kind](args) + text[match.end():]
    raise LaunchError(f"too many nested substitutions in '{text}'")


def truthy(value: str, *, what: str) -> bool:
    """Launch booleans: true/false (also 1/0), as ros2 launch accepts them."""
    v = value.strip().lower()
    if v in ("true", "1"):
        return True
    if v in ("false", "0"):
        return False
    raise LaunchError(f"{what}: expected true or false, got '{value}'")
