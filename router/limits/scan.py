"""A bounded pre-scan of a document's text: the limits decided before graphql-core parses it.

graphql-core's lexer and parser cost about 5 µs of CPU per token (a 2,000-token document
10 ms before its ``max_tokens`` stops it), and the one-pass analysis with ``TypeInfo`` as much
again: a refused document spent 10-25 ms of the router's event loop just to be refused
(issue #11). This scan lexes with one compiled regular expression (the spec's lexical grammar,
section 2.1) and stops at the first token past ``max_tokens``, so it costs at most about a
microsecond per token of the limit, whatever the document's size. It counts tokens as
graphql-core's ``parse(max_tokens=...)`` does (comments included), so the limit means the same.

On the same tokens (at most ``max_tokens`` of them) it walks the skeleton of the executable
definitions (selection sets, fields, aliases, spreads; arguments and directives skipped as
balanced groups) and measures **lower bounds** of what the full analysis
(:mod:`router.operations.analysis`) measures: each operation's own depth, aliases and root fields
(fragments can only add to them), its exact variable definitions, and the field-merging
comparisons of duplicated response keys within a selection set (fragment spreads can only add).
A lower bound over a limit is a certain violation, so refusing on it never refuses a document
the full analysis would accept. Anything the skeleton does not recognise (a syntax error, a
type-system definition) ends the walk; what was measured so far is still a lower bound, and
graphql-core reports the error itself.

Apollo Router applies its ``parser_max_tokens`` and ``parser_max_recursion`` the same way:
while lexing and parsing, before any validation.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from router.limits.checks import check_structure, tokens_exceeded
from router.limits.errors import LimitExceeded
from router.limits.settings import LimitsSettings

__all__ = ["ScannedOperation", "TextScan", "check_scan", "scan_document"]

# Possessive quantifiers and atomic groups: no backtracking, so a hostile string costs linear
# time. A quantified group is written as the atomic group ``(?>(?:...)*)``, never ``(?:...)*+``:
# CPython's ``re`` before 3.11.5 mis-matched a possessive quantifier on a group (gh-100061 with a
# lookahead inside, gh-106052; Debian 12's 3.11.2 refused every block string), and the fix made
# ``x*+`` mean ``(?>x*)``, which is what is written here.
_TOKEN = re.compile(
    r"""[\ufeff\ \t\n\r,]*+
    (?:
        (?P<comment>\#[^\n\r]*+)
      | (?P<block>\"\"\"(?>(?:[^"\\]++|\\\"\"\"|\\|"(?!""))*)\"\"\")
      | (?P<string>"(?>(?:[^"\\\n\r]++|\\.)*)")
      | (?P<punct>\.\.\.|[!$&():=@\[\]{|}])
      | (?P<name>[_A-Za-z][_0-9A-Za-z]*+)
      | (?P<number>-?[0-9]++(?>(?:\.[0-9]++)?)(?>(?:[eE][+-]?+[0-9]++)?))
    )""",
    re.VERBOSE,
)
_IGNORED = re.compile(r"[\ufeff\ \t\n\r,]*+")
_INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})
_OPERATION_KEYWORDS = frozenset({"query", "mutation", "subscription"})


@dataclass(slots=True)
class ScannedOperation:
    """Lower bounds of one operation's measures (satisfies ``OperationMeasures``)."""

    depth: int = 0
    aliases: int = 0
    root_fields: int = 0
    variable_definitions: int = 0


@dataclass(slots=True)
class TextScan:
    """What the scan found; ``tokens`` stops counting one past the limit."""

    tokens: int
    over_token_limit: bool
    operations: list[ScannedOperation] = field(default_factory=list)
    merge_comparisons: int = 0


def scan_document(text: str, max_tokens: int) -> TextScan:
    """Lex ``text`` up to ``max_tokens + 1`` tokens, then walk their skeleton."""
    kinds: list[str | None] = []
    values: list[str] = []
    position, end = 0, len(text)
    match = _TOKEN
    # anchored at each position (never ``finditer``: after the last token it would rescan the
    # trailing ignored characters from every position, quadratic in their length)
    while (found := match.match(text, position)) is not None:
        position = found.end()
        kind = found.lastgroup
        if len(kinds) >= max_tokens:
            return TextScan(max_tokens + 1, True)
        kinds.append(kind)
        values.append(found[kind] if kind is not None else "")
    ignored = _IGNORED.match(text, position)
    position = ignored.end() if ignored is not None else position
    scan = TextScan(len(kinds), False)
    if position == end:  # lexically valid: the skeleton walk is meaningful
        _Skeleton(kinds, values, scan).walk()
    return scan


def check_scan(text: str, settings: LimitsSettings) -> LimitExceeded | None:
    """The token limit, then the structural limits on the scan's lower bounds."""
    scan = scan_document(text, settings.max_tokens)
    if scan.over_token_limit:
        return tokens_exceeded(settings)
    return check_structure(scan.operations, scan.merge_comparisons, settings)


