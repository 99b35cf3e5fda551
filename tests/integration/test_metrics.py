"""/metrics in embedded mode: the worker thread's counts show in the server's metrics."""

from __future__ import annotations

import time

from prometheus_client.parser import text_string_to_metric_families

from tests.integration.conftest import Api

DESIGN = """
currencies:
  xp: {levels: {thresholds: [0, 10]}}
rules:
  - {id: xp, on: did, award: {xp: "event.n"}}
"""


def samples(api: Api) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = api.client.get("/metrics").text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_processing_latency_outcomes_and_awards_by_kind_are_counted(api: Api) -> None:
    api.publish(DESIGN)
    before = samples(api)
    latency = ("questline_processing_latency_seconds_count", ())
    processed = ("questline_events_processed_total", (("status", "processed"),))
    levels = ("questline_awards_total", (("kind", "level_reached"),))
    awards = ("questline_awards_total", (("kind", "currency_awarded"),))

    api.post(
        "/v1/events", json={"type": "did", "player": "kim", "properties": {"n": 12}}, expect=202
    )
    deadline = time.monotonic() + 10
    while samples(api).get(latency, 0.0) < before.get(latency, 0.0) + 1:
        assert time.monotonic() < deadline, "the event was not processed"
        time.sleep(0.05)

    after = samples(api)
    assert after[processed] == before.get(processed, 0.0) + 1
    assert after[awards] == before.get(awards, 0.0) + 1
    assert after[levels] == before.get(levels, 0.0) + 1
    assert after[("questline_events_pending", ())] == 0
