"""schema/asyncapi.yaml is what the event contracts generate, whatever the hash seed (FastStream
lists channels in set order: the file was different on one run in two before the maps were
sorted)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from servicekit.topology import PROJECT_ROOT


@pytest.mark.parametrize("seed", ["1", "2", "3"])
def test_the_checked_in_document_is_generated_the_same_under_any_hash_seed(seed: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "servicekit.events.cli", "asyncapi", "--check"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONHASHSEED": seed},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "asyncapi.yaml: up to date\n",
        "",
    )


ISSUE_HEADERS = [  # the dead-letter headers issue #15 names, written out independently
    "x-dead-letter-reason",
    "x-dead-letter-attempts",
    "x-dead-letter-group",
    "x-dead-letter-destination",
    "x-dead-letter-at",
    "x-event-id",
    "x-event-type",
]


def test_every_event_type_has_a_dead_letter_channel_with_its_headers() -> None:
    document = yaml.safe_load((PROJECT_ROOT / "schema" / "asyncapi.yaml").read_text())
    events = sorted(
        name for name in document["channels"] if not name.split(":")[0].endswith(".dlq")
    )
    assert len(events) == 13
    for name in events:
        address, version = name.split(":")
        dlq = f"{address}.dlq:{version}"
        channel = document["channels"][dlq]
        assert channel["address"] == f"{address}.dlq"
        message = document["components"]["messages"][f"{dlq}:Message"]
        original = document["components"]["messages"][f"{name}:Message"]
        assert message["payload"] == original["payload"]  # the envelope, unchanged
        assert message["headers"] == {"$ref": "#/components/schemas/DeadLetterHeaders"}
        assert document["operations"][dlq]["channel"] == {"$ref": f"#/channels/{dlq}"}
    headers = document["components"]["schemas"]["DeadLetterHeaders"]
    assert (headers["type"], list(headers["properties"]), headers["required"]) == (
        "object",
        ISSUE_HEADERS,
        ISSUE_HEADERS,
    )
