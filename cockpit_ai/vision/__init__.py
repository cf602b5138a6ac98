"""Vision: cabin and road cameras through an Ultralytics YOLO detector, with tracking.

Plain-Python core (no rclpy): image conversions (``images``), camera/file sources
(``sources``), the offline default model (``assets``, converted at setup by
``cockpit_ai.assets.darknet``) and the detector (``detector``). The ROS nodes are thin shells
over it (their newest-frame worker is ``cockpit_ai.workers.LatestWorker``).
Submodules are imported on use so ``import cockpit_ai.vision`` stays light.
"""

from __future__ import annotations

from cockpit_ai.errors import CockpitError


class VisionError(CockpitError, ValueError):
    """Bad input or setup in the vision area; the message says what was wrong and what to do."""
