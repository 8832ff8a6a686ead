"""Delivery channels: the contract (``base``), the registry, and the built-in types.

``slack``, ``email``, ``webhook``, ``console`` and ``file``; third-party
types register through the ``wirewatch.channels`` entry-point group.
"""

from alerts.channels.base import Channel, ChannelOptions, Delivery
from alerts.channels.registry import ChannelRegistry

__all__ = ["Channel", "ChannelOptions", "ChannelRegistry", "Delivery"]
