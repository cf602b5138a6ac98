"""cockpit_ai: an in-car AI co-pilot as ROS 2 nodes (speech, vision, landmarks, fatigue, planner).

The generated message modules live in ``cockpit_ai.msg`` (rosidl); every capability has its
own sub-package with a plain-Python core and a thin ROS node beside it.
"""

__version__ = "0.1.0"
