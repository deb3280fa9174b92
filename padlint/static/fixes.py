"""Automatic fixes as libcst node replacements.

A :class:`Fix` replaces nodes of the parsed module by new nodes.  Applying it rewrites
only those nodes, so comments and formatting everywhere else are kept byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst


@dataclass
class Fix:
    message: str
    applicability: str  # "safe" or "unsafe"
    replacements: list[tuple[cst.CSTNode, cst.CSTNode]] = field(default_factory=list)


class _Replacer(cst.CSTTransformer):
    def __init__(self, replacements: dict[int, cst.CSTNode]) -> None:
        super().__init__()
        self.replacements = replacements

    def on_leave(self, original_node, updated_node):  # type: ignore[override]
        replacement = self.replacements.get(id(original_node))
        if replacement is not None:
            return replacement
        return updated_node


def apply_fixes(module: cst.Module, fixes: list[Fix]) -> str:
    """The source of ``module`` with every fix applied (later fixes of one node win)."""
    table: dict[int, cst.CSTNode] = {}
    for fix in fixes:
        for old, new in fix.replacements:
            table[id(old)] = new
    return module.visit(_Replacer(table)).code


def add_keyword(call: cst.Call, keyword: str, value: cst.BaseExpression) -> cst.Call:
    """``call`` with ``keyword=value`` appended to its arguments, in the call's own layout.

    In a call laid out one argument per line with a trailing comma, the new argument gets a
    line of its own and takes over the trailing comma."""
    args = list(call.args)
    new_arg = cst.Arg(keyword=cst.Name(keyword), value=value,
                      equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                            whitespace_after=cst.SimpleWhitespace("")))
    if args and isinstance(args[-1].comma, cst.Comma):
        last = args[-1]
        trailing = last.comma
        if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma):
            between = args[-2].comma.whitespace_after
        else:
            between = call.whitespace_before_args
        if isinstance(between, cst.ParenthesizedWhitespace):
            # the line break and indentation only, not a comment that sat at the end of that line
            between = between.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_before=trailing.whitespace_before,
                                                     whitespace_after=between))
        args.append(new_arg.with_changes(comma=trailing))
        return call.with_changes(args=args)
    if args:
        args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    args.append(new_arg)
    return call.with_changes(args=args)
