"""The documents of the cheap-rejection benchmark (issue #11), over the repository supergraph.

*Rejected*: the shapes the security review sent (300-600 KiB of thousands of aliases, duplicated
fields or unused variables, held the event loop 12-19 s in validation), a document over the size
limit and one nested past the parser's guard. *Worst accepted*: for each limit, a document just
inside it (and inside all the others), the most expensive the router still validates. ``salt``
makes each copy's text distinct, so the router's document cache never answers for it.
"""

from __future__ import annotations

from collections.abc import Callable

from router.limits.settings import LimitsSettings

__all__ = ["rejected_documents", "worst_accepted_documents"]


def _salted(document: str, salt: int) -> str:
    return f"# {salt}\n{document}"


def rejected_documents(salt: int = 0) -> dict[str, str]:
    """Name → document; each must be refused with a limit's code."""
    aliases = " ".join(f"a{i}: name" for i in range(40_000))
    duplicates = "name " * 100_000
    variables = " ".join(f"$v{i}: Int" for i in range(40_000))
    nested = "{ topProducts { " + "reviews { product { " * 200 + "name" + " } }" * 200 + " } }"
    small_aliases = " ".join(f"a{i}: name" for i in range(5_000))
    fan = " ".join(f"fragment F{i} on Product {{ name }}" for i in range(300))
    return {
        "5,000 aliases (60 KiB)": _salted(f"{{ topProducts {{ {small_aliases} }} }}", salt),
        "1,000 duplicate fields": _salted("{ topProducts { " + "name " * 1_000 + "} }", salt),
        "300 fragment spreads": _salted(
            "{ topProducts { " + " ".join(f"...F{i}" for i in range(300)) + " } } " + fan, salt
        ),
        "500 unused variables": _salted(
            "query Q(" + " ".join(f"$v{i}: Int" for i in range(500)) + ") { topProducts { name } }",
            salt,
        ),
        "thousands of aliases": _salted(f"{{ topProducts {{ {aliases} }} }}", salt),
        "duplicate fields": _salted(f"{{ topProducts {{ {duplicates} }} }}", salt),
        "unused variables": _salted(f"query Q({variables}) {{ topProducts {{ name }} }}", salt),
        "1.9 MB of fields": _salted("{ topProducts { " + "name " * 380_000 + "} }", salt),
        "nested 400 levels": _salted(nested, salt),
    }


def _largest(build: Callable[[int], str], accepted: Callable[[str], bool]) -> str:
    """``build(n)`` for the largest ``n`` the limits accept (they grow with ``n``)."""
    n = 1
    while accepted(build(n + 1)):
        n += 1
    return build(n)


def worst_accepted_documents(
    limits: LimitsSettings, accepted: Callable[[str], bool], salt: int = 0
) -> dict[str, str]:
    """Name → document within every limit (the names say which limit each one reaches);
    ``accepted`` tells whether the router's limits let a document through to validation."""

    def repeated(n: int) -> str:
        return "{ topProducts { " + "name " * n + "} }"

    def spreads(n: int) -> str:
        fragments = " ".join(
            f"fragment P{i} on Product {{ name price weight upc inStock }}" for i in range(n)
        )
        used = " ".join(f"...P{i}" for i in range(n))
        return f"{{ topProducts {{ {used} }} }} {fragments}"

    def chain(n: int) -> str:
        links = " ".join(f"fragment C{i} on Product {{ name ...C{i + 1} }}" for i in range(n))
        return f"{{ topProducts {{ ...C0 }} }} {links} fragment C{n} on Product {{ name }}"

    variables = " ".join(f"$v{i}: Int" for i in range(limits.max_variables))
    aliases = " ".join(f"a{i}: name" for i in range(limits.max_aliases))
    depth = (limits.max_depth - 2) // 2
    deep = "{ topProducts { " + "reviews { product { " * depth + "name" + " } }" * depth + " } }"
    documents = {
        "repeated fields": _largest(repeated, accepted),
        "fragment spreads": _largest(spreads, accepted),
        "fragment chain": _largest(chain, accepted),
        "unused variables": f"query Q({variables}) {{ topProducts {{ name }} }}",
        "aliases": f"{{ topProducts {{ {aliases} }} }}",
        "depth": deep,
    }
    return {name: _salted(document, salt) for name, document in documents.items()}
