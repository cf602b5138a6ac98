"""ManagedNode: the shared base of the package's managed (lifecycle) nodes.

A managed node loads its model in ``on_configure``, works only while active and frees the
model in ``on_cleanup``/``on_shutdown``. The ``autostart`` parameter (declared from the
node's schema like every other key; every managed node's schema lists it) decides who
drives the transitions: true (default) configures and activates the node itself right
after construction (a one-shot timer, as launch files do for yolo_ros), so launch files
and the demo start it like a plain node; false waits for ``cockpit-ai lifecycle set``.
A configure that fails during autostart stops the node like a failed plain-node start:
one ``[ERROR]`` line (from ``run_node``) and exit code 1 — also for an error ``load()`` did
not expect (it is logged with its traceback first): rclpy would otherwise leave the node
unconfigured without a word, alive, so a launcher's respawn never retried it (seen: a
planner whose model load failed sat "unconfigured" through a whole drive).

A subclass implements ``load()`` (raise ``NodeStartupError`` when it cannot), ``start()``,
``stop()`` and ``unload()``; the base turns them into the lifecycle callbacks.
"""

from __future__ import annotations

from typing import Any

from rclpy.lifecycle import LifecycleNode, LifecycleState, TransitionCallbackReturn

from cockpit_ai.ros.params import declare_from_schema
from cockpit_ai.ros.params import overrides as param_overrides
from cockpit_ai.ros.run import NodeStartupError


class ManagedNode(LifecycleNode):
    """A lifecycle node with schema parameters and ``autostart``."""

    def __init__(self, name: str, *, overrides: dict[str, Any] | None = None) -> None:
        super().__init__(name, parameter_overrides=param_overrides(overrides))
        self.p: dict[str, Any] = declare_from_schema(self, name)
        self.load_error: str | None = None
        self.running = False
        self._autostarting = False
        self._autostart_timer: Any = None
        self.exit_code = 0  # 1 when autostart could not load the model (run_node returns it)
        if self.p.get("autostart", True):
            self._autostart_timer = self.create_timer(0.0, self._autostart)

    # -- what a subclass implements -------------------------------------------------------
    def load(self) -> None:
        """Load the model (configure); raise NodeStartupError with what to do."""

    def start(self) -> None:
        """Start working (activate): subscriptions, worker threads."""

    def stop(self) -> None:
        """Stop working (deactivate/cleanup/shutdown); the model stays loaded."""

    def unload(self) -> None:
        """Free the model (cleanup/shutdown)."""

    # -- autostart ------------------------------------------------------------------------
    def _autostart(self) -> None:
        if self._autostart_timer is not None:
            self._autostart_timer.cancel()
            self.destroy_timer(self._autostart_timer)
            self._autostart_timer = None
        self._autostarting = True
        try:
            self.trigger_configure()
        finally:
            self._autostarting = False
        if self.load_error is not None:
            # As run_node says a NodeStartupError: one line, exit 1. Not raised from here:
            # an exception out of a timer callback reaches run_node only when it comes
            # quickly; after a load of half a second it was "never retrieved" and the node
            # stayed up, unconfigured, never respawned.
            import sys

            from rclpy import shutdown

            print(f"[ERROR] {self.load_error}", file=sys.stderr, flush=True)
            self.exit_code = 1
            try:
                shutdown(context=self.context)  # spin ends; run_node returns exit_code
            except Exception:  # already shut down (Ctrl-C meanwhile)
                pass
            return
        self.trigger_activate()

    # -- transitions ----------------------------------------------------------------------
    def on_configure(self, state: LifecycleState) -> TransitionCallbackReturn:
        self.load_error = None
        try:
            self.load()
        except NodeStartupError as exc:
            self.load_error = str(exc)
            if not self._autostarting:  # autostart: run_node prints it (one line, exit 1)
                self.get_logger().error(self.load_error)
            self.unload()
            return TransitionCallbackReturn.FAILURE
        except Exception as exc:  # not foreseen: say what and where, then fail the same way
            import traceback

            self.load_error = f"{self.get_name()}: loading failed: {type(exc).__name__}: {exc}"
            self.get_logger().error(f"{self.load_error}\n{traceback.format_exc()}")
            self.unload()
            return TransitionCallbackReturn.FAILURE
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
        # Publishers first, then the work: the first input after start() already has an
        # active publisher to answer on, so nothing is dropped in between.
        result = super().on_activate(state)
        if result != TransitionCallbackReturn.SUCCESS:
            return result
        self.running = True
        self.start()
        return result

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._stop()
        return super().on_deactivate(state)

    def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._stop()
        self.unload()
        return TransitionCallbackReturn.SUCCESS

    def on_shutdown(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._stop()
        self.unload()
        return TransitionCallbackReturn.SUCCESS

    def _stop(self) -> None:
        self.running = False
        self.stop()

    def close(self) -> None:
        """run_node calls this before destroying the node: stop the work."""
        self._stop()
