"""``router`` command line: mode flags, config file and subgraph URL overrides; a broken supergraph
refuses to start with a clear message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from router.cli import effective_config, parse_args
from servicekit.topology import PROJECT_ROOT


def test_defaults() -> None:
    args = parse_args(["--supergraph", "s.graphql"])
    assert (args.host, args.port, args.mode) == ("127.0.0.1", 4000, None)
    assert effective_config(args).mode == "production"


def test_flags_override_the_config_file(tmp_path: Path) -> None:
    config_file = tmp_path / "router.yaml"
    config_file.write_text(
        "mode: production\n"
        "subgraphs:\n  accounts:\n    timeout_seconds: 2\n"
        "http:\n  max_body_bytes: 1000\n  apq:\n    ttl_seconds: 5\n"
    )
    args = parse_args(
        [
            "--supergraph",
            "s.graphql",
            "--config",
            str(config_file),
            "--dev",
            "--subgraph-url",
            "accounts=http://127.0.0.1:9999/graphql",
            "--subgraph-url",
            "orders=http://127.0.0.1:9998/graphql",
        ]
    )
    config = effective_config(args)
    assert config.mode == "development"
    assert config.subgraph_url("accounts", "x") == "http://127.0.0.1:9999/graphql"
    assert config.subgraph_timeout("accounts") == 2
    assert config.subgraph_url("orders", "x") == "http://127.0.0.1:9998/graphql"
    assert (config.http.max_body_bytes, config.http.apq.ttl_seconds) == (1000, 5)


def test_bad_subgraph_url_override() -> None:
    with pytest.raises(ValueError, match="NAME=URL"):
        effective_config(parse_args(["--supergraph", "s", "--subgraph-url", "accounts"]))


def test_unreadable_supergraph_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.graphql"
    broken.write_text("type Query {")
    result = subprocess.run(
        [sys.executable, "-m", "router.cli", "--supergraph", str(broken), "--port", "9"],
        check=False,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "router: SupergraphError: supergraph SDL does not parse" in result.stderr
