"""PAD204 bidirectional-over-padding: the outputs of a bidirectional RNN run on a padded, unpacked batch."""

from __future__ import annotations

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import Context, none_default_params, packed_on_the_other_branch
from padlint.static.rule import PADDING, Rule
from padlint.static.traverse import nodes_of


class BidirectionalOverPadding(Rule):
    code = "PAD204"
    name = "bidirectional-over-padding"
    summary = "the outputs of a bidirectional RNN run on a right-padded batch without packing are used"
    fix_hint = ("Pack the batch (`pack_padded_sequence(x, lengths.cpu(), batch_first=..., enforce_sorted=False)`) "
                "and unpack the outputs with `pad_packed_sequence`.")
    triggers = ("bidirectional",)
    also_requires = (("LSTM", "GRU", "RNN"), (PADDING,))

    def on_assign(self, node: cst.Assign, value: V.Val | None, ctx: Context) -> None:
        # out, h_n = self.rnn(x): the outputs are bound to a name (not `_`); h_n alone is PAD201's
        if value is None or value.kind != V.RNN_RESULT or len(node.targets) != 1:
            return
        # (only the RNN idiom `out, state = ...`: a module whose class depends on a setting may
        # be read as the RNN where it is a transformer, and those are called `feat = enc(x)`)
        target = node.targets[0].target
        if not isinstance(target, (cst.Tuple, cst.List)) or len(target.elements) != 2:
            return
        first = target.elements[0].value
        if not isinstance(first, cst.Name) or first.value == "_":
            return
        out = value.output
        if out is None or out.kind != V.TENSOR or not out.padded or out.left:
            return  # (left padding: the backward direction starts at a real step)
        given = out.input
        if given is None or given.permuted or given.origin == "F.pad":
            return  # F.pad of a whole batch to a multiple of a window: every sample alike
        if not given.strong and (given.masked or given.origin is None):
            return  # `h = x * some_mask` is all that says padding: maybe missing values, not pads
        function = ctx.scope.node if ctx.scope is not None else None
        if not given.strong and isinstance(function, cst.FunctionDef):
            optional = none_default_params(function)
            if given.evidence and all(name in optional and _only_passed_on(function, name) for name in given.evidence):
                # forward(self, input_ids, attention_mask=None) that only hands the mask on: a
                # mask nobody may pass (fixed windows) is no sign that the batch is padded
                return
        rnn = out.rnn or {}
        if rnn.get("bidirectional") is not True or packed_on_the_other_branch(node.value, ctx.file.module, ctx):
            return
        self.report(ctx, node.value, f"bidirectional `{rnn.get('cls', 'RNN')}` runs over the padded batch without "
                                     "packing: its backward direction starts at the last padded step, so every "
                                     "output of a shorter sequence depends on its padding")


def _only_passed_on(function: cst.FunctionDef, name: str) -> bool:
    """Whether ``name`` appears in the body only as an argument handed to a call (`f(x, mask)`,
    `enc(x, attention_mask=attention_mask)`), never applied to anything here."""
    args = nodes_of(function.body, cst.Arg)
    handed = {id(arg.value) for arg in args if isinstance(arg.value, cst.Name)}
    keywords = {id(arg.keyword) for arg in args if arg.keyword is not None}  # (`attention_mask=` itself)
    uses = [n for n in nodes_of(function.body, cst.Name) if n.value == name and id(n) not in keywords]
    return all(id(n) in handed for n in uses)