@dataclass(slots=True)
class _Selections:
    """One selection set's fields by response key and its fragment spreads (an inline fragment
    shares its enclosing set's: its selections merge into it, as in the full analysis)."""

    keys: Counter[str] = field(default_factory=Counter)
    fields: int = 0
    spreads: list[str] = field(default_factory=list)

    def comparisons(self) -> int:
        """The full analysis's count for this set, its spreads' transitive reach left out."""
        pairs = sum(n * (n - 1) // 2 for n in self.keys.values())
        spreads = len(self.spreads)
        if spreads:
            pairs += (self.fields + spreads) * len(set(self.spreads))
            pairs += spreads * (spreads - 1) // 2
        return pairs


@dataclass(slots=True)
class _Set:
    """An open selection set: its selections, the fields above it, and their counted depth."""

    selections: _Selections
    nesting: int
    depth: int
    introspection: bool
    inline: bool


class _Skeleton:
    """The executable definitions' skeleton over the scanned tokens (comments left out)."""

    def __init__(self, kinds: list[str | None], values: list[str], scan: TextScan) -> None:
        kept = [(k, v) for k, v in zip(kinds, values, strict=True) if k != "comment"]
        # a name and a punctuator never share a spelling, so one list of values is enough
        # once strings and numbers are told apart from them
        self.tokens = [v if k in ("punct", "name") else "\x00" for k, v in kept]
        self.names = [k == "name" for k, _ in kept]
        self.scan = scan
        self.i = 0

    def _at(self, offset: int = 0) -> str:
        index = self.i + offset
        return self.tokens[index] if index < len(self.tokens) else ""

    def walk(self) -> None:
        tokens = self.tokens
        while self.i < len(tokens):
            token = tokens[self.i]
            if token == "{":
                operation = ScannedOperation()
                self.scan.operations.append(operation)
                if not self._selection_set(operation):
                    return
            elif token in _OPERATION_KEYWORDS and self.names[self.i]:
                operation = ScannedOperation()
                self.scan.operations.append(operation)
                self.i += 1
                if self.names[self.i] if self.i < len(tokens) else False:
                    self.i += 1
                if self._at() == "(":
                    operation.variable_definitions = self._variables()
                self._directives()
                if self._at() != "{" or not self._selection_set(operation):
                    return
            elif token == "fragment" and self.names[self.i]:
                self.i += 2  # the name
                if self._at() == "(":  # legacy fragment variables
                    self._skip_group()
                if self._at() != "on":
                    return
                self.i += 2  # the type condition
                self._directives()
                if self._at() != "{" or not self._selection_set(None):
                    return
            else:  # a type-system definition or a syntax error: graphql-core reports it
                return

    def _skip_group(self) -> None:
        """Past a balanced ``( ... )`` (arguments, variable definitions: values only)."""
        tokens, depth = self.tokens, 0
        while self.i < len(tokens):
            token = tokens[self.i]
            self.i += 1
            if token == "(":
                depth += 1
            elif token == ")":
                depth -= 1
                if depth == 0:
                    return

    def _variables(self) -> int:
        """Variable definitions: each ``$`` directly inside the operation's parentheses."""
        tokens, depth, count = self.tokens, 0, 0
        while self.i < len(tokens):
            token = tokens[self.i]
            self.i += 1
            if token == "(":
                depth += 1
            elif token == ")":
                depth -= 1
                if depth == 0:
                    break
            elif token == "$" and depth == 1:
                count += 1
        return count

    def _directives(self) -> None:
        while self._at() == "@":
            self.i += 2
            if self._at() == "(":
                self._skip_group()

    def _selection_set(self, operation: ScannedOperation | None) -> bool:
        """From a ``{`` to its ``}``; False when the walk must stop (unrecognised shape)."""
        tokens, names, scan = self.tokens, self.names, self.scan
        stack = [_Set(_Selections(), 0, 0, False, False)]
        self.i += 1
        while stack:
            if self.i >= len(tokens):
                return False
            token = tokens[self.i]
            current = stack[-1]
            if token == "}":
                self.i += 1
                stack.pop()
                if not current.inline:
                    scan.merge_comparisons += current.selections.comparisons()
            elif token == "...":
                self.i += 1
                if self._at() == "on":
                    self.i += 2
                elif self.i < len(tokens) and names[self.i]:  # a named spread
                    current.selections.spreads.append(tokens[self.i])
                    self.i += 1
                    self._directives()
                    continue
                self._directives()
                if self._at() != "{":
                    return False
                self.i += 1
                stack.append(
                    _Set(
                        current.selections,
                        current.nesting,
                        current.depth,
                        current.introspection,
                        True,
                    )
                )
            elif names[self.i]:
                key = name = token
                self.i += 1
                if self._at() == ":":
                    name = self._at(1)
                    self.i += 2
                    if operation is not None:
                        operation.aliases += 1
                current.selections.keys[key] += 1
                current.selections.fields += 1
                if operation is not None and current.nesting == 0:
                    operation.root_fields += 1
                depth, introspection = current.depth, current.introspection
                if not introspection:
                    depth += 1
                    introspection = name in _INTROSPECTION_ROOTS
                    if operation is not None:
                        operation.depth = max(operation.depth, depth)
                if self._at() == "(":
                    self._skip_group()
                self._directives()
                if self._at() == "{":
                    self.i += 1
                    child = _Set(_Selections(), current.nesting + 1, depth, introspection, False)
                    stack.append(child)
            else:
                return False
        return True
