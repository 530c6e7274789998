"""The small error tree of juesuan: every message names the unit, the file and the problem."""

from __future__ import annotations


class JuesuanError(Exception):
    """Base of every error juesuan raises on purpose."""


class ConfigError(JuesuanError):
    """juesuan.toml or the unit registry is wrong."""


class RegistryError(ConfigError):
    """units.csv has a bad row; the message names the file, the line and the unit."""
