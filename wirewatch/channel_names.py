"""The channel names a channels file declares, without the alerts service.

``wirewatch watchlist check|apply`` (the processor's commands) compare each
rule's ``notify`` list with these names, and the processor must not import
``alerts``: so this reads only the ``channels[].name`` keys, with the
kernel's YAML loader. Whether a channel block is otherwise valid is
``wirewatch channels check``'s business.
"""

from __future__ import annotations

from pathlib import Path

from wirewatch.configfile import read_yaml
from wirewatch.errors import ConfigError
from wirewatch.records import DEFAULT_CHANNELS


def channel_names(path: Path | str) -> frozenset[str]:
    """The names declared under ``channels:`` in ``path``.

    Raises ``ConfigError`` when the file cannot be read or has no list of
    named channels, at the line where that shows.
    """
    doc = read_yaml(path)
    channels = doc.data.get("channels") if isinstance(doc.data, dict) else None
    if not isinstance(channels, list):
        raise ConfigError([doc.issue(["channels"], "expected a list of channels under 'channels'")])
    names = set()
    for i, entry in enumerate(channels):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str):
            raise ConfigError([doc.issue(["channels", i], "a channel without a name")])
        names.add(name)
    return frozenset(names)


def notify_names(path: Path | str) -> frozenset[str]:
    """What a rule's ``notify`` may name: the declared channels and ``default`` (the default set)."""
    return channel_names(path) | {DEFAULT_CHANNELS}
