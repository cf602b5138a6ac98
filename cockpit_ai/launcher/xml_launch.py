"""Reads ROS 2 XML launch files into a flat list of processes to start.

Tags and attributes are checked against the ROS 2 launch XML front end; an unknown one is
an error naming the file, the line and the element, never silently ignored.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from cockpit_ai.launcher.substitutions import Context, LaunchError, substitute, truthy
from cockpit_ai.paths import prefixes

COMMON = {"if", "unless"}
ALLOWED: dict[str, set[str]] = {
    "launch": {"version"},
    "arg": {"name", "default", "description", "choices"} | COMMON,
    "let": {"name", "value"} | COMMON,
    "node": {"pkg", "exec", "name", "namespace", "ns", "output", "respawn", "respawn_delay",
             "args", "ros_args", "launch-prefix", "exec_name"} | COMMON,
    "param": {"name", "value", "from", "sep", "type"},
    "remap": {"from", "to"},
    "env": {"name", "value"},
    "include": {"file"} | COMMON,
    "group": {"scoped", "forwarding", "namespace"} | COMMON,
    "push-ros-namespace": {"namespace"} | COMMON,
    "push_ros_namespace": {"namespace"} | COMMON,
    "set_env": {"name", "value"} | COMMON,
    "set-env": {"name", "value"} | COMMON,
    "unset_env": {"name"} | COMMON,
    "unset-env": {"name"} | COMMON,
    "executable": {"cmd", "name", "cwd", "output", "respawn", "respawn_delay", "args",
                   "launch-prefix"} | COMMON,
}
INCLUDE_ARG = {"name", "value"}  # <arg> inside <include> passes a value
CHILDREN: dict[str, set[str]] = {
    "launch": {"arg", "let", "node", "include", "group", "set_env", "set-env", "unset_env",
               "unset-env", "executable", "push-ros-namespace", "push_ros_namespace"},
    "group": {"arg", "let", "node", "include", "group", "set_env", "set-env", "unset_env",
              "unset-env", "executable", "push-ros-namespace", "push_ros_namespace"},
    "node": {"param", "remap", "env"},
    "executable": {"env"},
    "include": {"arg"},
    "param": {"param"},
}


@dataclass
class Element:
    """One XML element with the line it started on."""

    tag: str
    attrs: dict[str, str]
    line: int
    children: list[Element] = field(default_factory=list)


@dataclass
class ProcessSpec:
    """A process the launch file asks for, with its command line fully resolved."""

    name: str
    cmd: list[str]
    env: dict[str, str]
    respawn: bool = False
    respawn_delay_s: float = 0.0
    output: str = "screen"
    cwd: str | None = None


def parse_file(path: Path) -> Element:
    """Parse ``path`` into Elements with line numbers (expat, no external entities)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LaunchError(f"{path}: cannot read launch file: {exc.strerror}") from None
    parser = expat.ParserCreate()
    stack: list[Element] = []
    root: list[Element] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        el = Element(tag, dict(attrs), parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(el)
        else:
            root.append(el)
        stack.append(el)

    def end(tag: str) -> None:
        stack.pop()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise LaunchError(f"{path}: not well-formed XML: {exc}") from None
    if not root or root[0].tag != "launch":
        raise LaunchError(f"{path}: the root element must be <launch>")
    _check(root[0], path)
    return root[0]


def _check(el: Element, path: Path, parent: str | None = None) -> None:
    where = f"{path}:{el.line}: <{el.tag}>"
    if el.tag not in ALLOWED:
        raise LaunchError(f"{where}: unknown tag (supported: {', '.join(sorted(ALLOWED))})")
    if parent is not None and el.tag not in CHILDREN.get(parent, set()):
        raise LaunchError(f"{where}: not allowed inside <{parent}>")
    allowed = INCLUDE_ARG if (parent == "include" and el.tag == "arg") else ALLOWED[el.tag]
    unknown = set(el.attrs) - allowed
    if unknown:
        raise LaunchError(
            f"{where}: unknown attribute(s) {', '.join(sorted(unknown))} "
            f"(allowed: {', '.join(sorted(allowed))})"
        )
    for child in el.children:
        _check(child, path, el.tag)


def _join_ns(base: str, ns: str) -> str:
    if not ns:
        return base or ""
    if ns.startswith("/"):
        return ns.rstrip("/") or "/"
    joined = f"{base.rstrip('/')}/{ns}".rstrip("/")
    return joined if joined.startswith("/") else "/" + joined


def find_executable(pkg: str, exe: str) -> Path:
    """``lib/<pkg>/<exec>`` in the first prefix that has it, as ``ros2 run`` finds it."""
    for prefix in prefixes():
        candidate = prefix / "lib" / pkg / exe
        if candidate.is_file():
            return candidate
    raise LaunchError(f"executable '{exe}' of package '{pkg}' not found in "
                      f"{', '.join(str(p / 'lib' / pkg) for p in prefixes())}")


class Loader:
    """Walks the element tree, evaluating args, conditions and substitutions."""

    def __init__(self) -> None:
        self.processes: list[ProcessSpec] = []
        self.declared_args: list[tuple[str, str | None, str]] = []

    def _attr(self, el: Element, key: str, ctx: Context, default: str | None = None,
              *, required: bool = False) -> str | None:
        if key not in el.attrs:
            if required:
                raise LaunchError(f"{ctx.file}:{el.line}: <{el.tag}> needs attribute '{key}'")
            return default
        try:
            return substitute(el.attrs[key], ctx)
        except LaunchError as exc:
            raise LaunchError(f"{ctx.file}:{el.line}: <{el.tag} {key}=...>: {exc}") from None

    def _enabled(self, el: Element, ctx: Context) -> bool:
        where = f"{ctx.file}:{el.line}: <{el.tag}>"
        if "if" in el.attrs and not truthy(self._attr(el, "if", ctx) or "", what=f"{where} if"):
            return False
        if "unless" in el.attrs and truthy(self._attr(el, "unless", ctx) or "",
                                           what=f"{where} unless"):
            return False
        return True

    def load(self, path: Path, ctx: Context, *, overrides: dict[str, str], top: bool) -> None:
        """Load a file; ``overrides`` are the ``name:=value`` or include ``<arg>`` values."""
        path = path.resolve()
        root = parse_file(path)
        fctx = ctx.child(file=path, scoped=True)
        fctx.configs.update(overrides)
        self._block(root.children, fctx, top=top)

    def _block(self, elements: list[Element], ctx: Context, *, top: bool = False) -> None:
        for el in elements:
            if not self._enabled(el, ctx):
                continue
            handler = getattr(self, "_do_" + el.tag.replace("-", "_"))
            handler(el, ctx, top) if el.tag == "arg" else handler(el, ctx)

    def _do_arg(self, el: Element, ctx: Context, top: bool) -> None:
        name = self._attr(el, "name", ctx, required=True) or ""
        default = self._attr(el, "default", ctx)
        description = el.attrs.get("description", "")
        if top:
            self.declared_args.append((name, default, description))
        if name not in ctx.configs:
            if default is None:
                raise LaunchError(f"{ctx.file}:{el.line}: argument '{name}' is required "
                                  f"({description or 'no description'}); pass {name}:=VALUE")
            ctx.configs[name] = default
        choices = el.attrs.get("choices")
        if choices and ctx.configs[name] not in choices.split("|"):
            raise LaunchError(f"{ctx.file}:{el.line}: argument '{name}' must be one of "
                              f"{choices.split('|')}, got '{ctx.configs[name]}'")

    def _do_let(self, el: Element, ctx: Context) -> None:
        name = self._attr(el, "name", ctx, required=True) or ""
        ctx.configs[name] = self._attr(el, "value", ctx, required=True) or ""

    def _do_set_env(self, el: Element, ctx: Context) -> None:
        ctx.env[self._attr(el, "name", ctx, required=True) or ""] = (
            self._attr(el, "value", ctx, required=True) or "")

    def _do_unset_env(self, el: Element, ctx: Context) -> None:
        ctx.env.pop(self._attr(el, "name", ctx, required=True) or "", None)

    def _do_push_ros_namespace(self, el: Element, ctx: Context) -> None:
        ctx.namespace = _join_ns(ctx.namespace, self._attr(el, "namespace", ctx, required=True)
                                 or "")

    def _do_group(self, el: Element, ctx: Context) -> None:
        scoped = truthy(self._attr(el, "scoped", ctx, "true") or "true",
                        what=f"{ctx.file}:{el.line}: <group scoped>")
        gctx = ctx.child(scoped=scoped)
        if scoped:
            gctx.env = dict(ctx.env)
        if "namespace" in el.attrs:
            gctx.namespace = _join_ns(gctx.namespace, self._attr(el, "namespace", ctx) or "")
        self._block(el.children, gctx)

    def _do_include(self, el: Element, ctx: Context) -> None:
        file = Path(self._attr(el, "file", ctx, required=True) or "")
        if not file.is_absolute() and ctx.file is not None:
            file = ctx.file.parent / file
        overrides = {}
        for child in el.children:
            overrides[self._attr(child, "name", ctx, required=True) or ""] = (
                self._attr(child, "value", ctx, required=True) or "")
        ictx = ctx.child(scoped=True)
        ictx.env = dict(ctx.env)
        # Included files see the includer's configurations, overridden by the <arg>s given.
        self.load(file, ictx, overrides=overrides, top=False)

    def _do_node(self, el: Element, ctx: Context) -> None:
        where = f"{ctx.file}:{el.line}: <node>"
        pkg = self._attr(el, "pkg", ctx, required=True) or ""
        exe = self._attr(el, "exec", ctx, required=True) or ""
        name = self._attr(el, "name", ctx)
        ns = self._attr(el, "namespace", ctx) or self._attr(el, "ns", ctx) or ""
        namespace = _join_ns(ctx.namespace, ns)
        cmd = [str(find_executable(pkg, exe))]
        prefix = self._attr(el, "launch-prefix", ctx)
        if prefix:
            cmd = shlex.split(prefix) + cmd
        cmd += shlex.split(self._attr(el, "args", ctx) or "")
        ros_args = ["--ros-args"]
        if name:
            ros_args += ["-r", f"__node:={name}"]
        if namespace:
            ros_args += ["-r", f"__ns:={namespace}"]
        env = dict(ctx.env)
        for child in el.children:
            if child.tag == "param":
                ros_args += self._param(child, ctx, where)
            elif child.tag == "remap":
                src = self._attr(child, "from", ctx, required=True)
                dst = self._attr(child, "to", ctx, required=True)
                ros_args += ["-r", f"{src}:={dst}"]
            elif child.tag == "env":
                env[self._attr(child, "name", ctx, required=True) or ""] = (
                    self._attr(child, "value", ctx, required=True) or "")
        ros_args += shlex.split(self._attr(el, "ros_args", ctx) or "")
        cmd += ros_args
        respawn = truthy(self._attr(el, "respawn", ctx, "false") or "false",
                         what=f"{where} respawn")
        try:
            delay = float(self._attr(el, "respawn_delay", ctx, "0") or 0)
        except ValueError:
            raise LaunchError(f"{where}: respawn_delay must be a number of seconds") from None
        display = (f"{namespace.strip('/')}/{name}".strip("/") if name else exe)
        output = self._attr(el, "output", ctx, "screen") or "screen"
        self.processes.append(ProcessSpec(name=display, cmd=cmd, env=env, respawn=respawn,
                                          respawn_delay_s=delay, output=output))

    def _param(self, el: Element, ctx: Context, where: str) -> list[str]:
        if "from" in el.attrs:
            file = Path(self._attr(el, "from", ctx) or "")
            if not file.is_absolute() and ctx.file is not None:
                file = ctx.file.parent / file
            if not file.is_file():
                raise LaunchError(f"{where}: parameter file not found: {file}")
            return ["--params-file", str(file)]
        if el.children:
            raise LaunchError(f"{where}: nested <param> groups are not supported; use a YAML "
                              "file with <param from=...>")
        name = self._attr(el, "name", ctx, required=True)
        value = self._attr(el, "value", ctx, required=True)
        return ["-p", f"{name}:={value}"]

    def _do_executable(self, el: Element, ctx: Context) -> None:
        where = f"{ctx.file}:{el.line}: <executable>"
        cmd = shlex.split(self._attr(el, "cmd", ctx, required=True) or "")
        if not cmd:
            raise LaunchError(f"{where}: cmd is empty")
        default_name = Path(cmd[0]).name  # the program's, not the prefix's (nice, gdb...)
        prefix = self._attr(el, "launch-prefix", ctx)
        if prefix:
            cmd = shlex.split(prefix) + cmd
        cmd += shlex.split(self._attr(el, "args", ctx) or "")
        env = dict(ctx.env)
        for child in el.children:
            env[self._attr(child, "name", ctx, required=True) or ""] = (
                self._attr(child, "value", ctx, required=True) or "")
        respawn = truthy(self._attr(el, "respawn", ctx, "false") or "false",
                         what=f"{where} respawn")
        self.processes.append(ProcessSpec(
            name=self._attr(el, "name", ctx) or default_name, cmd=cmd, env=env,
            respawn=respawn, respawn_delay_s=float(self._attr(el, "respawn_delay", ctx, "0") or 0),
            cwd=self._attr(el, "cwd", ctx)))


def load_launch(path: Path, arguments: dict[str, str] | None = None) -> list[ProcessSpec]:
    """Resolve a launch file with ``name:=value`` arguments into processes to start."""
    loader = Loader()
    loader.load(Path(path), Context(), overrides=dict(arguments or {}), top=True)
    return loader.processes


def describe_args(path: Path) -> list[tuple[str, str | None, str]]:
    """The top-level ``<arg>`` declarations of a file: (name, default, description)."""
    root = parse_file(Path(path))
    return [(a.attrs.get("name", ""), a.attrs.get("default"), a.attrs.get("description", ""))
            for a in root.children if a.tag == "arg"]
