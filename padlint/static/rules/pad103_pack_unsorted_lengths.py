"""PAD103 pack-unsorted-lengths: enforce_sorted left True while nothing sorts the batch."""

from __future__ import annotations

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import PACK, PAD_SEQUENCE, Context, Scope, assigned_values, flag, get_arg, last_name, literal
from padlint.static.names import through_methods
from padlint.static.traverse import iter_nodes, nodes_of, nodes_under
from padlint.static.fixes import Fix, add_keyword
from padlint.static.rule import Rule


_ALONE = ("only the lengths are sorted: the sort's permutation is thrown away, so the batch rows keep their "
          "order and each one is packed with another row's length; sort the rows with it (`x = x[order]`) or "
          "pass `enforce_sorted=False` with the unsorted lengths")


class PackUnsortedLengths(Rule):
    code = "PAD103"
    name = "pack-unsorted-lengths"
    summary = "enforce_sorted left True while nothing in the file sorts the batch by length"
    fix_hint = "Pass `enforce_sorted=False` (packing sorts and un-sorts for you), or sort the batch by length, longest first."
    triggers = ("pack_padded_sequence",)
    file_wide_words = ("sort", "shuffle", "dataloader", "collate")
    fix_applicability = "safe"

    def on_call(self, node: cst.Call, ctx: Context) -> None:
        if ctx.qualname(node.func) == PACK:
            dropped = _order_dropped(node, ctx)
            if dropped is not None:
                self.report(ctx, dropped, _ALONE)
                return
            if flag(node, "enforce_sorted", 3, True) is True and not _sorted_by_construction(node, ctx):
                ctx.file.scratch.setdefault("pad103_calls", []).append(node)
                data_arg = get_arg(node, "input", 0)
                data = ctx.ev(data_arg.value) if data_arg is not None else None
                if _lengths_counted_here(node, ctx) or (data is not None and data.origin == "pad_sequence"):
                    # the batch is padded (or its lengths counted) right here, from a list in
                    # whatever order it came
                    ctx.file.scratch["pad103_batches_made_here"] = True
            return
        if _sorts_descending(node, ctx):
            scope = ctx.scope
            # A sort in a Dataset's __init__ orders the corpus, not the batches, once a
            # DataLoader shuffles it.
            in_dataset = scope.kind == "function" and scope.class_scope is not None and scope.name == "__init__"
            ctx.file.scratch["pad103_dataset_sort" if in_dataset else "pad103_batch_sort"] = True
        qual = ctx.qualname(node.func)
        if qual == "torch.utils.data.DataLoader" or _sorts_ascending(node, ctx):
            ctx.file.scratch["pad103_batches_made_here"] = True
        if qual == "torch.utils.data.DataLoader":
            shuffle = get_arg(node, "shuffle", 2)
            if shuffle is not None and literal(shuffle.value) is not False:
                ctx.file.scratch["pad103_shuffle"] = True

    def on_scope_end(self, scope: Scope, ctx: Context) -> None:
        if isinstance(scope.node, cst.FunctionDef) and "pad_sequence" in ctx.file.text:
            dropped = _returned_sorted_alone(scope.node, ctx)
            if dropped is not None:
                self.report(ctx, dropped, _ALONE)

    def on_subscript(self, node: cst.Subscript, ctx: Context) -> None:
        # np.argsort(lengths)[::-1]: ascending order reversed.
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Slice):
            step = node.slice[0].slice.step
            if literal(step) == -1 and isinstance(node.value, cst.Call):
                func = node.value.func
                if isinstance(func, (cst.Attribute, cst.Name)) and last_name(func) in ("argsort", "sorted", "sort"):
                    ctx.file.descending_sort = True

    def on_module_end(self, node: cst.Module, ctx: Context) -> None:
        scratch = ctx.file.scratch
        if ctx.file.descending_sort or scratch.get("pad103_batch_sort"):
            return
        if scratch.get("pad103_dataset_sort") and not scratch.get("pad103_shuffle"):
            return
        if not scratch.get("pad103_batches_made_here") and not any(
                isinstance(n, cst.FunctionDef) and "collate" in n.name.value.lower() for n in iter_nodes(node)):
            # A module that only packs what its callers hand it (an encoder in a library): its
            # batches are made, and usually sorted, in another file; nothing here says otherwise.
            # (Batches are made here when the file builds a DataLoader, defines a collate
            # function, or sorts lengths shortest first.)
            return
        for call in ctx.file.scratch.get("pad103_calls", []):
            arg = get_arg(call, "enforce_sorted", 3)
            if arg is None:
                new_call = add_keyword(call, "enforce_sorted", cst.Name("False"))
                fix = Fix("Pass `enforce_sorted=False`", "safe", [(call, new_call)])
            else:
                fix = Fix("Pass `enforce_sorted=False`", "safe", [(arg.value, cst.Name("False"))])
            self.report(ctx, call, "`pack_padded_sequence` keeps `enforce_sorted=True` but nothing in this "
                                   "file sorts the batch by length (longest first): it raises unless every caller sorts", fix)


def _sorted_by_construction(call: cst.Call, ctx: Context) -> bool:
    """Lengths that come out of pad_packed_sequence, or names that say they are sorted."""
    lengths = get_arg(call, "lengths", 1)
    value = ctx.ev(lengths.value) if lengths is not None else None
    if value is not None and value.kind == V.LENGTHS and (value.from_unpack or value.sorted or value.from_shape):
        return True  # from_shape: every length is the padded length, trivially sorted (PAD101's business)
    if any(a.keyword is not None and a.keyword.value == "enforce_sorted" for a in call.args):
        return True  # enforce_sorted=True written out is the author's word (ONNX export needs it)
    for arg in call.args:
        for node in iter_nodes(arg.value):
            if isinstance(node, cst.Name) and "sort" in node.value.lower():
                return True
    return False


