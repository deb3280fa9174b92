"""PAD303 loss-counts-padded-targets: cross-entropy/NLL on padded targets without ignore_index."""

from __future__ import annotations

import re

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import (
    EMBEDDING, FUNCTIONAL_CLASS_LOSSES, Context, _method, arg_value, assigned_values, get_arg, is_literal, last_name,
    literal, resolve_constant,
)
from padlint.static.fixes import Fix, add_keyword
from padlint.static.names import code_of, dotted
from padlint.static.rule import PADDING, Rule
from padlint.static.traverse import iter_nodes

_DEFAULT_IGNORE = -100


class LossCountsPaddedTargets(Rule):
    code = "PAD303"
    name = "loss-counts-padded-targets"
    summary = "CrossEntropyLoss/NLLLoss on padded targets without an ignore_index equal to the padding value"
    fix_hint = "Pass `ignore_index=<the padding value>` (or pad the targets with -100)."
    triggers = ("cross_entropy", "CrossEntropyLoss", "nll_loss", "NLLLoss", "scatter_")
    file_gates = (("full", PADDING),)  # something in the file is padded
    file_wide_words = ("-100",)  # targets padded with -100 anywhere silence the pad-id fallback
    fix_applicability = "unsafe"

    def on_assign(self, node: cst.Assign, value: V.Val | None, ctx: Context) -> None:
        if literal(node.value) == _DEFAULT_IGNORE and any(isinstance(t.target, cst.Subscript) for t in node.targets):
            ctx.file.scratch["pad303_minus100"] = True  # labels[labels == PAD] = -100

    def on_module_end(self, node: cst.Module, ctx: Context) -> None:
        if ctx.file.scratch.get("pad303_minus100"):
            return  # this file pads its targets with -100: the pad id at hand is the inputs'
        for call, message, fix in ctx.file.scratch.get("pad303_fallback", []):
            self.report(ctx, call, message, fix)

    def on_call(self, node: cst.Call, ctx: Context) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "scatter_":
            self._smoothed_targets(node, ctx)
            return
        if last_name(node.func) in _PADDERS and any(
                literal(a.value) == _DEFAULT_IGNORE
                or isinstance(a.value, cst.Name) and resolve_constant(ctx, a.value.value) == _DEFAULT_IGNORE
                or _attribute_default(ctx, a.value) == _DEFAULT_IGNORE
                for a in node.args):
            # pad_sequence(labels, padding_value=-100) (or IGNORE, a constant bound to -100)
            ctx.file.scratch["pad303_minus100"] = True
        qual = ctx.qualname(node.func)
        if qual in FUNCTIONAL_CLASS_LOSSES:
            target = arg_value(node, "target", 1)
            ignore_arg = get_arg(node, "ignore_index", 4 if qual.endswith("cross_entropy") else 4)
            ignore = ignore_arg.value if ignore_arg is not None else None
            construct = node
            star = any(a.star == "**" for a in node.args)
            reduction = arg_value(node, "reduction", None)
        else:
            callee = ctx.ev(node.func)
            if callee is None or callee.kind != V.MODULE or callee.cls not in ("torch.nn.CrossEntropyLoss", "torch.nn.NLLLoss"):
                return
            target = arg_value(node, "target", 1)
            ignore = (callee.kwargs or {}).get("ignore_index")
            construct = callee.node
            star = bool(callee.star_kwargs)
            reduction = (callee.kwargs or {}).get("reduction")
        if star or target is None:
            return
        if reduction is not None and literal(reduction) == "none":
            return  # unreduced: the masking (or not) happens later, where PAD301/PAD302 look
        value = ctx.ev(target)
        if value is None:
            value = _step_of_padded(target, ctx)  # criterion(out, tgt[t]) in a decoding loop
        if not V.is_strongly_padded(value) or value.pad is None or value.masked:
            # (`ignore_index=-100` written out is the default: it says nothing of the padding; a
            # constant named for padding, `ignore_index=TAG_PAD`, is the targets' own pad value)
            written_default = ignore is not None and resolve_constant(ctx, code_of(ignore)) == _DEFAULT_IGNORE \
                and "pad" not in code_of(ignore).lower()
            if (ignore is None or written_default) and not V.is_strongly_padded(value):
                # unknown padding, or only probably padded (a function that also takes a mask)
                lacks = "ignores only `-100`" if written_default else "has no `ignore_index`"
                construct = None if written_default else construct  # (no second ignore_index= to add)
                if not self._embedded_with_padding_idx(node, ctx, target, construct, lacks) \
                        and not self._compared_with_pad_in_forward(node, ctx, target, construct, lacks) \
                        and not self._labels_from_masked_inputs(node, ctx, target, lacks):
                    self._unused_pad_id(node, ctx, construct, lacks)
            return
        pad = resolve_constant(ctx, value.pad)
        if ignore is None:
            if pad == _DEFAULT_IGNORE:
                return
            self.report(ctx, node, f"the targets are padded with `{value.pad}` but the loss ignores only "
                                   f"`-100` (the default `ignore_index`): padded positions are trained on",
                        _ignore_index_fix(construct, _visible_pad(ctx, value.pad, pad)))
            return
        ignored = resolve_constant(ctx, code_of(ignore))
        if isinstance(pad, int) and isinstance(ignored, int) and pad != ignored:
            self.report(ctx, node, f"the targets are padded with `{value.pad}` but `ignore_index` is "
                                   f"`{ignored}`: padded positions are trained on")


    def _smoothed_targets(self, scatter: cst.Call, ctx: Context) -> None:
        """Label smoothing written out (The Annotated Transformer's ``LabelSmoothing``):
        ``dist.scatter_(1, target.unsqueeze(1), confidence)`` and ``dist[:, padding_idx] = 0``
        zero the padding *column*, but the *rows* whose target is the padding index keep their
        smoothed mass unless something compares the targets with it (``index_fill_`` of
        ``target == padding_idx``, a masked_fill, a mask): then padded positions are trained on."""
        function = ctx.scope.node if ctx.scope is not None else None
        dist = dotted(scatter.func.value)
        if not isinstance(function, cst.FunctionDef) or dist is None or literal(arg_value(scatter, "dim", 0)) != 1:
            return
        pad = None
        for item in iter_nodes(function.body):
            if isinstance(item, cst.Assign) and literal(item.value) == 0:
                for target in item.targets:
                    sub = target.target
                    if isinstance(sub, cst.Subscript) and dotted(sub.value) == dist and len(sub.slice) == 2 \
                            and isinstance(sub.slice[0].slice, cst.Slice) and isinstance(sub.slice[1].slice, cst.Index):
                        column = code_of(sub.slice[1].slice.value)
                        if _PAD_NAME.search(column):
                            pad = column  # dist[:, self.padding_idx] = 0
        if pad is None:
            return
        body = code_of(function.body)
        escaped = re.escape(pad)
        compared = re.search(rf"(?:==|!=)\s*{escaped}\b|{escaped}\s*(?:==|!=)|\.(?:eq|ne)\(\s*{escaped}", body)
        if compared or _ROW_MASKING.search(body):
            return
        for item in iter_nodes(function.body):
            if isinstance(item, cst.Call) and item is not scatter and any(
                    dotted(n) == dist for a in item.args for n in iter_nodes(a.value)):
                # criterion(x, dist), kl_div(logp, dist.detach()), Variable(dist, requires_grad=False)
                self.report(ctx, item, f"`{dist}` (label smoothing) zeroes the padding column `{pad}`, but its rows "
                                       f"whose target is `{pad}` keep their smoothed mass: padded positions are "
                                       f"trained on; zero those rows too (`{dist}.masked_fill_((target == {pad})"
                                       ".unsqueeze(1), 0)`)")
                return

    def _embedded_with_padding_idx(self, node: cst.Call, ctx: Context, target: cst.BaseExpression,
                                   construct: cst.CSTNode | None, lacks: str) -> bool:
        """Teacher forcing: the same tensor feeds an embedding with ``padding_idx`` (the decoder
        input ``tgt[:, :-1]``) and the loss (``tgt[:, 1:]``), so the targets are padded with that
        id. Reported at the end of the file, like the fallback (silent where targets get -100)."""
        logits = arg_value(node, "input", 0)
        if logits is None or not (_flattened(ctx, logits) or _token_layout(logits)):
            return False  # (B, C) logits against one id per sample (a next-item target) are not tokens
        root = _root(ctx, target)
        if root is None or not isinstance(ctx.scope.node, cst.FunctionDef):
            return False
        for call in iter_nodes(ctx.scope.node.body):
            if not isinstance(call, cst.Call) or not call.args:
                continue
            module = ctx.ev(call.func)
            if module is None or module.kind != V.MODULE or module.cls != EMBEDDING:
                continue
            padding_idx = (module.kwargs or {}).get("padding_idx")
            if padding_idx is None or _root(ctx, call.args[0].value) != root:
                continue
            pad = code_of(padding_idx)
            if resolve_constant(ctx, pad) == _DEFAULT_IGNORE:
                return False
            # (a name such as `pad_idx` from __init__ may not be in scope at the loss: no fix then)
            fix = _ignore_index_fix(construct, pad) if isinstance(literal(padding_idx), int) and construct else None
            ctx.file.scratch.setdefault("pad303_fallback", []).append((
                node, f"`{root}` also goes through `{code_of(call.func)}`, an embedding with `padding_idx={pad}`, "
                      f"so the targets are padded with it, but the loss {lacks}: padded positions "
                      f"are trained on", fix))
            return True
        return False

    def _compared_with_pad_in_forward(self, node: cst.Call, ctx: Context, target: cst.BaseExpression,
                                      construct: cst.CSTNode | None, lacks: str) -> bool:
        """``logits = self(tgt[:, :-1])`` next to the loss on ``tgt[:, 1:]``, where the class's
        ``forward`` builds its padding mask from that parameter (``tgt_in.eq(self.pad_id)``): the
        targets are the same tokens, padded with the same id."""
        logits = arg_value(node, "input", 0)
        if logits is None or not (_flattened(ctx, logits) or _token_layout(logits)):
            return False
        root = _root(ctx, target)
        function = ctx.scope.node if ctx.scope is not None else None
        cls = ctx.scope.class_scope.node if ctx.scope is not None and ctx.scope.class_scope is not None else None
        if root is None or not isinstance(function, cst.FunctionDef) or not isinstance(cls, cst.ClassDef):
            return False
        forward = _method(cls, "forward")
        if forward is None or forward is function:
            return False
        params = [p.name.value for p in [*forward.params.posonly_params, *forward.params.params]][1:]
        for call in iter_nodes(function.body):
            if not (isinstance(call, cst.Call) and code_of(call.func) in ("self", "self.forward")):
                continue
            for index, arg in enumerate(a for a in call.args if a.keyword is None and not a.star):
                if index < len(params) and _root(ctx, arg.value) == root:
                    pad = _pad_compared_with(forward, params[index])
                    if pad is not None:
                        ctx.file.scratch.setdefault("pad303_fallback", []).append((
                            node, f"`{root}` goes into `forward`, whose padding mask is `{params[index]} == {pad}`: "
                                  f"the targets are the same tokens, padded with `{pad}`, but the loss {lacks}: "
                                  "padded positions are trained on", None))
                        return True
        return False

    def _labels_from_masked_inputs(self, node: cst.Call, ctx: Context, target: cst.BaseExpression,
                                   lacks: str) -> bool:
        """Language-model targets copied from the input ids (``labels = input_ids[:, 1:]``) of a
        function that also takes their ``attention_mask``: the padded positions keep the pad id,
        and nothing here sets them to -100 (reported at the end of the file, silent where
        anything in it writes -100 into targets)."""
        logits = arg_value(node, "input", 0)
        function = ctx.scope.node if ctx.scope is not None else None
        if logits is None or not (_flattened(ctx, logits) or _token_layout(logits)) \
                or not isinstance(function, cst.FunctionDef):
            return False
        root = _root(ctx, target)
        if root is None or root not in ctx.scope.params or not _INPUT_IDS.search(root) \
                or any(word in root for word in ("label", "target", "tgt", "gold")):
            return False  # (`labels_input_ids`: labels, padded with -100 by their own collator)
        masks = [p for p in ctx.scope.params if V.looks_like_mask(p) and "attention" in p or p in ("mask", "pad_mask")]
        if not masks:
            return False
        ctx.file.scratch.setdefault("pad303_fallback", []).append((
            node, f"the targets are `{root}`, which come with `{masks[0]}`: their padded positions keep the pad id, "
                  f"and the loss {lacks}: padded positions are trained on (set them to -100 where "
                  f"`{masks[0]}` is 0)", None))
        return True

    def _unused_pad_id(self, node: cst.Call, ctx: Context, construct: cst.CSTNode | None, lacks: str) -> None:
        """Token-level targets (the logits flattened to (N, C)) and a pad id at hand that the loss
        never receives: ``criterion(output.view(-1, V), trg.view(-1))`` next to ``pad_idx``."""
        logits = arg_value(node, "input", 0)
        if logits is None or not _flattened(ctx, logits) or _built_here(ctx, arg_value(node, "target", 1)):
            return
        pad_name = _pad_id_in_scope(ctx)
        if pad_name is None:
            return
        ctx.file.scratch.setdefault("pad303_fallback", []).append((
            node, f"token-level targets go to the loss {'without `ignore_index`' if construct else 'that ' + lacks} "
                  f"although `{pad_name}` is at hand: positions padded with it are trained on",
            _ignore_index_fix(construct, pad_name)))


