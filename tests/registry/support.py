"""A throw-away project (git repository in a tmp dir) for registry tests."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from router.registry.cli import main

__all__ = ["Project"]

CONFIG = """federation_version: =2.9.0
subgraphs:
  accounts:
    routing_url: http://127.0.0.1:4001/graphql
    schema:
      file: ./subgraphs/accounts.graphql
  reviews:
    routing_url: http://127.0.0.1:4004/graphql
    schema:
      file: ./subgraphs/reviews.graphql
"""
LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])\n'
ACCOUNTS = (
    LINK
    + """type Query {
  user(id: ID!): User
}

type User @key(fields: "id") {
  id: ID!
  name: String!
  nickname: String
}
"""
)
REVIEWS = (
    LINK
    + """type Query {
  reviews(first: Int): [Review!]!
}

type Review {
  id: ID!
  body: String!
  author: User!
}

type User @key(fields: "id") {
  id: ID!
  reviewCount: Int!
}
"""
)
OPERATIONS = [
    ("UserName", "query UserName($id: ID!) { user(id: $id) { id name } }"),
    ("LatestReviews", "query LatestReviews { reviews(first: 5) { body author { name } } }"),
    ("BffOnly", "query BffOnly { account { id } }"),
]


class Project:
    """schema/ with two subgraphs, a persisted-operation manifest and a git history."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "schema" / "subgraphs").mkdir(parents=True)
        (root / "schema" / "persisted").mkdir()
        (root / "schema" / "supergraph.yaml").write_text(CONFIG)
        manifest = {
            "format": "apollo-persisted-query-manifest",
            "version": 1,
            "operations": [
                {"id": f"{i:064x}", "name": name, "type": "query", "body": body}
                for i, (name, body) in enumerate(OPERATIONS, start=1)
            ],
        }
        (root / "schema" / "persisted" / "web.json").write_text(json.dumps(manifest))
        self.git("init", "-q", "-b", "main")
        self.write("accounts", ACCOUNTS)
        self.write("reviews", REVIEWS)

    def git(self, *args: str) -> str:
        completed = subprocess.run(
            ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            check=True,
        )
        return completed.stdout

    def write(self, subgraph: str, sdl: str) -> None:
        (self.root / "schema" / "subgraphs" / f"{subgraph}.graphql").write_text(sdl)

    def sdl(self, subgraph: str) -> str:
        return (self.root / "schema" / "subgraphs" / f"{subgraph}.graphql").read_text()

    def commit(self, message: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)

    def schema(self, *args: str) -> int:
        return main(["--root", str(self.root), *args])
