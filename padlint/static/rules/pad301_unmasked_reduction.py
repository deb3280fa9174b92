"""PAD301 unmasked-reduction: mean/sum/max over the time axis of a padded tensor, no mask."""

from __future__ import annotations

import re

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import (
    TIME_POOL_MODULES, Context, arg_value, assigned_values, is_max_len_name, literal, literal_dims, mask_only_in_other_branch,
    same_factor_mean, time_axis,
    unused_local_mask, unused_mask_parameter,
)
from padlint.static.names import code_of, dotted, short_code, through_methods
from padlint.static.rule import PADDING, ReachedByDotOrImport, Rule
from padlint.static.traverse import iter_nodes, nodes_of

_FUNCS = {"torch.mean": "mean", "torch.sum": "sum", "torch.max": "max", "torch.amax": "max",
          "torch.nanmean": "mean", "torch.logsumexp": "logsumexp"}
_METHODS = {"mean", "sum", "max", "amax", "nanmean", "logsumexp"}
# Where the rule can report: one of the reductions, as a method or a torch function.
_REDUCTION_WORD = ReachedByDotOrImport(_METHODS)


class UnmaskedReduction(Rule):
    code = "PAD301"
    name = "unmasked-reduction"
    summary = "mean/sum/max over the time axis (or everything) of a padded tensor with no mask applied"
    fix_hint = ("Mask first: `(x * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True)` for a mean, "
                "`x.masked_fill(~mask.unsqueeze(-1), float('-inf')).max(1)` for a max.")
    triggers = ("mean", "sum", "max", "logsumexp", "avg_pool1d", "Pool1d")
    also_requires = ((PADDING,),)

    def may_apply(self, text: str) -> bool:
        # (einops: `reduce(h, "b t d -> b d", "mean")`, in a part of a file away from its import)
        return _REDUCTION_WORD.search(text) or "avg_pool1d" in text or "Pool1d" in text or "reduce(" in text

    def on_call(self, node: cst.Call, ctx: Context) -> None:
        func = node.func
        qual = ctx.qualname(func)
        if qual in ("torch.div", "torch.true_divide") and len(node.args) == 2 and not any(a.star for a in node.args) \
                and all(a.keyword is None or a.keyword.value == "other" for a in node.args):
            # torch.div(x.sum(1), lengths): read as x.sum(1) / lengths
            self._division(node, cst.BinaryOperation(left=node.args[0].value, operator=cst.Divide(),
                                                     right=node.args[1].value), ctx)
            return
        if qual in _TIME_POOLS:
            self._pooled_over_time(node, qual, ctx)
            return
        if qual is None and "Pool1d" in ctx.file.text:
            module = ctx.ev(func)
            if module is not None and module.kind == V.MODULE and module.cls in TIME_POOL_MODULES:
                self._pooled_by_module(node, module, ctx)
                return
        if qual in _FUNCS:
            data_node = arg_value(node, "input", 0)
            dim_node = arg_value(node, "dim", 1) or arg_value(node, "axis", None)  # (torch takes numpy's name too)
            op = _FUNCS[qual]
        elif isinstance(func, cst.Attribute) and func.attr.value in _METHODS and qual is None:
            data_node = func.value
            dim_node = arg_value(node, "dim", 0) or arg_value(node, "axis", None)
            op = {"amax": "max", "nanmean": "mean"}.get(func.attr.value, func.attr.value)
        elif qual == "einops.reduce":
            reduced = _einops_reduced(node)
            if reduced is None:
                return
            data_node, dim_node, op = arg_value(node, "tensor", 0), reduced[0], reduced[1]
        else:
            return
        if ctx.file.memo.get(("pad301-masked-after", id(node))):
            return  # `x.mean(dim=1) * mask`: the (batch, time) mask still fits, so dim 1 was not time
        data = ctx.ev(data_node)
        if data is not None and data.kind == V.MODEL_OUTPUT and data.item is not None:
            data = data.item  # a model's output used as a tensor: hidden.mean(dim=1)
        if V.is_padded(data) and data.ignored and data.loss_none and op == "mean" and dim_node is not None:
            # loss(reduction="none") with ignore_index, averaged over time: the ignored (padded)
            # positions are zeros that still count in the mean
            dims = literal_dims(dim_node)
            axis = time_axis(data)
            if dims is not None and (1 in dims if axis is None else axis in dims):
                self.report(ctx, node, f"`{short_code(node)}` averages an unreduced loss over time: the ignored "
                                       "(padded) positions are zeros that still count in the mean")
            return
        if data is not None and data.kind == V.TENSOR and data.idx_pads and not data.masked and op == "mean":
            self._mean_over_pad_rows(node, data, dim_node, ctx)
            return
        if op == "max" and V.is_padded(data) and data.masked and data.zero_pads and not data.masked_max \
                and not data.nonneg and not data.softmaxed and data_node is not None and dim_node is not None \
                and _over_padded_time(data, dim_node):
            self.report(ctx, node, f"`{short_code(node)}` takes a max over time of values whose pads were set to 0 "
                                   "by the mask: wherever a feature is negative at every real step, a pad's 0 wins; "
                                   "fill the pads with -inf (or the dtype's minimum) before the max")
            return
        if not V.is_padded(data) or data.masked or data.masked_max:
            return
        called = qual or (func.attr.value if isinstance(func, cst.Attribute) else "")
        if called.rsplit(".", 1)[-1].startswith("nan") and "nan" in str(data.pad or "").lower():
            return  # torch.nanmean over pads that are NaN: they are skipped
        if data_node is None:
            return
        if dim_node is None:
            if any(a.keyword is not None and a.keyword.value == "axis" for a in node.args):
                return
            # (a whole model's output averaged to one number is a smoke test or a dummy loss, and
            # the model may mask its own outputs: not reported; `hidden.mean(dim=1)` is)
            if op == "mean" and not data.loss_none and _times_an_unknown(data_node, ctx):
                return  # (err * hidden).mean(): maybe a mask (then the question is PAD302's), maybe weights
            if op == "mean" and (data.loss_none or data.strong and data.origin not in ("model", "call", "hidden")):
                what = "an unreduced loss" if data.loss_none else "a padded tensor"
                self.report(ctx, node, f"`{short_code(node)}` averages {what} over every position, padding included")
            elif op == "sum" and data.loss_none and not data.zero_pads:
                self.report(ctx, node, f"`{short_code(node)}` sums an unreduced loss over every position, padding included")
            return
        dims = literal_dims(dim_node)
        if dims is None:
            return
        axis = time_axis(data)
        if axis is None and not data.strong and 1 in dims and _attention_maps(data_node):
            return  # attention maps (batch, heads, query, key) of unknown layout: dim 1 is the heads
        if axis is None and data.permuted:
            return  # x.permute(0, 2, 3, 1), x.view(B, C, T, D): no guess at where the time axis went
        if axis is None and data.channels_first:
            if not (2 in dims or -1 in dims):
                return  # (B, C, T) out of a Conv1d: dim 1 is its channels
            hit = True
        elif axis is None and 1 in dims and _channels_first_here(data_node, ctx):
            return  # (batch, channels, time) frames that go into a Conv1d as they are: dim 1 is channels
        elif axis is None:
            hit = 1 in dims or (data.strong and -2 in dims and data.origin in ("unpack", "rnn"))
        else:
            hit = axis in dims
        if not hit:
            return
        if op == "sum" and (data.zero_pads or data.weighted):
            return  # zeros at the pads add nothing to a sum; weights we cannot see may be masked
        # (a mask this function builds, or the lengths it takes, and never uses says the pads are there)
        unused = op in ("max", "logsumexp") and not data.strong and (
            unused_local_mask(ctx, evaluated=True) is not None or unused_mask_parameter(ctx) is not None
            or data_node is not None and mask_only_in_other_branch(node, data_node, ctx) is not None
            or op == "max" and data_node is not None and _averaged_over_real_counts_here(data_node, ctx))
        if op == "logsumexp" and not data.strong and not unused:
            return  # as for max: only where the pads are known to be there
        # (an RNN's outputs at padded steps hold values that can win, as for a mean)
        if op == "max" and (not data.strong and data.origin != "rnn" and not unused
                            or data.softmaxed or data.neg_pads or _is_abs(data_node)
                            or (data.nonneg and data.zero_pads)):
            # a peak over padding matters only where pads can win: not for |x|, nor unknowable pads
            # (a mask this function builds and never applies says they are there)
            return
        if op == "max" and data.origin in ("call", "model"):
            return  # `logits = model(x, lengths); logits.max(1)`: a model's output may be pooled (B, C)
        if op == "sum" and data.origin in ("embedding", "call", "param", "batch") and not data.loss_none:
            # a sum over time is only wrong when the pads are not zero; unknown here
            if not data.strong:
                return
        if axis is None and not data.strong and _under_rank_test(node, data_node, ctx):
            return  # `if x.dim() == 4: x = x.mean(1)`: not the (batch, time, features) the guess took
        if _documented_not_time(data_node, dims, ctx):  # (last: it reads docstrings and comments)
            return  # `input: spectrogram, shape (B, C, F, N)` and a mean over axis 1: the channels
        self.report(ctx, node, f"`{short_code(node)}` reduces over the time axis of a padded tensor "
                               f"(from {_origin(data)}) without a mask: padded steps are counted")

    def _mean_over_pad_rows(self, node: cst.Call, data: V.Val, dim_node: cst.BaseExpression | None,
                            ctx: Context) -> None:
        """``self.emb(tokens).mean(1)`` with ``nn.Embedding(..., padding_idx=p)``: the embedding
        expects pad ids, and the mean divides by the padded length, zero rows included."""
        dims = literal_dims(dim_node) if dim_node is not None else None
        axis = time_axis(data)
        if dims is None or not (axis in dims if axis is not None else (1 in dims or -2 in dims)):
            return
        self.report(ctx, node, f"`{short_code(node)}` averages the output of an embedding with `padding_idx` "
                               "over time: the pad rows count in the mean, so the result shrinks with the "
                               "padded length of the batch (divide the sum by the real lengths)")

    def _pooled_over_time(self, node: cst.Call, qual: str, ctx: Context) -> None:
        """``F.avg_pool1d(x.transpose(1, 2), kernel_size=x.size(1))`` and
        ``F.adaptive_avg_pool1d(x.transpose(1, 2), 1)``: a mean over the whole time axis."""
        data_node = _channels_first(arg_value(node, "input", 0))
        if data_node is None:
            return
        data = ctx.ev(data_node)
        if data is not None and data.kind == V.MODEL_OUTPUT and data.item is not None:
            data = data.item
        if not V.is_padded(data) or data.masked or data.permuted or data.batch_first is False:
            return
        if qual.endswith("adaptive_avg_pool1d"):
            if literal(arg_value(node, "output_size", 1)) != 1:
                return
        else:
            kernel = arg_value(node, "kernel_size", 1)
            size = ctx.ev(kernel)
            if kernel is None or not ((size is not None and size.kind == V.DIM) or is_max_len_name(kernel)):
                return
        self.report(ctx, node, f"`{short_code(node)}` averages over the whole time axis of a padded tensor "
                               f"(from {_origin(data)}) without a mask: padded steps are counted")

    def _pooled_by_module(self, node: cst.Call, module: V.Val, ctx: Context) -> None:
        """``self.pool = nn.AdaptiveAvgPool1d(1)``; ``self.pool(conv_out)``: a mean (or max) over
        the whole time axis of (batch, channels, time) frames."""
        made = module.node if isinstance(module.node, cst.Call) else None
        size = arg_value(made, "output_size", 0) if made is not None else None
        if size is None or literal(size) != 1 or not node.args:
            return
        data_node = node.args[0].value
        flipped = _channels_first(data_node)
        data = ctx.ev(flipped if flipped is not None else data_node)
        if data is not None and data.kind == V.MODEL_OUTPUT and data.item is not None:
            data = data.item
        if not V.is_padded(data) or data.masked or data.masked_max:
            return
        time_last = data.channels_first or _time_moved_last(data)
        if flipped is None and not time_last:
            return  # (time where? only a Conv1d's output or a transposed batch says)
        if flipped is not None and data.permuted:
            return
        if flipped is not None and data.batch_first is False:
            return
        kind = "max" if module.cls.endswith("MaxPool1d") else "mean"
        if not (data.strong and data.origin in _SEQUENCE_ORIGINS) \
                and not (kind == "mean" and data.evidence and data.origin in ("embedding", "param")):
            # only where the pads are known to be a batch's (Swin's image windows, padded by
            # F.pad to the window size inside a helper, come back from calls), or, for a mean
            # as for `h.mean(-1)`, of a batch that comes with its lengths or mask
            return
        self.report(ctx, node, f"`{short_code(node)}` ({module.cls.rsplit('.', 1)[1]}(1)) takes the {kind} over the "
                               f"whole time axis of a padded tensor (from {_origin(data)}) without a mask: padded "
                               "steps are counted")

    def on_binop(self, node: cst.BinaryOperation, ctx: Context) -> None:
        """``x.sum(1) / mask.sum(1)``: a masked mean whose numerator forgot the mask."""
        if isinstance(node.operator, cst.Multiply):
            # (seen before the reduction itself: operators are visited before their operands)
            for reduced, other in ((node.left, node.right), (node.right, node.left)):
                if isinstance(reduced, cst.Call):
                    mask = ctx.ev(other)
                    if mask is not None and mask.kind == V.MASK:
                        ctx.file.memo[("pad301-masked-after", id(reduced))] = True
            return
        if isinstance(node.operator, cst.Divide):
            self._division(node, node, ctx)

    def _division(self, node: cst.BaseExpression, division: cst.BinaryOperation, ctx: Context) -> None:
        """``division`` is ``node`` itself, or ``a / b`` standing for ``torch.div(a, b)``."""
        mean_of = same_factor_mean(division, ctx)
        if mean_of is not None:
            # (loss * valid).sum() / valid.sum(): `valid` is a mask, whether or not padlint knew it
            ctx.file.memo[("pad301-masked-after", id(mean_of))] = True
            return
        left = division.left
        if isinstance(left, cst.Name):
            # pooled = torch.sum(e, dim=1); pooled = torch.div(pooled, lengths): the sum, one line up
            # (in either branch of an if/else: the sum is the assignment that is a sum)
            sums = [v for v in assigned_values(ctx.function_scope, left) if _is_sum_call(v, ctx)]
            left = sums[-1] if sums else None
        if not isinstance(left, cst.Call):
            return
        if isinstance(left.func, cst.Attribute) and left.func.attr.value == "sum" and ctx.qualname(left.func) is None:
            data_node, dim_node = left.func.value, arg_value(left, "dim", 0)
        elif ctx.qualname(left.func) == "torch.sum":
            data_node, dim_node = arg_value(left, "input", 0), arg_value(left, "dim", 1)
        else:
            return
        data = ctx.ev(data_node)
        dims = literal_dims(dim_node) if dim_node is not None else None
        axis = time_axis(data)
        if data is not None and data.kind == V.TENSOR and data.zero_pads and not data.masked \
                and (data.padded or data.idx_pads) and dims is not None \
                and (axis in dims if axis is not None else 1 in dims) and _padded_length(division.right, ctx, axis):
            self.report(ctx, node, f"`{short_code(node)}` divides a sum over time by the padded length: the "
                                   "zero rows at the padded steps count in this mean (divide by the real lengths)")
            return
        if not V.is_padded(data) or data.masked or data.zero_pads or (data.strong and not data.weighted):
            return  # strong padding is judged in on_call (which leaves a sum of weighted values alone)
        if dims is None or not ((axis is None and 1 in dims) or (axis is not None and axis in dims)):
            return
        if data.origin == "param" and data.zero_pads is None and not _names_hidden_states(data_node):
            return  # raw inputs handed in (waveforms, features): most likely padded with zeros
        if _counts_real_positions(division.right, ctx, code_of(data_node)):
            self.report(ctx, left, f"`{short_code(left)}` sums padded positions and then divides by the number of real "
                                   "ones: apply the mask to the numerator too")