def _lengths_counted_here(call: cst.Call, ctx: Context) -> bool:
    """The lengths are counted in the packing function itself (``[len(s) for s in seqs]``): it
    makes its batch from a list in whatever order it was given."""
    lengths = get_arg(call, "lengths", 1)
    node = lengths.value if lengths is not None else None
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):  # seq_lens.cpu()
        node = node.func.value
    if node is None:
        return False
    first = next(assigned_values(ctx.scope, node), None)
    return first is not None and any(isinstance(n, cst.Call) and isinstance(n.func, cst.Name) and n.func.value == "len"
                                     for n in iter_nodes(first))


def _sorts_ascending(node: cst.Call, ctx: Context) -> bool:
    """``lengths.sort()`` / ``sorted(lengths)``: lengths put in order, shortest first."""
    name = last_name(node.func)
    if name not in ("sort", "sorted", "argsort") or _sorts_descending(node, ctx):
        return False
    subject = node.func.value if isinstance(node.func, cst.Attribute) and name != "sorted" else (
        node.args[0].value if node.args else None)
    value = ctx.ev(subject) if subject is not None else None
    return value is not None and value.kind == V.LENGTHS


def _sorts_descending(node: cst.Call, ctx: Context) -> bool:
    name = last_name(node.func)
    lowered = name.lower()
    if "sort" in lowered and ("len" in lowered or "batch" in lowered):
        return True  # sort_batch_by_length(...), sort_by_lengths(...)
    if name in ("sort", "sorted", "argsort", "sort_values") or name.endswith("sort"):
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in ("descending", "reverse") and literal(arg.value) is True:
                return True
            if arg.keyword is not None and arg.keyword.value == "ascending" and literal(arg.value) is False:
                return True
        if name in ("sort", "argsort") and isinstance(node.func, cst.Attribute) and len(node.args) >= 2 \
                and node.args[1].keyword is None and literal(node.args[1].value) is True:
            return True  # lengths.sort(0, True)
        first = node.args[0].value if node.args else None
        if isinstance(first, cst.UnaryOperation) and isinstance(first.operator, cst.Minus) and "argsort" in name:
            return True  # np.argsort(-lengths)
        # sorted(batch, key=lambda x: -len(x))
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == "key" and isinstance(arg.value, cst.Lambda):
                body = arg.value.body
                if isinstance(body, cst.UnaryOperation) and isinstance(body.operator, cst.Minus):
                    return True
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value in ("sort_within_batch",) and literal(arg.value) is True:
            return True
    return False


def _order_dropped(call: cst.Call, ctx: Context) -> cst.CSTNode | None:
    """``lengths, _ = torch.sort(lengths, descending=True)`` (or ``lengths.sort(...)``) in the
    function that packs with ``lengths``: the sort (to report), else None (see _sorted_alone)."""
    lengths = get_arg(call, "lengths", 1)
    function = ctx.scope.node if ctx.scope is not None else None
    if lengths is None or not isinstance(function, cst.FunctionDef):
        return None
    # (lengths.cpu(), lengths.to("cpu"), lengths.tolist(): the same lengths, moved or listed)
    name = through_methods(lengths.value, ("cpu", "to", "tolist", "long", "int", "numpy"))
    if not isinstance(name, cst.Name):
        return None
    return _sorted_alone(function, name.value)


def _sorted_alone(function: cst.FunctionDef, name: str) -> cst.Assign | None:
    """The assignment ``name, perm = name.sort(descending=True)`` (or ``torch.sort(...)``) in
    ``function`` whose permutation is thrown away (``_``, or a name read nowhere else), when no
    other sort there could have put the rows in that order; else None."""
    nodes = nodes_under(function.body)  # (listed once per file: a collate may ask for each returned name)
    sorts = [n for n in nodes if isinstance(n, cst.Call) and isinstance(n.func, (cst.Attribute, cst.Name))
             and last_name(n.func) in ("sort", "argsort", "sorted", "sort_by_length")]
    if len(sorts) != 1 or last_name(sorts[0].func) != "sort":
        return None
    for item in nodes:
        if not (isinstance(item, cst.Assign) and item.value is sorts[0] and len(item.targets) == 1):
            continue
        target = item.targets[0].target
        if isinstance(target, (cst.Tuple, cst.List)) and len(target.elements) == 2 \
                and isinstance(target.elements[0].value, cst.Name) and target.elements[0].value.value == name \
                and isinstance(target.elements[1].value, cst.Name):
            perm = target.elements[1].value.value
            if perm == "_" or sum(1 for n in nodes if isinstance(n, cst.Name) and n.value == perm) == 1:
                return item
    return None


def _returned_sorted_alone(function: cst.FunctionDef, ctx: Context) -> cst.Assign | None:
    """A collate function that pads the rows in the order they came (``pad_sequence``), sorts only
    the lengths (see _sorted_alone) and returns those: the sort, else None."""
    calls = nodes_of(function.body, cst.Call)
    if not any(isinstance(n.func, (cst.Attribute, cst.Name)) and last_name(n.func) == "sort" for n in calls):
        return None
    quals = {ctx.qualname(n.func) for n in calls}
    if PAD_SEQUENCE not in quals or PACK in quals:
        return None  # (a function that packs is checked at its pack call)
    for item in nodes_of(function.body, cst.Return):
        if item.value is not None:
            values = item.value.elements if isinstance(item.value, cst.Tuple) else []
            for element in values:
                if isinstance(element.value, cst.Name):
                    found = _sorted_alone(function, element.value.value)
                    if found is not None:
                        return found
    return None
