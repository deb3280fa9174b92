"""PAD201 rnn-state-over-padding: h_n/c_n of an RNN that ran over padding is used."""

from __future__ import annotations

import re

import libcst as cst

from padlint.static import values as V
from padlint.static.analysis import RNN_CLASSES, Context, last_name, packed_on_the_other_branch
from padlint.static.names import code_of, through_methods
from padlint.static.rule import PADDING, Rule
from padlint.static.traverse import iter_nodes

# Ops after which the value is still the (part of the) final state.
_STATE_KEEPING = {"squeeze", "unsqueeze", "view", "reshape", "transpose", "permute", "contiguous",
                  "flatten", "detach", "clone", "to", "float", "cat", "stack", "chunk", "split", "sum", "mean"}


class RnnStateOverPadding(Rule):
    code = "PAD201"
    name = "rnn-state-over-padding"
    summary = "the final state h_n/c_n of an RNN run on a padded (not packed) tensor is used"
    fix_hint = ("Pack the batch with `pack_padded_sequence(x, lengths.cpu(), batch_first=..., enforce_sorted=False)` "
                "before the RNN, or gather the outputs at `lengths - 1`.")
    triggers = ("LSTM", "GRU", "RNN")
    also_requires = ((PADDING,),)

    def _report(self, ctx: Context, node: cst.CSTNode, state: V.Val) -> None:
        # once per RNN call in the file: `return out, hidden` of the encoder and the caller's
        # use of that hidden state are one bug
        done = ctx.file.scratch.setdefault(self.code, set())
        call = state.call
        if id(call) in done:
            return
        done.add(id(call))
        if call is not None and packed_on_the_other_branch(call, ctx.file.module, ctx):
            return  # (the unpacked run is the branch for input without lengths)
        rnn = state.rnn or {}
        self.report(ctx, node, f"the final state of `{rnn.get('cls', 'RNN')}` is used, but the RNN ran over "
                               "padding: for every shorter sequence it is the state after the pad steps")

    def _is_leaky_state(self, ctx: Context, node: cst.BaseExpression) -> V.Val | None:
        value = ctx.ev(node)
        if value is not None and value.kind == V.RNN_STATE and value.over_padding:
            return value
        return None

    def on_call(self, node: cst.Call, ctx: Context) -> None:
        callee = ctx.ev(node.func)
        if callee is not None and callee.kind == V.MODULE and callee.cls in RNN_CLASSES:
            return  # passing the state on as the next hx is not a use
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in _STATE_KEEPING:
            return
        qual = ctx.qualname(node.func) or ""
        if qual.rsplit(".", 1)[-1] in _STATE_KEEPING:
            return
        for arg in node.args:
            state = self._is_leaky_state(ctx, arg.value)
            if state is not None:
                if _fed_back(node, arg.value, ctx):
                    return  # logits, h = model(nxt, h): the state goes back in as the next hx
                self._report(ctx, arg.value, state)
                return

    def on_binop(self, node: cst.BinaryOperation, ctx: Context) -> None:
        for side in (node.left, node.right):
            state = self._is_leaky_state(ctx, side)
            if state is not None:
                self._report(ctx, side, state)
                return

    def on_return(self, node: cst.Return, ctx: Context) -> None:
        value = node.value
        if value is None:
            return
        items = [el.value for el in value.elements] if isinstance(value, cst.Tuple) else [value]
        for index, item in enumerate(items):
            state = self._is_leaky_state(ctx, item)
            if state is None and isinstance(item, (cst.List, cst.Tuple)):
                # return logits, [h_n.squeeze(0)]: the state list of an RLlib-style recurrent model
                inner = (self._is_leaky_state(ctx, el.value) for el in item.elements
                         if not isinstance(el, cst.StarredElement))
                state = next((v for v in inner if v is not None), None)
            if state is not None:
                if isinstance(value, cst.Tuple) and _every_caller_drops(ctx, index):
                    return
                self._report(ctx, item, state)
                return


# what `Net(...)` may be followed by where a module is made: `model = CharLM(10).eval()`
_MODULE_MOVES = ("eval", "train", "to", "cuda", "cpu", "float", "double", "half")

# one time step of a batch, or a batch of one: x.unsqueeze(1) / x.unsqueeze(0) / x[:, None] / x[None]
# / x.view(1, 1) / x.view(1, -1)
_ONE_STEP = re.compile(r"\.unsqueeze\((?:dim=)?[01]\)$|\[(?::,\s*)?None\]$|\.(?:view|reshape)\(1,\s*-?1\)$")


def _one_row_or_step(arg: cst.BaseExpression, owners: dict[int, cst.FunctionDef]) -> bool:
    """The argument (or, for a name, what its function assigns to it) is one step or one row.
    ``owners``: the outermost function around each node (see ``_outermost_functions``)."""
    if _ONE_STEP.search(code_of(arg).strip()):
        return True
    function = owners.get(id(arg)) if isinstance(arg, cst.Name) else None
    if function is None:
        return False
    # x = encode(prefix)[:-1].unsqueeze(0); model(x)
    values = [item.value for item in iter_nodes(function.body) if isinstance(item, cst.Assign)
              and any(isinstance(t.target, cst.Name) and t.target.value == arg.value for t in item.targets)]
    return bool(values) and all(_ONE_STEP.search(code_of(v).strip()) for v in values)


