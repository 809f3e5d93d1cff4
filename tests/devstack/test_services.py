"""The one service list: subgraph entries agree with schema/supergraph.yaml and render into
concrete processes with every placeholder filled."""

from __future__ import annotations

from devstack.services import SERVICES, UNREACHABLE_URL, Service, by_name
from servicekit.topology import PROJECT_ROOT, load_subgraphs


def test_subgraph_entries_follow_the_registry() -> None:
    entries = {e.name: e.port for e in load_subgraphs()}
    assert [(s.name, s.port) for s in SERVICES[: len(entries)]] == list(entries.items())
    assert all(s.missing() is None for s in SERVICES[: len(entries)])


def test_process_spec_fills_ports_urls_and_environment() -> None:
    ports = {"products": 5102, "inventory": 5103, "orders": 5105}
    spec = by_name(["orders"])[0].process_spec(ports, extra_env={"ORDERS_DATABASE_URL": "x"})
    assert spec.argv[0].endswith("/subgraph")
    assert list(spec.argv[1:]) == [
        "serve",
        "orders",
        "--host",
        "127.0.0.1",
        "--port",
        "5105",
    ]
    assert dict(spec.env) == {
        "ORDERS_PRODUCTS_URL": "http://127.0.0.1:5102/graphql",
        "ORDERS_DATABASE_URL": "x",
    }
    assert spec.ready_url == "http://127.0.0.1:5105/ready"
    assert spec.cwd == PROJECT_ROOT


def test_a_service_outside_the_run_points_nowhere() -> None:
    spec = by_name(["orders"])[0].process_spec({"orders": 5105})
    assert spec.env["ORDERS_PRODUCTS_URL"] == UNREACHABLE_URL


def test_an_entry_whose_program_is_absent_says_why() -> None:
    later = Service("router", "router_not_written_yet.cli", ("router",), 4000)
    assert later.missing() == "module router_not_written_yet.cli is not present yet"