def _averaged_over_real_counts_here(data_node: cst.BaseExpression, ctx: Context) -> bool:
    """Whether the function also averages the same tensor over time by the real counts,
    ``x.sum(dim=1) / lengths`` (ptls's last-max-avg pooling): it holds padding along dim 1, so a
    max beside that mean, unmasked, reads the pads too."""
    name = code_of(data_node)
    function = ctx.function_scope.node if ctx.function_scope is not None else None
    if not isinstance(function, cst.FunctionDef) or dotted(data_node) is None:
        return False
    for division in nodes_of(function.body, cst.BinaryOperation):
        left = division.left
        if not isinstance(division.operator, cst.Divide) or not isinstance(left, cst.Call) \
                or not isinstance(left.func, cst.Attribute) or left.func.attr.value != "sum" \
                or code_of(left.func.value) != name or literal(arg_value(left, "dim", 0)) != 1:
            continue
        if _counts_real_positions(division.right, ctx, name):
            return True
    return False


# Where padding is certainly a batch of sequences padded to its longest member.
_SEQUENCE_ORIGINS = {"pad_sequence", "unpack", "rnn", "embedding", "tokenizer", "dense_batch", "canvas"}
_TIME_POOLS = {"torch.avg_pool1d", "torch.nn.functional.avg_pool1d", "torch.nn.functional.adaptive_avg_pool1d"}


