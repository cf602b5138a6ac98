"""Routing over the bundled OSM street network: directed graph, fastest routes, spoken ETA.

``graph.py`` builds the graph and answers routes and "which street is this"
(``default_graph().nearest_way(lat, lon)``); ``spoken.py`` turns a route into the sentence a
driver hears and gives ETAs; ``cli.py`` is ``cockpit-ai route``. Nothing is imported here, so
``cockpit-ai --help`` does not load networkx.
"""

from __future__ import annotations

from cockpit_ai.errors import CockpitError


class RouteError(CockpitError, ValueError):
    """No street graph, a position off the streets, or no route between two positions."""


__all__ = ["RouteError"]
