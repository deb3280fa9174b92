"""PAD106 sorted-without-unsort: a length sort permutes the batch and nothing puts it back."""

from __future__ import annotations

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import PACK, Context, Scope
from padlint.static.names import dotted
from padlint.static.rule import Rule

_INVERSE_METHODS = {"argsort", "sort", "index_copy", "index_copy_", "scatter", "scatter_", "index_put_"}


class SortedWithoutUnsort(Rule):
    code = "PAD106"
    name = "sorted-without-unsort"
    summary = "the batch is sorted by length for packing and the outputs are never put back in order"
    fix_hint = "Apply the inverse permutation to the outputs (`out[perm.argsort()]`), or pack with `enforce_sorted=False`."
    triggers = ("pack_padded_sequence",)
    also_requires = (("sort",),)

    def _state(self, ctx: Context) -> dict:
        return ctx.scope.rule_state(self.code, lambda: {"perms": {}, "used": set(), "inverse": False,
                                                        "packs": False, "targets": False})

    def on_call(self, node: cst.Call, ctx: Context) -> None:
        state = self._state(ctx)
        if ctx.qualname(node.func) == PACK:
            state["packs"] = True
        func = node.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            base = ctx.ev(func.value)
            if base is not None and base.kind == V.PERM and method in _INVERSE_METHODS:
                state["inverse"] = True
            if method == "index_select":
                for arg in node.args:
                    value = ctx.ev(arg.value)
                    if value is not None and value.kind == V.PERM:
                        if value.inverse:
                            state["inverse"] = True
                        else:
                            state["used"].add(id(value.node))
                            _note_target(func.value, state)
            if method in _INVERSE_METHODS and any(_is_perm(ctx, a.value) for a in node.args):
                if method != "index_select":
                    state["inverse"] = True
        for arg in node.args:
            value = ctx.ev(arg.value)
            if value is not None and value.kind == V.PERM and not value.inverse and value.node is not None:
                state["perms"].setdefault(id(value.node), value.node)

    def on_subscript(self, node: cst.Subscript, ctx: Context) -> None:
        state = self._state(ctx)
        for element in node.slice:
            sl = element.slice
            if isinstance(sl, cst.Index):
                value = ctx.ev(sl.value)
                if value is not None and value.kind == V.PERM:
                    if value.inverse:
                        state["inverse"] = True
                    elif value.node is not None:
                        state["perms"][id(value.node)] = value.node
                        state["used"].add(id(value.node))
                        _note_target(node.value, state)

    def on_assign(self, node: cst.Assign, value, ctx: Context) -> None:
        # out[perm] = sorted_out  (scattering back) is an un-sort
        for target in node.targets:
            if isinstance(target.target, cst.Subscript):
                for element in target.target.slice:
                    if isinstance(element.slice, cst.Index) and _is_perm(ctx, element.slice.value):
                        self._state(ctx)["inverse"] = True

    def on_scope_end(self, scope: Scope, ctx: Context) -> None:
        state = scope.state.get(self.code)
        if not state or not state["packs"] or state["inverse"] or state["targets"]:
            return
        for key, node in state["perms"].items():
            if key in state["used"]:
                self.report(ctx, node, "the batch is permuted by this length sort before packing, and nothing "
                                       "puts the outputs back in the original order")


def _is_perm(ctx: Context, node: cst.BaseExpression) -> bool:
    value = ctx.ev(node)
    return value is not None and value.kind == V.PERM


def _note_target(node: cst.BaseExpression, state: dict) -> None:
    """Sorting the targets too means the whole batch is reordered consistently."""
    path = dotted(node)
    if path is not None and V.looks_like_target(path.rsplit(".", 1)[-1]):
        state["targets"] = True
