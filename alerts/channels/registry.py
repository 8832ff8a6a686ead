"""Which channel class serves which ``type:`` of channels.yaml.

An explicit object, not import-time globals: the delivery loop and the config
loader are handed a ``ChannelRegistry``; tests build their own. Third-party
packages add channel types through the ``wirewatch.channels`` entry-point
group (``mytype = mypkg.module:MyChannel``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from importlib.metadata import entry_points

from alerts.channels.base import Channel

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "wirewatch.channels"


class ChannelRegistry:
    """A mapping from channel type name to ``Channel`` subclass."""

    def __init__(self, classes: Iterable[type[Channel]] = ()):
        self._classes: dict[str, type[Channel]] = {}
        for cls in classes:
            self.register(cls)

    def register(self, cls: type[Channel]) -> type[Channel]:
        """Add a channel class under ``cls.type``; usable as a class decorator.

        A later registration of the same type replaces the earlier one, so a
        plug-in can override a built-in.
        """
        if not issubclass(cls, Channel) or not getattr(cls, "type", ""):
            raise TypeError(f"{cls!r} is not a Channel subclass with a type name")
        self._classes[cls.type] = cls
        return cls

    def get(self, type_name: str) -> type[Channel]:
        """The class for ``type_name``; ``KeyError`` if none is registered."""
        return self._classes[type_name]

    def __contains__(self, type_name: object) -> bool:
        return type_name in self._classes

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._classes))

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP) -> None:
        """Register every channel class published under ``group``; a broken plug-in is logged and skipped."""
        for ep in entry_points(group=group):
            try:
                self.register(ep.load())
            except Exception as exc:
                log.warning("channel plug-in %s (%s) not loaded: %s", ep.name, ep.value, exc)

    @classmethod
    def default(cls, plugins: bool = True) -> ChannelRegistry:
        """The built-in channels (slack, email, webhook, console, file), plus plug-ins."""
        from alerts.channels.console import ConsoleChannel
        from alerts.channels.email import EmailChannel
        from alerts.channels.file import FileChannel
        from alerts.channels.slack import SlackChannel
        from alerts.channels.webhook import WebhookChannel

        registry = cls([SlackChannel, EmailChannel, WebhookChannel, ConsoleChannel, FileChannel])
        if plugins:
            registry.load_entry_points()
        return registry
