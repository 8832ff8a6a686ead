"""The channel registry: built-ins, custom classes, the console renders inert text."""

from __future__ import annotations

import io
from collections.abc import Sequence

import pytest

from alerts.channels import Channel, ChannelRegistry, Delivery
from alerts.channels.console import ConsoleChannel, ConsoleOptions
from alerts.samples import sample_alert
from wirewatch.records import Alert


class Pager(Channel):
    type = "pager"

    async def send(self, alert: Alert) -> Delivery:
        return Delivery.sent(self.name)

    async def send_batch(self, alerts: Sequence[Alert], *, digest: bool = False) -> Delivery:
        return Delivery.sent(self.name)


def test_default_registry_has_the_built_in_types() -> None:
    assert list(ChannelRegistry.default(plugins=False)) == ["console", "email", "file", "slack", "webhook"]


def test_custom_types_register_and_bad_ones_are_refused() -> None:
    registry = ChannelRegistry()
    registry.register(Pager)
    assert registry.get("pager") is Pager and "pager" in registry
    with pytest.raises(TypeError):
        registry.register(int)  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        registry.get("fax")


async def test_console_prints_hostile_text_as_text(hostile: Alert) -> None:
    out = io.StringIO()
    channel = ConsoleChannel(ConsoleOptions(name="console", type="console"), out)
    hostile = hostile.model_copy(update={"escalations": ["[bold red]x[/] \x1b[2J"]})
    assert (await channel.send(hostile)).ok
    text = out.getvalue()
    assert "[bold red]x[/]" in text and "\x1b[2J" not in text
    assert (await channel.send_batch([sample_alert(1), sample_alert(2)], digest=True)).ok
    assert "digest: 2 alerts" in out.getvalue()


def test_plugins_register_through_entry_points_and_broken_ones_are_skipped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    class EP:
        def __init__(self, name: str, target: object):
            self.name, self.value, self._target = name, f"plugin:{name}", target

        def load(self) -> object:
            if isinstance(self._target, Exception):
                raise self._target
            return self._target

    import alerts.channels.registry as module

    monkeypatch.setattr(
        module, "entry_points", lambda group: [EP("pager", Pager), EP("fax", ImportError("no fax"))]
    )
    registry = ChannelRegistry.default()
    assert "pager" in registry and "fax" not in registry
    assert "channel plug-in fax" in caplog.text
