"""PAD305 ctc-lengths-from-shape: CTC input_lengths = the padded T for every sample."""

from __future__ import annotations

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import FUNCTIONAL_CTC, CTC_CLASS, Context, arg_value
from padlint.static.names import dotted
from padlint.static.rule import Rule
from padlint.static.traverse import iter_nodes


def _is_target_name(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in ("target", "label", "tgt", "transcript", "text", "y_len", "ys_len", "token"))


class CtcLengthsFromShape(Rule):
    code = "PAD305"
    name = "ctc-lengths-from-shape"
    summary = "CTC input_lengths set to the padded time dimension for every sample, while real lengths exist"
    fix_hint = "Pass each utterance's real number of output frames (its input length after any downsampling)."
    triggers = ("ctc", "CTCLoss")
    also_requires = (("full", "*"),)

    def on_call(self, node: cst.Call, ctx: Context) -> None:
        qual = ctx.qualname(node.func)
        if qual != FUNCTIONAL_CTC:
            callee = ctx.ev(node.func)
            named_ctc = callee is None and len(node.args) >= 4 and "ctc" in (dotted(node.func) or "").rsplit(".", 1)[-1].lower()
            if not named_ctc and (callee is None or callee.kind != V.MODULE or callee.cls != CTC_CLASS):
                return  # (named_ctc: def ctc_step(model, batch, ctc): ... ctc(log_probs, targets, in_lens, tgt_lens))
        input_lengths = arg_value(node, "input_lengths", 2)
        value = ctx.ev(input_lengths)
        if value is None or value.kind != V.LENGTHS or not value.from_shape:
            return
        # the names in the call's target lengths are the targets' (OCR code often calls the label
        # lengths `seq_len`): they say nothing of the input's real lengths
        target_lengths = arg_value(node, "target_lengths", 3)
        taken = {n.value for n in iter_nodes(target_lengths) if isinstance(n, cst.Name)} if target_lengths else set()
        real = _real_lengths_in_scope(ctx, taken)
        if not real:
            return
        self.report(ctx, node, f"CTC `input_lengths` is the padded length for every sample although "
                               f"`{real}` holds the real lengths: padded frames are aligned as if they were real input")


def _real_lengths_in_scope(ctx: Context, taken: set[str]) -> str | None:
    scope = ctx.scope
    while scope is not None:
        found = None
        for name, value in scope.env.items():
            if value is None or value.kind != V.LENGTHS or value.from_shape:
                continue
            if name.startswith("self.") or _is_target_name(name) or name in taken:
                continue
            if not (V.looks_like_lengths(name) or "len" in name.lower()):
                continue  # `blank_idx` handed len(vocab): a number, not the lengths of the batch
            found = name  # the last one bound: `out_lens = (feat_lens - 1) // 2 + 1` after subsampling
        if found is not None:
            return found
        # Text recognition (CRNN + CTC): the real extent of each padded image is its width.
        for name in [*scope.params, *_unpacked_names(scope)]:
            if name.lower().endswith(("widths", "_width", "_w_lens")) and not _is_target_name(name):
                return name  # (a parameter, or unpacked: `images, image_widths, targets = batch`)
        scope = scope.parent
    return None


def _unpacked_names(scope) -> list[str]:
    """The plain names a function binds by tuple unpacking (``images, widths, y = batch``)."""
    function = scope.node
    if not isinstance(function, cst.FunctionDef):
        return []
    names = []
    for item in iter_nodes(function.body):
        if isinstance(item, cst.Assign):
            for target in item.targets:
                if isinstance(target.target, (cst.Tuple, cst.List)):
                    names.extend(el.value.value for el in target.target.elements if isinstance(el.value, cst.Name))
    return names
