"""The shipped development configuration's trusted documents load, and the mobile BFF's
router operations resolve by id for its client name only, which is safelisted (issue #18)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from router.config import load_config
from router.trusted import TrustedDocuments
from servicekit.topology import PROJECT_ROOT


def test_dev_config_serves_the_mobile_bff_manifest_by_id() -> None:
    config = load_config(PROJECT_ROOT / "config" / "router.dev.yaml")
    previous = Path.cwd()
    os.chdir(PROJECT_ROOT)  # manifest paths are relative to the router's working directory
    try:
        documents = TrustedDocuments.load(config.persisted_queries)
    finally:
        os.chdir(previous)
    manifest = json.loads((PROJECT_ROOT / "schema/persisted/bff-mobile.router.json").read_text())
    mobile = documents.for_client("bff-mobile")
    assert (mobile.policy, mobile.require_id) == ("safelist", False)
    for entry in manifest["operations"]:
        found = mobile.lookup(entry["id"])
        assert found is not None and (found.name, found.body) == (entry["name"], entry["body"])
        assert documents.for_client(None).lookup(entry["id"]) is None
        assert documents.for_client("web").lookup(entry["id"]) is None
    # 5 pieces, the /ready probe, OrderUpdates
    assert len(mobile.by_id) == len(manifest["operations"]) == 7
