"""Offline models and data: fetched from package registries at setup, never at run time."""
