"""Routing: notify list, default set, disabled channels, minimum severities."""

from __future__ import annotations

import pytest

from alerts.channels.base import ChannelOptions
from alerts.config import ChannelsConfig
from alerts.routing import Router
from alerts.samples import sample_alert
from wirewatch.records import Severity

CONFIG = ChannelsConfig(
    default=("console", "archive"),
    channels=(
        ChannelOptions(name="console", type="console"),
        ChannelOptions(name="archive", type="file"),
        ChannelOptions(name="slack-ops", type="slack", min_severity="medium"),
        ChannelOptions(name="analysts", type="email"),
        ChannelOptions(name="siem", type="webhook", min_severity="critical"),
    ),
)
ENABLED = {"console", "archive", "slack-ops", "analysts", "siem"}


@pytest.mark.parametrize(
    ("notify", "severity", "disabled", "targets", "filtered", "rerouted"),
    [
        ([], "low", [], ("console", "archive"), (), ()),
        (["slack-ops"], "high", [], ("slack-ops",), (), ()),
        (["slack-ops"], "low", [], (), ("slack-ops",), ()),
        (["slack-ops", "analysts", "slack-ops"], "high", [], ("slack-ops", "analysts"), (), ()),
        (["slack-ops"], "high", ["slack-ops"], ("console", "archive"), (), ("slack-ops",)),
        (["slack-ops", "analysts"], "high", ["slack-ops"], ("analysts",), (), ("slack-ops",)),
        (["pager"], "high", [], ("console", "archive"), (), ("pager",)),
        (["siem", "analysts"], "high", [], ("analysts",), ("siem",), ()),
        # ``default`` stands for the default set (a fired rule that named no channel)
        (["slack-ops", "default"], "high", [], ("slack-ops", "console", "archive"), (), ()),
        (["default", "archive"], "low", [], ("console", "archive"), (), ()),
    ],
)
def test_route(
    notify: list[str],
    severity: Severity,
    disabled: list[str],
    targets: tuple[str, ...],
    filtered: tuple[str, ...],
    rerouted: tuple[str, ...],
) -> None:
    router = Router(CONFIG, ENABLED - set(disabled), {n: f"{n} is disabled" for n in disabled})
    route = router.route(sample_alert(notify=notify, severity=severity))
    assert (route.targets, route.filtered, route.rerouted) == (targets, filtered, rerouted)
    assert route.unroutable == ""


def test_nothing_enabled_is_unroutable_with_the_reasons() -> None:
    router = Router(CONFIG, set(), {"console": "WIREWATCH_X is not set"})
    route = router.route(sample_alert())
    assert route.targets == ()
    assert "WIREWATCH_X is not set" in route.unroutable