def _einops_reduced(node: cst.Call) -> tuple[cst.BaseExpression, str] | None:
    """``einops.reduce(h, "b t d -> b d", "mean")``: the reduced axes (as a tuple of their
    positions, what ``dim=`` would say) and the reduction; None for a pattern not read here
    (grouped or ellipsis axes)."""
    pattern, how = literal(arg_value(node, "pattern", 1)), literal(arg_value(node, "reduction", 2))
    op = {"mean": "mean", "sum": "sum", "max": "max"}.get(how) if isinstance(how, str) else None
    if not isinstance(pattern, str) or op is None or pattern.count("->") != 1:
        return None
    left, right = (side.split() for side in pattern.split("->"))
    if any(not name.isidentifier() for name in [*left, *right]):
        return None
    positions = [i for i, name in enumerate(left) if name not in right]
    if not positions:
        return None
    return cst.Tuple([cst.Element(cst.Integer(str(i))) for i in positions]), op


def _time_moved_last(data: V.Val) -> bool:
    """A batch-first (B, T, D) tensor permuted to (B, D, T): ``x.permute(0, 2, 1)``."""
    perm, start = data.perm, data.perm_start
    if not perm or not start or start[0] is not True or start[1]:
        return False
    return 1 in perm and perm.index(1) == len(perm) - 1


