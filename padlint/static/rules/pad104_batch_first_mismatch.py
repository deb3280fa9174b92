"""PAD104 batch-first-mismatch: a pack/unpack call reads the batch in the wrong layout."""

from __future__ import annotations

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import PACK, RNN_CLASSES, UNPACK, Context, arg_value, get_arg, literal
from padlint.static.fixes import Fix, add_keyword
from padlint.static.rule import Rule
from padlint.static.traverse import nodes_of


def _layout(flag: bool | None) -> str:
    return "batch-first" if flag else "time-major"


class BatchFirstMismatch(Rule):
    code = "PAD104"
    name = "batch-first-mismatch"
    summary = "batch_first of a pack/unpack call disagrees with the tensor, its paired call, or the RNN it feeds"
    fix_hint = "Use the same `batch_first` as the tensor's layout and the RNN module."
    triggers = ("pack_padded_sequence", "pad_packed_sequence", "pad_sequence")
    fix_applicability = "safe"

    def on_call(self, node: cst.Call, ctx: Context) -> None:
        qual = ctx.qualname(node.func)
        if qual == PACK:
            packed = ctx.ev(node)
            data = ctx.ev(arg_value(node, "input", 0))
            mine = packed.batch_first if packed is not None else None
            if mine is None or not V.is_padded(data) or data.batch_first is None:
                return
            if data.origin not in ("pad_sequence", "unpack", "canvas", "tokenizer", "embedding"):
                return  # (an embedding keeps the layout of the padded ids it looked up)
            if data.batch_first != mine:
                maker = "an embedding of padded ids" if data.origin == "embedding" else f"`{data.origin}`"
                self.report(ctx, node, f"`pack_padded_sequence(batch_first={mine})` reads a tensor that "
                                       f"{maker} made {_layout(data.batch_first)}",
                            _fix(node, data.batch_first, 2))
            return
        if qual == UNPACK:
            packed = ctx.ev(arg_value(node, "sequence", 0))
            unpack = ctx.ev(node)
            if packed is None or packed.kind != V.PACKED or unpack is None:
                return
            mine = unpack.items[0].batch_first if unpack.kind == V.TUPLE else None
            theirs = packed.batch_first
            if mine is None or theirs is None or mine == theirs:
                return
            if packed.rnn is None and packed.node is None or _swapped_after(node, ctx):
                return
            # (unsafe: code after it may already read the layout it gets)
            self.report(ctx, node, f"`pad_packed_sequence(batch_first={mine})` unpacks a batch that was packed "
                                   f"with `batch_first={theirs}`: the output comes back {_layout(mine)}",
                        _fix(node, theirs, 1, "unsafe"))
            return
        # An RNN module fed a packed sequence: compare with the pack call's layout,
        # or fed a padded tensor whose layout is known.
        callee = ctx.ev(node.func)
        if callee is None or callee.kind != V.MODULE or callee.cls not in RNN_CLASSES:
            return
        module_bf = callee.batch_first
        if module_bf is None:
            return
        data = ctx.ev(arg_value(node, "input", 0))
        if data is not None and data.kind == V.PACKED and data.node is not None and data.batch_first is not None:
            source = data.input
            known_layout = V.is_padded(source) and source.batch_first is not None and source.origin in (
                "pad_sequence", "unpack", "canvas", "tokenizer")
            # An RNN reads a PackedSequence whatever its own flag: a module left at the default
            # (only ever fed packed batches) says nothing; one written with the other layout does.
            written = "batch_first" in (callee.kwargs or {})
            if data.batch_first != module_bf and not known_layout and written:
                self.report(ctx, data.node, f"`pack_padded_sequence(batch_first={data.batch_first})` feeds "
                                            f"`{callee.rnn['cls']}(batch_first={module_bf})`: one of the two has "
                                            "the layout wrong")
        elif V.is_padded(data) and data.batch_first is not None and data.origin in ("pad_sequence", "unpack", "canvas",
                                                                                    "embedding"):
            if data.batch_first != module_bf:
                maker = "an embedding of padded ids" if data.origin == "embedding" else f"`{data.origin}`"
                self.report(ctx, node, f"`{callee.rnn['cls']}(batch_first={module_bf})` is fed a "
                                       f"{_layout(data.batch_first)} tensor from {maker}")


def _fix(call: cst.Call, value: bool, position: int, applicability: str = "safe") -> Fix | None:
    arg = get_arg(call, "batch_first", position)
    new = cst.Name("True" if value else "False")
    if arg is not None:
        return Fix(f"Use `batch_first={value}`", applicability, [(arg.value, new)])
    if any(a.star for a in call.args):
        return None
    return Fix(f"Pass `batch_first={value}`", applicability, [(call, add_keyword(call, "batch_first", new))])


def _swaps_first_axes(call: cst.Call) -> bool:
    """``x.transpose(0, 1)``, ``x.transpose(1, 0)``, ``x.permute(1, 0, 2)``."""
    if not isinstance(call.func, cst.Attribute):
        return False
    numbers = [literal(a.value) for a in call.args]
    if call.func.attr.value == "transpose":
        return sorted(n for n in numbers if isinstance(n, int)) == [0, 1] and len(numbers) == 2
    if call.func.attr.value == "permute":
        return numbers[:2] == [1, 0]
    return False


def _swapped_after(unpack: cst.Call, ctx: Context) -> bool:
    """Whether the code puts the unpacked output back in the other layout itself
    (``out, _ = pad_packed_sequence(out); out = out.transpose(0, 1)``)."""
    function = ctx.scope.node if ctx.scope is not None else None
    if not isinstance(function, cst.FunctionDef):
        return False
    names: set[str] = set()
    for assign in nodes_of(function.body, cst.Assign):
        value = assign.value
        if isinstance(value, cst.Subscript):
            value = value.value
        if value is not unpack:
            continue
        for target in assign.targets:
            first = target.target
            if isinstance(first, (cst.Tuple, cst.List)) and first.elements:
                first = first.elements[0].value
            if isinstance(first, cst.Name):
                names.add(first.value)
    for call in nodes_of(function.body, cst.Call):
        if not _swaps_first_axes(call):
            continue
        receiver = call.func.value  # type: ignore[attr-defined]
        if isinstance(receiver, cst.Subscript):
            receiver = receiver.value  # pad_packed_sequence(out)[0].transpose(0, 1)
        if receiver is unpack or isinstance(receiver, cst.Name) and receiver.value in names:
            return True
    return False
