"""The demand-control directives of a supergraph, read once: ``@cost(weight:)`` on fields, types
and arguments, and ``@listSize(assumedSize:, slicingArguments:, sizedFields:,
requireOneSlicingArgument:)`` on list fields (IBM's GraphQL Cost Directive specification, as
Apollo Router's demand control uses it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FloatValueNode,
    IntValueNode,
    ListValueNode,
    StringValueNode,
    ValueNode,
    parse,
)

from router.security.spec_directives import argument_value, directive_uses, local_names

__all__ = ["CostDirectives", "ListSize"]

_SPECS = ("cost", "federation")


@dataclass(frozen=True, slots=True)
class ListSize:
    """``@listSize`` of one field. ``require_one_slicing_argument`` defaults to true, as in the
    specification (it only matters when ``slicing_arguments`` is not empty)."""

    assumed_size: int | None = None
    slicing_arguments: tuple[str, ...] = ()
    sized_fields: tuple[str, ...] = ()
    require_one_slicing_argument: bool = True


@dataclass(frozen=True)
class CostDirectives:
    """Weights by schema coordinate (``Type``, ``Type.field``, ``Type.field(arg:)``,
    ``Input.field``) and list sizes by field coordinate."""

    weights: dict[str, float] = field(default_factory=dict)
    list_sizes: dict[str, ListSize] = field(default_factory=dict)

    @classmethod
    def from_sdl(cls, sdl: str | DocumentNode) -> CostDirectives:
        document = parse(sdl) if isinstance(sdl, str) else sdl
        weights: dict[str, float] = {}
        for coordinate, uses in directive_uses(
            document, local_names(document, _SPECS, "cost")
        ).items():
            weight = _number(argument_value(uses[-1], "weight"))
            if weight is not None:
                weights[coordinate] = weight
        list_sizes = {
            coordinate: _list_size(uses[-1])
            for coordinate, uses in directive_uses(
                document, local_names(document, _SPECS, "listSize")
            ).items()
        }
        return cls(weights, list_sizes)


def _number(value: ValueNode | None) -> float | None:
    if isinstance(value, IntValueNode | FloatValueNode):
        return float(value.value)
    if isinstance(value, StringValueNode):  # IBM's spec types weight as a String
        try:
            return float(value.value)
        except ValueError:
            return None
    return None


def _strings(value: ValueNode | None) -> tuple[str, ...]:
    if isinstance(value, ListValueNode):
        return tuple(item.value for item in value.values if isinstance(item, StringValueNode))
    return ()


def _list_size(directive: DirectiveNode) -> ListSize:
    assumed = argument_value(directive, "assumedSize")
    require = argument_value(directive, "requireOneSlicingArgument")
    return ListSize(
        assumed_size=int(assumed.value) if isinstance(assumed, IntValueNode) else None,
        slicing_arguments=_strings(argument_value(directive, "slicingArguments")),
        sized_fields=_strings(argument_value(directive, "sizedFields")),
        require_one_slicing_argument=require.value
        if isinstance(require, BooleanValueNode)
        else True,
    )