_INPUT_IDS = re.compile(r"(?:^|_)(?:ids|tokens|token_ids)$")

_PADDERS = {"pad_sequence", "pad", "full", "full_like", "new_full", "masked_fill", "masked_fill_", "fill_",
            "where", "pad_to_length", "pad_tensor"}


_SAME_TOKENS = {"view", "reshape", "contiguous", "flatten", "long", "to", "cuda", "clone", "detach"}


def _root(ctx: Context, node: cst.BaseExpression, depth: int = 0) -> str | None:
    """The name whose tokens an expression reads, through slices, reshapes and local
    assignments: ``tgt[:, 1:].reshape(-1)`` and ``gold = tgt[:, 1:]; gold`` both give ``tgt``."""
    if depth > 8:
        return None
    if isinstance(node, cst.Subscript):
        base = _root(ctx, node.value, depth + 1)
        if base is None or any(isinstance(e.slice, cst.Slice) for e in node.slice):
            return base  # tgt[:, 1:]: the same tokens, shifted
        return f"{base}[{', '.join(code_of(e.slice) for e in node.slice)}]"  # batch["tgt"]: one field
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in _SAME_TOKENS:
        return _root(ctx, node.func.value, depth + 1)
    if isinstance(node, cst.Name):
        values = list(assigned_values(ctx.scope, node))
        if len(values) == 1:
            return _root(ctx, values[0], depth + 1)
        return node.value if not values else None
    if isinstance(node, cst.Attribute):
        return dotted(node)
    return None


