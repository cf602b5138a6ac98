"""LLM planner: a tool-using co-pilot on llama.cpp, edge first with cloud failover.

The core (``Planner``) is plain Python; the ROS node is a thin shell around it.
"""

from cockpit_ai.planner.errors import PlannerError

__all__ = ["PlannerError"]
