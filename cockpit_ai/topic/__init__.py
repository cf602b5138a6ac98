"""``cockpit-ai topic list|echo|hz``: see what the nodes do where ``ros2 topic`` is absent."""