def _flattened(ctx: Context, node: cst.BaseExpression) -> bool:
    """``x.view(-1, C)`` / ``x.reshape(-1, C)``, here or where the name was last assigned."""
    def is_flatten(expr: cst.BaseExpression) -> bool:
        return (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)
                and expr.func.attr.value in ("view", "reshape") and len(expr.args) == 2
                and literal(expr.args[0].value) == -1)

    return is_flatten(node) or any(is_flatten(value) for value in assigned_values(ctx.scope, node))


def _built_here(ctx: Context, target: cst.BaseExpression | None) -> bool:
    """Targets this function builds itself (``labels = torch.cat((codes, eos), dim=1)``), not
    read from a batch: the analysis saw them made and found no padding in them."""
    if target is None:
        return False
    name = target
    while isinstance(name, cst.Call) and isinstance(name.func, cst.Attribute) and name.func.attr.value in _SAME_TOKENS:
        name = name.func.value
    if not isinstance(name, cst.Name):
        return False
    values = list(assigned_values(ctx.scope, name))
    return bool(values) and all(isinstance(v, cst.Call) and (ctx.qualname(v.func) or "").startswith("torch.")
                                and "pad" not in (ctx.qualname(v.func) or "") for v in values)


def _token_layout(node: cst.BaseExpression) -> bool:
    """``logits.transpose(1, 2)`` / ``.permute(0, 2, 1)`` / ``.flatten(0, 1)``: one row per token."""
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
        and node.func.attr.value in ("transpose", "permute", "flatten")


