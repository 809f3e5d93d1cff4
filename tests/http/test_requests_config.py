"""Issue #18's switches: batching and uploads are off in a bare router (as in Apollo Router) and
on in the configuration ``make dev`` ships; chunking falls back from a subgraph to the default;
``stack up`` renders the dev config with them intact and points products at its data folder."""

from __future__ import annotations

from router.config import (
    AllSubgraphs,
    BatchingConfig,
    FileUploadsConfig,
    RouterConfig,
    SubgraphConfig,
    SupergraphPollConfig,
    load_config,
)
from servicekit.topology import PROJECT_ROOT

DEV = PROJECT_ROOT / "config" / "router.dev.yaml"


def test_a_bare_router_has_batching_and_uploads_off() -> None:
    config = RouterConfig()
    assert config.batching == BatchingConfig(enabled=False, maximum_size=10)
    assert config.file_uploads == FileUploadsConfig(
        enabled=False, max_file_size=5_000_000, max_files=5, max_operations_bytes=1_000_000
    )
    assert config.supergraph == SupergraphPollConfig(poll_interval_seconds=10.0)
    assert config.subgraph_max_representations("reviews") is None


def test_the_dev_config_turns_batching_uploads_and_chunking_on() -> None:
    config = load_config(DEV)
    assert config.batching == BatchingConfig(enabled=True, maximum_size=10)
    assert config.file_uploads == FileUploadsConfig(
        enabled=True, max_file_size=5_000_000, max_files=5
    )
    assert config.all_subgraphs.max_representations_per_fetch == 100
    assert config.all_subgraphs.headers == AllSubgraphs().headers  # defaults kept


def test_a_subgraph_limit_wins_over_the_default() -> None:
    config = RouterConfig(
        all_subgraphs=AllSubgraphs(max_representations_per_fetch=50),
        subgraphs={"reviews": SubgraphConfig(max_representations_per_fetch=7)},
    )
    assert config.subgraph_max_representations("reviews") == 7
    assert config.subgraph_max_representations("inventory") == 50
