"""The demo drive: a recorded drive through central Helsinki replayed through every node."""