def _pad_id_in_scope(ctx: Context) -> str | None:
    """A name that holds the padding id (parameter, attribute or constant), unless it is -100."""
    scope = ctx.scope
    while scope is not None:
        for name in scope.params:
            if V.looks_like_pad_value(name) and "mask" not in name:
                return name
        for name, value in list(scope.env.items()) + (list(scope.class_scope.env.items()) if scope.class_scope else []):
            if value is None or not V.looks_like_pad_value(name) or "mask" in name:
                continue
            if value.kind == V.CONST and value.value == _DEFAULT_IGNORE:
                continue
            if value.kind == V.CONST or name.startswith("self."):
                return name
        scope = scope.parent
    return None


def _visible_pad(ctx: Context, code: str, value: object) -> str | None:
    """The padding value as the fix may write it where the loss is made: a literal as it is, a
    module-level name (a constant, ``cfg.pad_id`` of a module-level ``cfg``), else the number it
    is known to hold; None when neither holds (a name local to the collate function that padded:
    ``ignore_index=pad_id`` there would be a NameError)."""
    parsed = _parse_expr(code)
    if parsed is not None and is_literal(parsed):
        return code
    root = code.split(".", 1)[0]
    scope = ctx.scope
    while scope.parent is not None:
        scope = scope.parent
    if root in scope.env or root in ctx.imports.names:
        return code
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _ignore_index_fix(construct: cst.CSTNode | None, pad: str | None) -> Fix | None:
    """Add ``ignore_index=<pad>`` to the loss call or the loss module's constructor."""
    pad_node = _parse_expr(pad) if pad is not None and isinstance(construct, cst.Call) else None
    if pad_node is None:
        return None
    return Fix(f"Pass `ignore_index={pad}`", "unsafe", [(construct, add_keyword(construct, "ignore_index", pad_node))])