def _channels_first(node: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """``x.transpose(1, 2)`` / ``x.transpose(2, 1)`` / ``x.permute(0, 2, 1)``: ``x``."""
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
        return None
    axes = [literal(a.value) for a in node.args]
    if node.func.attr.value == "transpose" and sorted(a for a in axes if isinstance(a, int)) == [1, 2] \
            and len(axes) == 2:
        return node.func.value
    if node.func.attr.value == "permute" and axes == [0, 2, 1]:
        return node.func.value
    return None


def _padded_length(node: cst.BaseExpression, ctx: Context, axis: int | None) -> bool:
    """``x.size(1)``, ``x.shape[1]``, ``max_len``: the padded length of a batch, as a divisor."""
    node = through_methods(node, ("float", "to", "type_as", "item"))
    if is_max_len_name(node):
        return True
    size = ctx.ev(node)
    return size is not None and size.kind == V.DIM and size.dim == (1 if axis is None else axis) \
        and (size.of is None or size.of.kind == V.TENSOR)


_HIDDEN_NAME = re.compile(r"(?:^|_)(?:h|hs|hidden|hiddens|outputs?|out|states?|memory|enc|encoded|encodings?"
                          r"|embeddings|context|reps?|representations?|features_out)(?:$|_)", re.I)


def _names_hidden_states(node: cst.BaseExpression) -> bool:
    """``hidden``, ``enc_out``, ``token_embeddings``: a tensor named as a network's output, whose
    pads are whatever the network computed there (not the zeros of a padded input)."""
    return any(isinstance(n, cst.Name) and _HIDDEN_NAME.search(n.value) for n in iter_nodes(node))


def _is_abs(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "abs":
            return True
        if isinstance(func, cst.Attribute) and func.attr.value == "abs" or (
                isinstance(func, (cst.Name, cst.Attribute)) and (dotted(func) or "").endswith("abs")):
            return True
    return False


def _is_sum_call(node: cst.BaseExpression, ctx: Context) -> bool:
    """``x.sum(...)`` or ``torch.sum(x, ...)``."""
    return isinstance(node, cst.Call) and (
        isinstance(node.func, cst.Attribute) and node.func.attr.value == "sum" and ctx.qualname(node.func) is None
        or ctx.qualname(node.func) == "torch.sum")


def _counts_real_positions(node: cst.BaseExpression, ctx: Context, summed: str) -> bool:
    """``mask.sum(1)``, ``lengths``, ``lengths.unsqueeze(1).float()`` and the like -- but not
    ``(x != 0).sum(1)`` under ``x.sum(1)``: the mean of x's non-zero values, pads left out."""
    node = through_methods(node, ("clamp", "clamp_min", "float", "unsqueeze", "view", "to", "type_as", "reshape"))
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "sum":
        base = ctx.ev(node.func.value)
        return base is not None and base.kind == V.MASK and base.zero_of != summed
    value = ctx.ev(node)
    return value is not None and value.kind == V.LENGTHS


def _times_an_unknown(node: cst.BaseExpression | None, ctx: Context) -> bool:
    """``(a * b)`` where one factor is nothing known: a mask or weights the analysis cannot see."""
    if not isinstance(node, cst.BinaryOperation) or not isinstance(node.operator, cst.Multiply):
        return False
    return any(ctx.ev(side) is None for side in (node.left, node.right))


def _origin(value: V.Val) -> str:
    return {
        "pad_sequence": "`pad_sequence`", "unpack": "`pad_packed_sequence`", "rnn": "an RNN run on padded input",
        "embedding": "an embedding of padded tokens", "model": "a model called on a padded batch",
        "hidden": "the hidden states of a model called on a padded batch",
        "loss": "an unreduced loss", "param": "a parameter that comes with lengths or a mask",
        "batch": "a padded batch", "call": "a padded batch", "tokenizer": "a padding tokenizer",
        "canvas": "a padded batch", "dense_batch": "a dense batch of variable-size items",
        "masked_attention": "an encoder told where the padding is, which still gives a row at every position",
    }.get(value.origin or "", "a padded batch")


def _attention_maps(node: cst.BaseExpression) -> bool:
    """``attention_S``, ``attn_weights``, ``self.att_probs``: per-head attention maps, by their name."""
    name = (dotted(node) or "").rsplit(".", 1)[-1].lower()
    return name.startswith("att") or "attention" in name


def _channels_first_here(node: cst.BaseExpression, ctx: Context) -> bool:
    """Channels-first frames (batch, channels, time): ``feats`` (or a name computed from it
    without a transpose) handed as it is to an ``nn.Conv1d`` in the same function, or whose
    ``size(-1)`` goes with the lengths into a call (``frame_mask(lengths, x.size(-1))``)."""
    function = ctx.scope.node if ctx.scope is not None else None
    if not isinstance(node, cst.Name) or not isinstance(function, cst.FunctionDef):
        return False
    names = {node.value}
    for item in iter_nodes(function.body):
        if isinstance(item, cst.Assign) and len(item.targets) == 1 and isinstance(item.targets[0].target, cst.Name):
            inner = list(iter_nodes(item.value))
            if any(isinstance(n, cst.Name) and n.value in names for n in inner) and not any(
                    isinstance(n, cst.Attribute) and n.attr.value in ("transpose", "permute", "t", "mT") for n in inner):
                names.add(item.targets[0].target.value)
    for item in iter_nodes(function.body):
        if isinstance(item, cst.Call) and len(item.args) >= 2 and any(
                isinstance(a.value, cst.Name) and V.looks_like_lengths(a.value.value) for a in item.args) and any(
                _last_axis_of(a.value, names) for a in item.args):
            return True  # frame_mask(lengths, x.size(-1)): the padded length is the last axis
        if isinstance(item, cst.Call) and item.args and isinstance(item.args[0].value, cst.Name) \
                and item.args[0].value.value in names and item.args[0].keyword is None:
            module = ctx.ev(item.func)
            if module is not None and module.kind == V.MODULE and module.cls == "torch.nn.Conv1d":
                return True
            if ctx.qualname(item.func) in ("torch.nn.functional.conv1d", "torch.conv1d"):
                return True
    return False


def _last_axis_of(node: cst.BaseExpression, names: set[str]) -> bool:
    """``x.size(-1)`` / ``x.shape[-1]`` of one of ``names``."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "size" \
            and len(node.args) == 1 and literal(node.args[0].value) == -1:
        base = node.func.value
    elif isinstance(node, cst.Subscript) and isinstance(node.value, cst.Attribute) and node.value.attr.value == "shape" \
            and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index) \
            and literal(node.slice[0].slice.value) == -1:
        base = node.value.value
    else:
        return False
    return isinstance(base, cst.Name) and base.value in names


# A shape written in a docstring: `input: spectrogram, shape (B, C, F, N)`, `x (batch, channels, time)`.
_DOC_SHAPE = re.compile(r"\(\s*([A-Za-z_][\w]*(?:\s*[,x\u00d7]\s*[A-Za-z_][\w]*){2,})\s*,?\s*\)")
# axis names that are surely not time (channels, features, heads, hidden size, frequency bins)
_NOT_TIME_AXIS = re.compile(r"^(?:C|Ch|channels?|n_?channels|num_channels|F|freq\w*|feat\w*|D|dim|d_model|H|hidden"
                            r"|E|emb\w*|heads?|num_heads|K|classes|num_classes|V|vocab\w*|M|mics?"
                            r"|(?:num_|n_)?(?:latents?|queries|patches|objects|boxes|slots))$", re.I)


def _under_rank_test(call: cst.Call, data_node: cst.BaseExpression, ctx: Context) -> bool:
    """Whether ``call`` sits in the body of an ``if`` that tests the reduced tensor for four or more
    dimensions (``x.dim() == 4``, ``x.ndim > 3``, ``len(x.shape) == 4``): FunASR's multi-channel
    (batch, channels, time, features) encoder output averaged over its channels."""
    name = dotted(through_methods(data_node, ("float", "detach", "contiguous")))
    function = ctx.function_scope.node if ctx.function_scope is not None else None
    if name is None or not isinstance(function, cst.FunctionDef):
        return False
    for test in nodes_of(function.body, cst.If):
        comparison = test.test
        if not (isinstance(comparison, cst.Comparison) and len(comparison.comparisons) == 1):
            continue
        bound = literal(comparison.comparisons[0].comparator)
        op = comparison.comparisons[0].operator
        if not isinstance(bound, int) or isinstance(bound, bool) or not (
                isinstance(op, cst.Equal) and bound >= 4 or isinstance(op, (cst.GreaterThan, cst.GreaterThanEqual))
                and bound >= 3):
            continue
        rank = comparison.left
        if isinstance(rank, cst.Call) and isinstance(rank.func, cst.Attribute) and rank.func.attr.value == "dim" \
                and not rank.args:
            tested = dotted(rank.func.value)
        elif isinstance(rank, cst.Attribute) and rank.attr.value == "ndim":
            tested = dotted(rank.value)
        elif isinstance(rank, cst.Call) and isinstance(rank.func, cst.Name) and rank.func.value == "len" \
                and len(rank.args) == 1 and isinstance(rank.args[0].value, cst.Attribute) \
                and rank.args[0].value.attr.value == "shape":
            tested = dotted(rank.args[0].value.value)
        else:
            continue
        if tested == name and any(item is call for item in nodes_of(test.body, cst.Call)):
            return True
    return False


def _documented_not_time(node: cst.BaseExpression, dims: list[int], ctx: Context) -> bool:
    """Whether the docstring of the current function gives the shape of the parameter the
    reduced tensor is made from (``torch.abs(input) ** 2`` from ``input``) and names every
    reduced axis as channels, features or the like: NeMo's (B, C, F, N) spectrograms."""
    function = ctx.function_scope.node if ctx.function_scope is not None else None
    if not isinstance(function, cst.FunctionDef):
        return False
    if _commented_not_time(node, dims, function):
        return True
    root = node
    while True:  # the tensor under element-wise calls and operators: torch.abs(input) ** 2 -> input
        if isinstance(root, cst.BinaryOperation):
            root = root.left
        elif isinstance(root, cst.Call) and root.args:
            root = root.args[0].value if not isinstance(root.func, cst.Attribute) \
                or code_of(root.func.value).split(".")[0] in ("torch", "F", "np") else root.func.value
        elif isinstance(root, cst.UnaryOperation):
            root = root.expression
        else:
            break
    if not isinstance(root, cst.Name) or root.value not in ctx.function_scope.params:
        return False
    lines = (function.get_docstring(clean=False) or "").splitlines()
    for line_no, line in enumerate(lines):
        if re.match(rf"\s*{re.escape(root.value)}\b\s*(?:\(|:)", line):
            # (the first shape within the parameter's description, which may wrap)
            return _shape_names_no_time(" ".join(lines[line_no:line_no + 3]), dims) is True
    return False


def _shape_names_no_time(text: str, dims: list[int]) -> bool | None:
    """Whether the first shape written in ``text`` names every axis of ``dims`` as not time
    (None: no shape there)."""
    found = _DOC_SHAPE.search(text)
    if found is None:
        return None
    axes = [a.strip() for a in re.split(r"[,x\u00d7]", found.group(1))]
    return all(-len(axes) <= d < len(axes) and _NOT_TIME_AXIS.match(axes[d]) for d in dims)


def _commented_not_time(node: cst.BaseExpression, dims: list[int], function: cst.FunctionDef) -> bool:
    """A comment on the reducing statement (the line above it, or its end) whose first shape names
    every reduced axis as not time: ``# (batch_size, num_latents, d_latents) -> (batch_size,
    d_latents)`` over ``torch.mean(z, dim=1)`` (Perceiver's latents)."""
    for statement in iter_nodes(function.body):
        if not isinstance(statement, cst.SimpleStatementLine) or not any(n is node for n in iter_nodes(statement)):
            continue
        comments = [line.comment.value for line in statement.leading_lines if line.comment is not None][-2:]
        if statement.trailing_whitespace.comment is not None:
            comments.append(statement.trailing_whitespace.comment.value)
        for comment in comments:
            verdict = _shape_names_no_time(comment, dims)
            if verdict is not None:
                return verdict
        return False
    return False


def _over_padded_time(data: V.Val, dim_node: cst.BaseExpression) -> bool:
    """The reduced axis is the known time axis of ``data`` (batch first or time major), or, for a
    layout padlint does not know, dim 1 of a tensor multiplied by a (batch, time) mask stood up
    over its last axis (``hidden * attention_mask[:, :, None]``)."""
    dims = literal_dims(dim_node)
    if dims is None:
        return False
    axis = time_axis(data)
    if axis is None:
        return bool(data.mask_last) and data.batch_first is None and 1 in dims
    return axis in dims
