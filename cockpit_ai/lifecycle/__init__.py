"""Managed (lifecycle) nodes from the command line, where ``ros2 lifecycle`` is absent."""
