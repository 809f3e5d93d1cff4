"""Print the merged schema as a supergraph SDL, byte for byte like @apollo/composition.

Follows federation-internals' ``printSchema`` with ``shallowOrderPrintedDefinitions``: schema
definition, then directive definitions and types each sorted with JavaScript's
``localeCompare``; fields, values and members in merge order; descriptions as block strings
(multi-line past 70 characters); type directives one per line.
"""

from __future__ import annotations

from router.composition.supergraph_model import MArgument, MField, MType

__all__ = ["locale_key", "print_supergraph"]

_INDENT = "  "


def locale_key(name: str) -> tuple[list[tuple[int, str]], list[int]]:
    """An approximation of ICU's root collation for GraphQL names (``localeCompare``)."""
    primary = [
        (0, char) if char == "_" else (1, char) if char.isdigit() else (2, char.lower())
        for char in name
    ]
    return primary, [0 if char.islower() else 1 for char in name]


def _block_string(value: str, indentation: str, prefer_multiple_lines: bool) -> str:
    single_line = "\n" not in value
    leading_space = value[:1] in (" ", "\t")
    multiple = (
        not single_line or value.endswith('"') or value.endswith("\\") or prefer_multiple_lines
    )
    result = ""
    if multiple and not (single_line and leading_space):
        result += "\n" + indentation
    result += value.replace("\n", "\n" + indentation) if indentation else value
    if multiple:
        result += "\n"
    return '"""' + result.replace('"""', '\\"""') + '"""'


def print_description(
    description: str | None, indentation: str = "", first_in_block: bool = True
) -> str:
    if description is None:
        return ""
    block = _block_string(description, "", len(description) > 70)
    prefix = "\n" + indentation if indentation and not first_in_block else indentation
    return prefix + block.replace("\n", "\n" + indentation) + "\n"


def _directives_inline(directives: list[str]) -> str:
    return "".join(" " + d for d in directives)


def _directives_block(directives: list[str], end_with_newline: bool) -> str:
    if not directives:
        return ""
    joined = ("\n" + _INDENT).join(directives)
    return "\n" + _INDENT + joined + ("\n" if end_with_newline else "")


def _print_args(args: list[MArgument], indentation: str) -> str:
    if not args:
        return ""
    if all(arg.description is None for arg in args):
        return "(" + ", ".join(_print_arg(arg) for arg in args) + ")"
    lines = [
        print_description(arg.description, "  " + indentation, index == 0)
        + "  "
        + indentation
        + _print_arg(arg)
        for index, arg in enumerate(args)
    ]
    return "(\n" + "\n".join(lines) + "\n" + indentation + ")"


def _print_arg(arg: MArgument) -> str:
    default = f" = {arg.default}" if arg.default is not None else ""
    return f"{arg.name}: {arg.type}{default}{_directives_inline(arg.directives)}"


def _print_field(field: MField, index: int) -> str:
    default = f" = {field.default}" if field.default is not None else ""
    return (
        print_description(field.description, _INDENT, index == 0)
        + _INDENT
        + f"{field.name}{_print_args(list(field.args.values()), _INDENT)}: {field.type}{default}"
        + _directives_inline(field.directives)
    )


def _block(items: list[str]) -> str:
    return "{\n" + "\n".join(items) + "\n}" if items else ""


def print_type(mtype: MType) -> str:
    """One type definition."""
    head = print_description(mtype.description)
    if mtype.kind == "SCALAR":
        return f"{head}scalar {mtype.name}{_directives_block(mtype.directives, False)}"
    if mtype.kind == "UNION":
        members = " = " + " | ".join(mtype.members) if mtype.members else ""
        return f"{head}union {mtype.name}{_directives_block(mtype.directives, bool(mtype.members))}{members}"
    if mtype.kind == "ENUM":
        items = [
            print_description(value.description, _INDENT, index == 0)
            + _INDENT
            + value.name
            + _directives_inline(value.directives)
            for index, value in enumerate(mtype.values.values())
        ]
        keyword = "enum"
    else:
        items = [_print_field(field, index) for index, field in enumerate(mtype.fields.values())]
        keyword = {"OBJECT": "type", "INTERFACE": "interface", "INPUT_OBJECT": "input"}[mtype.kind]
    implements = " implements " + " & ".join(mtype.interfaces) if mtype.interfaces else ""
    spacer = " " if not mtype.directives and items else ""
    return (
        f"{head}{keyword} {mtype.name}{implements}"
        f"{_directives_block(mtype.directives, bool(items))}{spacer}{_block(items)}"
    )


def print_supergraph(
    schema_directives: list[str],
    roots: dict[str, str],
    directive_definitions: dict[str, str],
    types: dict[str, str | MType],
) -> str:
    """The whole supergraph SDL; ``types`` values are types or already printed definitions."""
    root_lines = "\n".join(f"{_INDENT}{op}: {name}" for op, name in roots.items())
    schema = "schema" + _directives_block(schema_directives, True) + "{\n" + root_lines + "\n}"
    parts = [schema]
    parts += [directive_definitions[n] for n in sorted(directive_definitions, key=locale_key)]
    for name in sorted(types, key=locale_key):
        value = types[name]
        parts.append(value if isinstance(value, str) else print_type(value))
    return "\n\n".join(parts) + "\n"
