"""Serve the router's HTTP app over :class:`SchemaExecutor` in its own process (browser tests).

``python -m tests.http.schema_app_server --port N [--mode development|production]``
"""

from __future__ import annotations

import argparse

from router.config import RouterConfig
from router.http import create_app
from servicekit.logging import configure_logging
from servicekit.serve import serve
from tests.http.schema_executor import SchemaExecutor


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", default="development", choices=["development", "production"])
    args = parser.parse_args()
    configure_logging("schema-app")
    config = RouterConfig(mode=args.mode)
    serve(create_app(SchemaExecutor(), config, apq=None), host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