def _parse_expr(code: str) -> cst.BaseExpression | None:
    try:
        return cst.parse_expression(code)
    except Exception:
        return None


_PAD_NAME = re.compile(r"pad|ignore", re.IGNORECASE)
# Anything that takes the padded rows out: a comparison with the pad id, a fill, a mask, a selection.
_ROW_MASKING = re.compile(r"index_fill|masked_|mask|nonzero|where\(|ignore_index")


def _step_of_padded(node: cst.BaseExpression, ctx: Context) -> V.Val | None:
    """``tgt[t]`` of time-major padded targets (``tgt[:, t]`` of batch-first ones), ``t`` a loop
    variable: one decoding step's targets, padded wherever a sequence has ended. The padded
    targets themselves are returned (their pad value is what the loss must ignore)."""
    if not isinstance(node, cst.Subscript) or not 1 <= len(node.slice) <= 2:
        return None
    parts = [element.slice for element in node.slice]
    if not all(isinstance(p, cst.Index) or isinstance(p, cst.Slice) and p.lower is None and p.upper is None
               and p.step is None for p in parts):
        return None
    steps = [i for i, p in enumerate(parts) if isinstance(p, cst.Index)]
    if len(steps) != 1 or not isinstance(parts[steps[0]].value, cst.Name):
        return None
    whole = ctx.ev(node.value)
    if not V.is_strongly_padded(whole) or whole.batch_first is None or steps[0] != (1 if whole.batch_first else 0):
        return None
    return whole


def _pad_compared_with(function: cst.FunctionDef, param: str) -> str | None:
    """``self.pad_id`` where ``function`` compares ``param`` with it (``param.eq(self.pad_id)``,
    ``param == self.pad_idx``, ``.ne``/``!=``): the id its padding is made of."""
    for item in iter_nodes(function.body):
        pair = None
        if isinstance(item, cst.Call) and isinstance(item.func, cst.Attribute) and item.func.attr.value in ("eq", "ne") \
                and item.args and code_of(item.func.value) == param:
            pair = item.args[0].value
        elif isinstance(item, cst.Comparison) and len(item.comparisons) == 1 \
                and isinstance(item.comparisons[0].operator, (cst.Equal, cst.NotEqual)) and code_of(item.left) == param:
            pair = item.comparisons[0].comparator
        if isinstance(pair, cst.Attribute) and code_of(pair.value) == "self" and _PAD_NAME.search(pair.attr.value):
            return code_of(pair)
    return None


def _attribute_default(ctx: Context, node: cst.BaseExpression) -> object:
    """The value of ``self.label_pad_id`` where the class sets it from a constant, or from an
    ``__init__`` parameter whose default is one (``def __init__(self, label_pad_id=LABEL_PAD)``)."""
    if not (isinstance(node, cst.Attribute) and code_of(node.value) == "self") or ctx.scope is None \
            or ctx.scope.class_scope is None or not isinstance(ctx.scope.class_scope.node, cst.ClassDef):
        return None
    attr = node.attr.value
    for method in ctx.scope.class_scope.node.body.body:
        if not isinstance(method, cst.FunctionDef):
            continue
        defaults = {p.name.value: p.default for p in [*method.params.params, *method.params.kwonly_params]
                    if p.default is not None}
        for item in iter_nodes(method.body):
            if isinstance(item, cst.Assign) and any(
                    isinstance(t.target, cst.Attribute) and code_of(t.target) == f"self.{attr}" for t in item.targets):
                value = item.value
                if isinstance(value, cst.Name) and value.value in defaults:
                    value = defaults[value.value]
                if literal(value) is not None:
                    return literal(value)
                return resolve_constant(ctx, code_of(value)) if isinstance(value, cst.Name) else None
    return None