def _outermost_functions(module: cst.Module) -> dict[int, cst.FunctionDef]:
    """id of every node in a function's body -> the outermost function whose body holds it."""
    owners: dict[int, cst.FunctionDef] = {}
    for node in iter_nodes(module):  # parents first: an outer function is met before its inner ones
        if isinstance(node, cst.FunctionDef) and id(node) not in owners:
            for inner in iter_nodes(node.body):
                owners[id(inner)] = node
    return owners


def _every_caller_drops(ctx: Context, index: int) -> bool:
    """``return output, h_n`` from a forward whose every call in the file unpacks the result as
    ``out, _ = self.net(x)``: the state goes nowhere (EduKTM's DKT nets). Without a call in the
    file (a library's module), the return is all there is, and it is reported."""
    scope = ctx.function_scope
    if scope is None:
        return False
    function = scope.node
    module = ctx.file.module
    if module is None:
        return False
    key = ("pad201-callers-drop", id(function), index)
    memo = ctx.file.memo
    if key in memo:
        return memo[key]
    owner = scope.class_scope.node if scope.class_scope is not None else None
    if isinstance(owner, cst.ClassDef):
        if function.name.value not in ("forward", "__call__"):
            names = {function.name.value}
        else:  # the names its instances are bound to: `self.net = Net(...)`, `net = Net(...)`
            names = set()
            for node in iter_nodes(module):
                made = through_methods(node.value, _MODULE_MOVES) if isinstance(node, cst.Assign) else None
                if isinstance(made, cst.Call) and last_name(made.func) == owner.name.value:  # Net(...).eval()
                    names.update(last_name(t.target) for t in node.targets)
            names.discard("")
    else:
        names = {function.name.value}
    # `output, hidden = self.decoder(output, hidden, ...)` in a loop: a decoder stepping one token
    # at a time, its state fed back (seq2seq-pytorch's Decoder), not a state over padding
    in_loops: dict[int, set[str]] = {}  # an assignment in a loop -> the names that loop assigns
    for loop in iter_nodes(module):
        if isinstance(loop, (cst.For, cst.While)):
            assigns = [n for n in iter_nodes(loop.body) if isinstance(n, cst.Assign)]
            assigned = {n.value for a in assigns for t in a.targets for n in iter_nodes(t.target)
                        if isinstance(n, cst.Name)}
            for a in assigns:
                in_loops.setdefault(id(a), set()).update(assigned)
    owners: dict[int, cst.FunctionDef] | None = None
    calls = 0
    dropped: set[int] = set()  # the calls whose result leaves the state unused (each counted once)
    for node in iter_nodes(module):
        if isinstance(node, cst.Call) and last_name(node.func) in names:
            calls += 1
            if owners is None:  # built once per file, on the first call that needs it
                owners = memo.get("pad201-outermost-functions")
                if owners is None:
                    owners = memo["pad201-outermost-functions"] = _outermost_functions(module)
            if node.args and node.args[0].keyword is None and _one_row_or_step(node.args[0].value, owners):
                dropped.add(id(node))  # net(token.unsqueeze(1), h) in a sampling loop: one step, no padding
        elif isinstance(node, cst.Assign) and isinstance(node.value, cst.Call) and last_name(node.value.func) in names \
                and len(node.targets) == 1 and isinstance(node.targets[0].target, (cst.Tuple, cst.List)):
            elements = node.targets[0].target.elements
            if index < len(elements) and not any(isinstance(e, cst.StarredElement) for e in elements) \
                    and isinstance(elements[index].value, cst.Name) and (
                        elements[index].value.value.startswith("_")
                        or _steps_in_loop(node, elements[index].value.value, in_loops.get(id(node)))):
                dropped.add(id(node.value))
    memo[key] = calls > 0 and calls == len(dropped)
    return memo[key]


def _steps_in_loop(assign: cst.Assign, state: str, loop_names: set[str] | None) -> bool:
    """``output, hidden = self.decoder(output, hidden, ...)`` in a loop that also reassigns the
    input (``output = tgt[t].unsqueeze(0)``): one step at a time, the state fed back."""
    if loop_names is None or not isinstance(assign.value, cst.Call):
        return False
    args = assign.value.args
    positional = [a.value for a in args if a.keyword is None and not a.star]
    return bool(positional) and any(isinstance(n, cst.Name) and n.value in loop_names
                                    for n in iter_nodes(positional[0])) \
        and any(isinstance(a.value, cst.Name) and a.value.value == state for a in args)


def _fed_back(call: cst.Call, arg: cst.BaseExpression, ctx: Context) -> bool:
    """``h`` of ``model(nxt, h)`` where ``h`` came out of a call of the same ``model``
    (``logits, h = model(...)``): the module gets its own state back as the initial one."""
    function = ctx.function_scope.node if ctx.function_scope is not None else None
    if not isinstance(arg, cst.Name) or not isinstance(function, cst.FunctionDef):
        return False
    callee = code_of(call.func)
    for item in iter_nodes(function.body):
        if isinstance(item, cst.Assign) and isinstance(item.value, cst.Call) and code_of(item.value.func) == callee:
            for target in item.targets:
                if any(isinstance(n, cst.Name) and n.value == arg.value for n in iter_nodes(target.target)):
                    return True
    return False
