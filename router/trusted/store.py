"""Trusted documents per client: which operations each client may send, by id or by text.

A client (the ``apollographql-client-name`` header) gets the shared manifests plus its own and
its policy (:mod:`router.trusted.settings`). An operation sent as text is *listed* when its
SHA-256 is a listed body's, or when its tokens equal a listed body's: GraphQL's ignored tokens
(whitespace, commas, comments; spec section 2.1.7) do not change what an operation is, as Apollo
Router's safelist ignores them. Comparing tokens lexes the text (graphql-core's ``Lexer``) but
never parses it, so a refused document costs no parse.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from graphql import GraphQLError, Source
from graphql.language import Lexer, TokenKind

from router.trusted.manifest import Manifest, TrustedOperation, load_manifest, sha256_hex
from router.trusted.settings import ClientPolicy, PersistedQueriesSettings, Policy

__all__ = ["ClientDocuments", "TrustedDocuments", "token_form"]


def token_form(text: str) -> str | None:
    """The document's significant tokens, one per line (``None`` when it does not lex)."""
    lexer = Lexer(Source(text))
    tokens: list[str] = []
    try:
        token = lexer.advance()
        while token.kind != TokenKind.EOF:
            value = token.value
            tokens.append(f"{token.kind.value}{value!r}" if value is not None else token.kind.value)
            token = lexer.advance()
    except GraphQLError:
        return None
    return "\n".join(tokens)


@dataclass(slots=True)
class ClientDocuments:
    """One client's view: its policy and every operation it may send."""

    name: str | None
    policy: Policy
    require_id: bool
    by_id: dict[str, TrustedOperation] = field(default_factory=dict)
    body_hashes: set[str] = field(default_factory=set)
    token_forms: set[str] = field(default_factory=set)

    @classmethod
    def of(
        cls, name: str | None, policy: ClientPolicy, manifests: Iterable[Manifest]
    ) -> ClientDocuments:
        found = cls(name, policy.policy, policy.require_id)
        for manifest in manifests:
            for operation in manifest.operations:
                found.by_id.setdefault(operation.id, operation)
                found.body_hashes.add(sha256_hex(operation.body))
                form = token_form(operation.body)
                if form is not None:
                    found.token_forms.add(form)
        return found

    def lookup(self, operation_id: str) -> TrustedOperation | None:
        return self.by_id.get(operation_id) or self.by_id.get(operation_id.lower())

    def lists(self, text: str) -> bool:
        """Whether ``text`` is one of the client's operations (ignored tokens aside)."""
        if sha256_hex(text) in self.body_hashes:
            return True
        form = token_form(text)
        return form is not None and form in self.token_forms


class TrustedDocuments:
    """Every client's documents, built once from the settings (manifests read at start-up)."""

    def __init__(
        self, settings: PersistedQueriesSettings, manifests: Mapping[str, Manifest]
    ) -> None:
        self.settings = settings
        self.header = settings.client_name_header.lower()
        self.manifests = dict(manifests)
        shared = [manifests[source] for source in settings.manifests]
        self.default = ClientDocuments.of(None, settings, shared)
        self.clients = {
            name: ClientDocuments.of(
                name, policy, [*shared, *(manifests[source] for source in policy.manifests)]
            )
            for name, policy in settings.clients.items()
        }

    @classmethod
    def load(cls, settings: PersistedQueriesSettings) -> TrustedDocuments:
        """Read every manifest the settings name (a file or URL named twice is read once);
        raises :class:`~router.trusted.manifest.ManifestError` naming the bad one."""
        sources = [*settings.manifests]
        for policy in settings.clients.values():
            sources += policy.manifests
        manifests: dict[str, Manifest] = {}
        for source in sources:
            if source not in manifests:
                manifests[source] = load_manifest(
                    source, timeout_seconds=settings.manifest_timeout_seconds
                )
        return cls(settings, manifests)

    def for_client(self, name: str | None) -> ClientDocuments:
        """The named client's documents; unnamed and unlisted clients get the defaults."""
        if name is not None:
            found = self.clients.get(name)
            if found is not None:
                return found
        return self.default

    def operation_count(self) -> int:
        return sum(len(m.operations) for m in self.manifests.values())
