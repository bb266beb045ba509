"""Typed settings: one object, built once, passed down explicitly."""

from bridge.settings.loader import Settings, config_path, load_settings

__all__ = ["Settings", "config_path", "load_settings"]
