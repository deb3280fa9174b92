"""The one pass over a module: scopes, the value table, and the events rules listen to.

The walker visits the module in source order.  For every scope (the module, each
function, and a class whose ``__init__`` binds ``self.rnn = nn.LSTM(...)`` for its other
methods) it keeps a table ``name -> Val``, updated after each assignment.  At the nodes
rules care about (calls, subscripts, binary operations, comparisons, ``for`` loops,
``return``) it hands the rules a :class:`Context` from which they can ask what any
sub-expression holds.  Rules never walk the tree themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

import libcst as cst

from padlint.static import values as V
from padlint.static.names import ImportTable, code_of, dotted, through_methods
from padlint.static.traverse import FastVisitor, children, iter_nodes, nodes_of, nodes_under
from padlint.static.values import Val, is_padded

if TYPE_CHECKING:  # pragma: no cover
    from padlint.static.rule import Rule

# ----------------------------------------------------------------------------- API tables
PACK = "torch.nn.utils.rnn.pack_padded_sequence"
UNPACK = "torch.nn.utils.rnn.pad_packed_sequence"
PAD_SEQUENCE = "torch.nn.utils.rnn.pad_sequence"
PACK_SEQUENCE = "torch.nn.utils.rnn.pack_sequence"

RNN_CLASSES = {"torch.nn.LSTM", "torch.nn.GRU", "torch.nn.RNN"}
ATTENTION_CLASSES = {
    "torch.nn.MultiheadAttention",
    "torch.nn.TransformerEncoder",
    "torch.nn.TransformerEncoderLayer",
    "torch.nn.TransformerDecoder",
    "torch.nn.TransformerDecoderLayer",
    "torch.nn.Transformer",
}
CLASS_LOSSES = {"torch.nn.CrossEntropyLoss": "cross_entropy", "torch.nn.NLLLoss": "nll_loss"}
ELEMENTWISE_LOSSES = {
    "torch.nn.BCEWithLogitsLoss": "binary_cross_entropy_with_logits",
    "torch.nn.BCELoss": "binary_cross_entropy",
    "torch.nn.MSELoss": "mse_loss",
    "torch.nn.L1Loss": "l1_loss",
    "torch.nn.SmoothL1Loss": "smooth_l1_loss",
    "torch.nn.HuberLoss": "huber_loss",
    "torch.nn.KLDivLoss": "kl_div",  # token-level distillation
}
CTC_CLASS = "torch.nn.CTCLoss"
FUNCTIONAL_CLASS_LOSSES = {"torch.nn.functional.cross_entropy", "torch.nn.functional.nll_loss"}
FUNCTIONAL_ELEMENTWISE_LOSSES = {
    "torch.nn.functional." + name for name in ELEMENTWISE_LOSSES.values()
}
FUNCTIONAL_CTC = "torch.nn.functional.ctc_loss"
EMBEDDING = "torch.nn.Embedding"
# `transformers.AutoModel.from_pretrained(...)`, `BertModel...`, `T5EncoderModel...`: a base model
# (no task head), whose output's first item is the last hidden state (batch, time, features).
HF_BASE_MODEL = "transformers:base-model"
_HF_BASE_CLASS = re.compile(r"(?:Auto|[A-Z][A-Za-z0-9]*?)(?:Encoder)?Model")
NONNEG_FUNCS = {"torch.relu", "torch.nn.functional.relu", "torch.abs", "torch.nn.functional.relu6"}
NONZERO_AT_ZERO = {"torch.sigmoid", "torch.exp", "torch.nn.functional.sigmoid", "torch.nn.functional.softplus"}
ELEMENTWISE_FUNCS = NONNEG_FUNCS | {
    "torch.tanh", "torch.sigmoid", "torch.exp", "torch.nn.functional.gelu", "torch.nn.functional.silu",
    "torch.nn.functional.elu", "torch.nn.functional.leaky_relu", "torch.nn.functional.tanh",
    "torch.nn.functional.sigmoid", "torch.nn.functional.mish", "torch.nn.functional.softplus",
    "torch.square", "torch.pow", "torch.sqrt",
}
SOFTMAX_FUNCS = {"torch.softmax", "torch.nn.functional.softmax", "torch.log_softmax",
                 "torch.nn.functional.log_softmax", "torch.special.softmax"}
SDPA = "torch.nn.functional.scaled_dot_product_attention"

REDUCTIONS = {"mean", "sum", "max", "min", "amax", "amin", "logsumexp", "nanmean", "nansum"}
# Tensor methods that keep every position where it was (and so keep the padding).
POSITION_KEEPING = {
    "to", "cuda", "cpu", "float", "double", "half", "bfloat16", "long", "int", "bool", "type", "byte", "short",
    "type_as", "contiguous", "clone", "detach", "relu", "tanh", "sigmoid", "exp", "log", "abs",
    "neg", "pow", "sqrt", "masked_fill", "masked_fill_", "mul", "mul_", "add", "add_", "sub",
    "div", "unsqueeze", "squeeze", "expand", "expand_as", "requires_grad_", "data", "clamp",
    "clamp_min", "log_softmax", "softmax", "view_as", "narrow", "flip", "roll", "repeat",
    "detach_", "float_", "gelu", "silu", "sin", "cos",
}
LAYOUT_BREAKING = {"view", "reshape", "flatten", "permute", "transpose", "t", "view_as"}

# nn.AdaptiveAvgPool1d(1) on (B, C, T): one value per channel, the time axis pooled away
TIME_POOL_MODULES = ("torch.nn.AdaptiveAvgPool1d", "torch.nn.AdaptiveMaxPool1d")
MODULE_CLASSES = RNN_CLASSES | ATTENTION_CLASSES | set(CLASS_LOSSES) | set(ELEMENTWISE_LOSSES) | {
    CTC_CLASS, EMBEDDING, "torch.nn.Linear", "torch.nn.Dropout", "torch.nn.LayerNorm", *TIME_POOL_MODULES,
    "torch.nn.Conv1d", "torch.nn.BatchNorm1d", "torch.nn.Softmax", "torch.nn.LogSoftmax", "torch.nn.Sequential",
    # activations held as modules (self.act = nn.Tanh()): position-wise, as torch.tanh is
    "torch.nn.ReLU", "torch.nn.ReLU6", "torch.nn.GELU", "torch.nn.Tanh", "torch.nn.SiLU", "torch.nn.Sigmoid",
    "torch.nn.LeakyReLU", "torch.nn.ELU", "torch.nn.Identity", "torch.nn.Mish", "torch.nn.Softplus",
}
# What an nn.Sequential may hold and still act on each position alone (so a padded batch stays
# a padded batch of the same layout through it).
POSITIONWISE = frozenset({
    "torch.nn.Linear", "torch.nn.Dropout", "torch.nn.LayerNorm", "torch.nn.ReLU", "torch.nn.GELU",
    "torch.nn.Tanh", "torch.nn.SiLU", "torch.nn.Sigmoid", "torch.nn.LeakyReLU", "torch.nn.ELU",
    "torch.nn.Identity", "torch.nn.Mish", "torch.nn.Softplus",
})


def _string_value(node: cst.SimpleString) -> Any:
    """A string literal's value; the common plain forms ('x', "x", r'x', without escapes) read
    directly, since ``evaluated_value`` compiles each one (a tenth of a cold run's CPU)."""
    text = node.value
    prefix = text[: len(text) - len(text.lstrip("rRuUbBfF"))]
    body = text[len(prefix):]
    if prefix.lower() in ("", "r", "u") and "\\" not in body:
        for quote in ('"""', "'''", '"', "'"):
            if len(body) >= 2 * len(quote) and body.startswith(quote) and body.endswith(quote):
                return body[len(quote): len(body) - len(quote)]
    try:
        return node.evaluated_value
    except Exception:  # pragma: no cover - odd prefixes
        return None


def literal(node: cst.BaseExpression | None) -> Any:
    """The Python value of a literal expression (numbers, strings, True/False/None, -x)."""
    if node is None:
        return None
    t = type(node)
    # (libcst's evaluated_value runs ast.literal_eval, a compile() per number: read them directly)
    if t is cst.Integer:
        try:
            return int(node.value.replace("_", ""), 0)
        except ValueError:  # pragma: no cover - a form int() does not read ("0_0")
            return node.evaluated_value
    if t is cst.Float:
        try:
            return float(node.value.replace("_", ""))
        except ValueError:  # pragma: no cover
            return node.evaluated_value
    if t is cst.SimpleString:
        return _string_value(node)
    if t is cst.Name and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    if t is cst.UnaryOperation and isinstance(node.operator, cst.Minus):
        inner = literal(node.expression)
        if isinstance(inner, (int, float)) and not isinstance(inner, bool):
            return -inner
    if t is cst.Call and isinstance(node.func, cst.Name) and node.func.value == "float":
        if len(node.args) == 1:
            inner = literal(node.args[0].value)
            if isinstance(inner, str):
                try:
                    return float(inner)
                except ValueError:
                    return None
    return None


_MISSING = object()
# Codes of reductions over padding, which a test's tolerance check may do on purpose.
_REDUCTION_CODES = frozenset({"PAD301", "PAD302"})
# Where padding is made (not merely passed on): a function returning such a value pads itself.
_PADDING_MADE_HERE = ("pad_sequence", "canvas", "tokenizer", "F.pad", "dense_batch", "unpack", "compared")


def is_literal(node: cst.BaseExpression | None) -> bool:
    if node is None:
        return False
    if isinstance(node, cst.Name):
        return node.value in ("True", "False", "None")
    return literal(node) is not None


def get_arg(call: cst.Call, name: str | None, position: int | None = None) -> cst.Arg | None:
    """The argument of a call passed by keyword ``name`` or at ``position``."""
    if name is not None:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == name:
                return arg
    if position is not None:
        index = 0
        for arg in call.args:
            if arg.keyword is not None or arg.star:
                if arg.star:
                    return None  # *args: position unknown
                continue
            if index == position:
                return arg
            index += 1
    return None


def arg_value(call: cst.Call, name: str | None, position: int | None = None) -> cst.BaseExpression | None:
    arg = get_arg(call, name, position)
    return arg.value if arg is not None else None


def has_star_kwargs(call: cst.Call) -> bool:
    return any(arg.star == "**" for arg in call.args)


def flag(call: cst.Call, name: str, position: int | None, default: bool | None) -> bool | None:
    """A boolean argument: its literal value, the default when absent, None when unknown."""
    arg = get_arg(call, name, position)
    if arg is None:
        return None if has_star_kwargs(call) else default
    value = literal(arg.value)
    return value if isinstance(value, bool) else None


# ----------------------------------------------------------------------------- scopes
@dataclass
class Scope:
    kind: str  # "module", "function", "class"
    name: str
    node: cst.CSTNode
    parent: Scope | None = None
    env: dict[str, Val] = field(default_factory=dict)
    params: list[str] = field(default_factory=list)
    # Per-rule scratch space: rules keep what they need to decide at the end of the scope.
    state: dict[str, Any] = field(default_factory=dict)
    class_scope: Scope | None = None

    def lookup(self, name: str) -> Val | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.env:
                return scope.env[name]
            if scope.class_scope is not None and name.startswith("self."):
                if name in scope.class_scope.env:
                    return scope.class_scope.env[name]
            scope = scope.parent
        return None

    def rule_state(self, code: str, factory: Callable[[], Any]) -> Any:
        if code not in self.state:
            self.state[code] = factory()
        return self.state[code]


@dataclass
class FileFacts:
    """Facts about the whole file, gathered before the main pass."""

    descending_sort: bool = False  # something sorts by length, longest first
    text: str = ""  # what libcst parsed: the file, less the definitions the prefilter left out
    source: str = ""  # the whole file (what a rule may search for words anywhere in it)
    module: cst.Module | None = None  # the tree being walked
    scratch: dict[str, Any] = field(default_factory=dict)  # per-rule, file-wide notes
    # Interprocedural facts within the file (filled by one pass, read by the next):
    # what call sites pass to a local function's parameters, and what it returns.
    param_facts: dict[int, dict[str, Val]] = field(default_factory=dict)
    fact_sites: dict[int, dict[str, int]] = field(default_factory=dict)  # (see _add_fact)
    returns: dict[int, Val] = field(default_factory=dict)
    classes: dict[str, cst.ClassDef] = field(default_factory=dict)
    functions: dict[str, cst.FunctionDef] = field(default_factory=dict)
    # What this pass read of those facts, as it was when first read.
    consumed: dict[tuple[str, int], str] = field(default_factory=dict)
    # What depends on the tree alone, kept for the next pass (by node id; the tree outlives it).
    memo: dict[Any, Any] = field(default_factory=dict)

    def returned(self, key: int) -> Val | None:
        """What a function of this file returns (as far as known)."""
        value = self.returns.get(key)
        self.consumed.setdefault(("returns", key), repr(value))
        return value

    def passed(self, key: int) -> dict[str, Val]:
        """What call sites pass to a function of this file (as far as known)."""
        value = self.param_facts.get(key, {})
        self.consumed.setdefault(("passed", key), _facts_repr(value))
        return value

    def settled(self) -> bool:
        """Whether everything this pass read is what it ends with: another pass would read
        the same and find the same."""
        for (kind, key), seen in self.consumed.items():
            now = repr(self.returns.get(key)) if kind == "returns" else _facts_repr(self.param_facts.get(key, {}))
            if now != seen:
                return False
        return True


def _facts_repr(passed: dict[str, Val]) -> str:
    return repr(sorted((name, repr(value)) for name, value in passed.items()))


class Evaluator:
    """Computes the :class:`Val` of an expression from the current scope."""

    def __init__(self, imports: ImportTable, file: FileFacts | None = None) -> None:
        self.imports = imports
        self.file = file or FileFacts()
        self.scope: Scope | None = None
        self._cache: dict[int, Val | None] = {}
        self._names: dict[int, str | None] = {}
        # Names known to be None here (inside `if lengths is None:`): their padding evidence is void.
        self.none_names: frozenset[str] = frozenset()

    def invalidate(self) -> None:
        self._cache.clear()
        self._names.clear()

    def qualname(self, node: cst.BaseExpression) -> str | None:
        key = id(node)
        if key in self._names:
            return self._names[key]
        result = self._names[key] = self._qualname(node)
        return result

    def _qualname(self, node: cst.BaseExpression) -> str | None:
        if isinstance(node, cst.Subscript):
            found = self(node)  # LOSSES[name](...): a function looked up in a registry
            return found.qualname if found is not None and found.kind == V.FUNC else None
        if not isinstance(node, (cst.Name, cst.Attribute)):
            return None
        path = dotted(node)
        if path is not None and self.scope is not None:
            bound = self.scope.lookup(path)
            if bound is not None and bound.kind == V.FUNC:
                return bound.qualname
        resolved = self.imports.resolve(node)
        if resolved is None and isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) \
                and node.value.value == "self":
            found = self(node)  # self.recon_loss = LOSSES[loss] in __init__
            if found is not None and found.kind == V.FUNC and found.qualname is not None \
                    and found.qualname.startswith("torch."):
                return found.qualname
        return resolved

    def __call__(self, node: cst.BaseExpression | None) -> Val | None:
        if node is None:
            return None
        key = id(node)
        if key in self._cache:
            return self._cache[key]
        self._cache[key] = None  # guards against cycles
        try:
            value = self._eval(node)
        except RecursionError:  # pragma: no cover - pathological nesting
            value = None
        self._cache[key] = value
        return value

    # -- the cases -------------------------------------------------------------------
    def _eval(self, node: cst.BaseExpression) -> Val | None:
        t = type(node)  # (libcst's node classes are final ABCs: `is` is far cheaper than isinstance)
        if t is cst.Name or t is cst.Attribute:
            return self._eval_path(node)
        if t is cst.Call:
            return self._eval_call(node)
        if t is cst.Subscript:
            return self._eval_subscript(node)
        if t is cst.BinaryOperation:
            out = self._eval_binop(node)
            if out is not None and out.kind == V.TENSOR and out.masked and not out.mask_last and any(
                    v is not None and v.kind == V.TENSOR and v.mask_last
                    for v in (self._cache.get(id(node.left)), self._cache.get(id(node.right)))):
                out = out.but(mask_last=True)  # -s * torch.log(s): still masked over the same axes
            return out
        if t is cst.Comparison:
            return self._eval_compare(node)
        if t is cst.Integer or t is cst.Float:
            return Val(V.CONST, value=literal(node))
        if t is cst.UnaryOperation:
            inner = self(node.expression)
            if isinstance(node.operator, cst.Minus) and inner is not None and inner.kind == V.CONST:
                return Val(V.CONST, value=-inner.value) if isinstance(inner.value, (int, float)) else None
            if isinstance(node.operator, (cst.BitInvert, cst.Not)) and inner is not None and inner.kind == V.MASK:
                return flip(inner)
            return inner
        if t is cst.Tuple or t is cst.List:
            items = [self(el.value) if not isinstance(el, cst.StarredElement) else None for el in node.elements]
            return Val(V.TUPLE, items=items)
        if t is cst.Dict:
            items: dict[str, Val | None] = {}
            for element in node.elements:
                if isinstance(element, cst.DictElement):
                    key = literal(element.key)
                    if isinstance(key, str):
                        items[key] = self(element.value)
            return Val(V.DICT, items=items)
        if t is cst.DictComp:
            moved = node.value.body if isinstance(node.value, cst.IfExp) and isinstance(node.value.orelse, cst.Name) \
                else node.value  # {k: v.to(device) if torch.is_tensor(v) else v for ...}
            if _device_move(moved):  # {k: v.to(device) for k, v in batch.items()}: every item moved
                source = self._items_of(node)
                items = {key: (value.but(on_device=True, moved=node) if value is not None and value.kind == V.LENGTHS
                               else value) for key, value in ((source.items or {}) if source is not None else {}).items()}
                return Val(V.DICT, items=items, on_device=True)
            return None
        if t is cst.ListComp or t is cst.GeneratorExp:
            return self._eval_comprehension(node)
        if t is cst.IfExp:
            return self(node.body) or self(node.orelse)
        if t is cst.NamedExpr:
            return self(node.value)
        return None

    def _eval_path(self, node: cst.BaseExpression) -> Val | None:
        path = dotted(node)
        if path is not None and self.scope is not None:
            bound = self.scope.lookup(path)
            if bound is not None:
                if bound.evidence and self.none_names and all(e in self.none_names for e in bound.evidence):
                    return bound.but(padded=False)
                if self.none_names and bound.kind == V.TENSOR and bound.padded \
                        and bound.origin in ("param", "call", "batch", "model") \
                        and any(V.looks_like_mask(n.rsplit(".", 1)[-1]) for n in self.none_names):
                    # `if attention_mask is None: return hidden_states.mean(1)`: the path for
                    # callers without padding, whatever a caller with a mask hands in
                    return bound.but(padded=False)
                if path in self.none_names:
                    return None
                return bound
        qual = self.imports.resolve(node) if path is not None else None
        if qual is not None:
            return Val(V.FUNC, qualname=qual)
        if isinstance(node, cst.Attribute):
            attr = node.attr.value
            base = self(node.value)
            if base is not None:
                if attr == "shape" and base.kind in (V.TENSOR, V.MASK):
                    return Val(V.SHAPE, of=base)
                if base.kind == V.TENSOR and attr in ("data", "T", "mT"):
                    return base if attr == "data" else base.but(batch_first=flip_layout(base.batch_first))
                if base.kind == V.DICT or base.kind == V.INSTANCE and base.items:
                    return (base.items or {}).get(attr)
                if base.kind == V.MODEL_OUTPUT and attr in ("last_hidden_state", "hidden_states", "logits", "encoder_last_hidden_state"):
                    if attr != "logits" and base.item is not None and base.item.origin == "model":
                        return base.item.but(origin="hidden")  # (batch, time, features) by name: never pooled
                    return base.item
                if base.kind == V.TENSOR and attr in ("device", "dtype", "ndim"):
                    return None
                if base.kind == V.PACKED and attr == "data":
                    return None
                if base.kind == V.MODULE and base.cls == "torch.nn.Transformer" and attr in ("encoder", "decoder"):
                    # self.transformer.encoder(src, src_key_padding_mask=...): its own encoder stack
                    return Val(V.MODULE, cls=f"torch.nn.Transformer{attr.capitalize()}", batch_first=base.batch_first,
                               kwargs={}, star_kwargs=True)
            if attr == "shape" and (base is None or base.kind == V.CONST):
                return Val(V.SHAPE, of=None)
            hinted = V.val_for_name(attr)
            if hinted is not None:
                return hinted
            if base is None and isinstance(node.value, cst.Name) and V.looks_like_data(attr) \
                    and not V.looks_like_target(attr) and attr in self._batch_fields(node.value.value):
                # batch.token_ids of a batch object that also carries lengths or a mask
                return Val(V.TENSOR, padded=True, strong=False, batch_first=None, origin="batch")
            if base is None and isinstance(node.value, cst.Name):
                made = self._field_padded_by_constructor(node.value.value, attr)
                if made is not None:
                    return made
        return None

    def _embedded_parameter(self, name: str) -> bool:
        """Whether parameter ``name`` of the current function, never rebound there, is handed
        as it is to an ``nn.Embedding`` (so it is one tensor of token ids, not a list)."""
        function = self.scope.node if self.scope is not None else None
        if not isinstance(function, cst.FunctionDef) or name not in {p.name.value for p in function.params.params}:
            return False
        if _rebinds(function, name):
            return False
        for call in nodes_of(function.body, cst.Call):
            if len(call.args) == 1 and isinstance(call.args[0].value, cst.Name) and call.args[0].value.value == name \
                    and call.args[0].keyword is None:
                module = self(call.func)
                if module is not None and module.kind == V.MODULE and module.cls == "torch.nn.Embedding":
                    return True
        return False

    def _config_default(self, node: cst.BaseExpression) -> str | None:
        """``cfg.loss`` of a parameter annotated with a class of this file (a config dataclass)
        that declares ``loss: str = "ce"``: that default; None otherwise."""
        if not isinstance(node, cst.Attribute) or not isinstance(node.value, cst.Name):
            return None
        cls = self._annotated_class(node.value.value)
        if cls is None:
            return None
        for field in _declared_fields(cls):
            if field.target.value == node.attr.value and field.value is not None:
                found = literal(field.value)
                return found if isinstance(found, str) else None
        return None

    def _annotated_class(self, name: str) -> cst.ClassDef | None:
        """The class of this file that parameter ``name`` of the current function is annotated
        with (``cfg: Config``, ``batch: TrajBatch``), if any."""
        function = self.scope.node if self.scope is not None else None
        if not isinstance(function, cst.FunctionDef):
            return None
        param = next((p for p in function.params.params if p.name.value == name), None)
        annotation = param.annotation.annotation if param is not None and param.annotation is not None else None
        return self.file.classes.get(annotation.value) if isinstance(annotation, cst.Name) else None

    def _field_padded_by_constructor(self, name: str, attr: str) -> Val | None:
        """``batch.fut`` of a parameter annotated with a dataclass of this file whose own
        classmethod builds it as ``cls(pad_sequence(futs), lengths)``: that field is a batch
        padded by ``pad_sequence`` (its ``batch_first`` as written there)."""
        cls = self._annotated_class(name)
        if cls is None:
            return None
        fields = [field.target.value for field in _declared_fields(cls)]
        if attr not in fields:
            return None
        for method in cls.body.body:
            if not isinstance(method, cst.FunctionDef):
                continue
            for ret in nodes_of(method.body, cst.Return):
                call = ret.value
                if not isinstance(call, cst.Call) or dotted(call.func) not in ("cls", cls.name.value):
                    continue
                positional = [a.value for a in call.args if a.keyword is None and not a.star]
                named = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
                index = fields.index(attr)
                arg = named.get(attr, positional[index] if index < len(positional) else None)
                if isinstance(arg, cst.Call) and self.qualname(arg.func) == PAD_SEQUENCE:
                    return Val(V.TENSOR, padded=True, strong=True, origin="pad_sequence",
                               batch_first=flag(arg, "batch_first", 1, False), zero_pads=None)
        return None

    def _batch_fields(self, name: str) -> frozenset[str]:
        """The data fields of parameter ``name`` of the current function, when it is a batch
        object that carries lengths or a mask: read as ``name.lengths`` / ``name.mask`` in the
        function, or declared next to them in its annotated class (a dataclass, NamedTuple)."""
        function = self.scope.node if self.scope is not None else None
        if not isinstance(function, cst.FunctionDef):
            return frozenset()
        key = ("batch-fields", id(function), name)
        known = self.file.memo.get(key)
        if known is not None:
            return known
        fields: frozenset[str] = frozenset()
        param = next((p for p in function.params.params if p.name.value == name), None)
        annotation = param.annotation.annotation if param is not None and param.annotation is not None else None
        cls_name = annotation.value if isinstance(annotation, cst.Name) else ""
        # Only a batch: a decoder `state` that carries the encoder mask holds no padded fields.
        if param is not None and (_BATCH_NAME.match(name) or _BATCH_NAME.match(cls_name)):
            read: set[str] = set()
            called: set[str] = set()
            for item in nodes_of(function.body, cst.Attribute):
                if isinstance(item.value, cst.Name) and item.value.value == name:
                    read.add(item.attr.value)
            for item in nodes_of(function.body, cst.Call):
                if isinstance(item.func, cst.Attribute) \
                        and isinstance(item.func.value, cst.Name) and item.func.value.value == name:
                    called.add(item.func.attr.value)
            cls = self.file.classes.get(cls_name) if cls_name else None
            declared = {field.target.value for field in _declared_fields(cls)} if cls is not None else set()
            names = read | declared
            if any(V.looks_like_lengths(n) or V.looks_like_mask(n) for n in names):
                fields = frozenset(n for n in names - called if V.looks_like_data(n))
        self.file.memo[key] = fields
        return fields

    def _items_of(self, node: cst.DictComp) -> Val | None:
        """The dict a comprehension ``{k: v... for k, v in batch.items()}`` walks (None if unknown)."""
        it = node.for_in.iter
        if node.for_in.inner_for_in is None and isinstance(it, cst.Call) and not it.args \
                and isinstance(it.func, cst.Attribute) and it.func.attr.value == "items" \
                and isinstance(node.for_in.target, cst.Tuple) and len(node.for_in.target.elements) == 2:
            source = self(it.func.value)
            if source is not None and source.kind == V.DICT:
                return source
        return None

    def _eval_comprehension(self, node: cst.ListComp | cst.GeneratorExp) -> Val | None:
        elt = node.elt
        if isinstance(elt, cst.Call) and isinstance(elt.func, cst.Attribute):
            method = elt.func.attr.value
            if method in ("cuda",) or (method == "to" and _moves_to_device(elt)):
                return Val(V.SEQ, on_device=True)
        core = elt
        if isinstance(core, cst.BinaryOperation) and isinstance(core.operator, (cst.Add, cst.Subtract)) \
                and isinstance(core.right, cst.Integer):
            core = core.left  # [len(s) - 1 for s in seqs]: the lengths of the shifted targets (or + BOS/EOS)
        if _is_len_call(core) \
                or _sample_size(core, node.for_in.target):
            # [len(s) for s in seqs], [p.shape[0] for p in poses]: each sample's own length -- but
            # the rows of a padded batch all have the padded length
            rows = self(node.for_in.iter)
            if is_padded(rows) and rows.batch_first and not rows.permuted and node.for_in.inner_for_in is None:
                return Val(V.LENGTHS, from_shape=True)
            if rows is not None and rows.kind == V.SEQ and is_padded(rows.item) and rows.item.origin == "F.pad" \
                    and node.for_in.inner_for_in is None:
                return Val(V.LENGTHS, from_shape=True)  # [len(p) for p in padded]: each F.pad-ed to the max
            if rows is None and node.for_in.inner_for_in is None and isinstance(node.for_in.iter, cst.Name) \
                    and self._embedded_parameter(node.for_in.iter.value):
                # [len(sent) for sent in words] where words also goes into an nn.Embedding: a
                # tensor, so every row has the same (padded) length
                return Val(V.LENGTHS, from_shape=True)
            return Val(V.LENGTHS)
        item = self(elt)
        if _interesting(item):
            return Val(V.SEQ, item=item)
        if isinstance(node, cst.ListComp) and ((item is not None and item.kind == V.DIM) or is_max_len_name(elt)):
            # [T for _ in range(B)]: the same padded length for every sample -- but not
            # [s.size(0) for s in seqs], whose element depends on the loop variable.
            loop_names = {n.value for n in iter_nodes(node.for_in.target) if isinstance(n, cst.Name)}
            if not any(isinstance(n, cst.Name) and n.value in loop_names for n in iter_nodes(elt)):
                return Val(V.LENGTHS, from_shape=True)
        return None

    def _eval_subscript(self, node: cst.Subscript) -> Val | None:
        base = self(node.value)
        elements = node.slice
        first = elements[0].slice if elements else None
        key = first.value if isinstance(first, cst.Index) else None
        if base is None:
            # batch["attention_mask"], batch["lengths"], ...
            if len(elements) == 1 and isinstance(key, cst.SimpleString):
                name = literal(key)
                if isinstance(name, str):
                    return V.val_for_name(name)
            return None
        if base.kind == V.LAST_INDEX:
            return base  # (lengths - 1)[:, None, None]: new axes, the same positions
        if base.kind == V.DICT and len(elements) == 1 and isinstance(key, cst.SimpleString):
            found = (base.items or {}).get(literal(key))
            if found is None and base.on_device and isinstance(literal(key), str):
                hinted = V.val_for_name(literal(key))
                if hinted is not None and hinted.kind == V.LENGTHS:
                    return hinted.but(on_device=True, moved=node)
            return found
        if base.kind == V.DICT and len(elements) == 1 and key is not None and base.items:
            # a registry looked up by a setting: LOSSES[cfg.loss] with loss="mse" as the
            # default gives that entry; an unknown key gives what every entry agrees on
            chosen = self(key)
            if chosen is not None and chosen.kind == V.CONST and isinstance(chosen.value, str):
                return base.items.get(chosen.value)
            setting = self._config_default(key)
            if setting is not None:
                return base.items.get(setting)
            entries = list(base.items.values())
            if all(e is not None and e.kind == V.FUNC and e.qualname is not None
                   and e.qualname == entries[0].qualname for e in entries):
                return entries[0]
            return None
        if base.kind == V.TOKENIZED and isinstance(key, cst.SimpleString):
            name = literal(key)
            if name == "attention_mask":
                return Val(V.MASK, polarity="keep", hf=True)
            if name == "input_ids":
                return Val(V.TENSOR, padded=True, strong=True, batch_first=True, pad=base.pad, origin="tokenizer")
            return None
        if base.kind == V.MODEL_OUTPUT:
            index = literal(key)
            if index == 0 or index == "logits":
                return base.item
            if index in ("last_hidden_state", "encoder_last_hidden_state"):
                # output["last_hidden_state"]: HF outputs are dicts too (as .last_hidden_state)
                return base.item.but(origin="hidden") if base.item is not None and base.item.origin == "model" \
                    else base.item
            return None
        if base.kind == V.TUPLE and len(elements) == 1:
            index = literal(key)
            items = base.items or []
            if isinstance(index, int) and -len(items) <= index < len(items):
                return items[index]
            return None
        if base.kind == V.RNN_RESULT and len(elements) == 1:
            index = literal(key)
            if index == 0:
                return base.output
            if index in (1, -1):
                return base.state
            return None
        if base.kind == V.RNN_STATE:
            return base
        if base.kind == V.SHAPE and len(elements) == 1:
            if isinstance(first, cst.Slice) and first.step is None and first.upper is not None \
                    and (first.lower is None or isinstance(literal(first.lower), int)):
                # T, B = log_probs.shape[:2]: unpacked into the leading dimensions
                return Val(V.SHAPE, of=base.of, start=literal(first.lower) if first.lower is not None else 0)
            index = literal(key)
            return Val(V.DIM, of=base.of, dim=index if isinstance(index, int) else None)
        if base.kind in (V.LENGTHS, V.MASK, V.PERM, V.SEQ):
            if base.kind == V.LENGTHS and len(elements) == 1 and isinstance(key, (cst.Name, cst.Integer)):
                return Val(V.SCALAR_LEN)
            if base.kind == V.MASK and base.axes is not None:
                return base.but(axes=_reindexed(base.axes, elements))
            return base
        if base.kind == V.TENSOR:
            return self._index_tensor(base, node)
        return None

    def _boolean_name(self, node: cst.BaseExpression) -> bool:
        """A name every assignment of which in this function is a comparison (``ind_k =
        instance_kernel == lb``): indexing with it selects positions."""
        if not isinstance(node, cst.Name):
            return False
        if V.looks_like_mask(node.value):
            return True  # loss[span_mask]: a mask made where it is not followed (a helper, einx)
        value = self(node)
        if value is not None and value.padded:
            return False  # x[ids]: the padded data itself, not a selection
        found = list(assigned_values(self.scope, node))
        return bool(found) and all(isinstance(v, cst.Comparison) for v in found)

    def _index_tensor(self, base: Val, node: cst.Subscript) -> Val | None:
        if not base.padded:
            if base.masked and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
                sub = self(node.slice[0].slice.value)
                if sub is not None and sub.kind == V.MASK:
                    # (loss * keep)[keep]: the real positions only, so a mean of it is right
                    return Val(V.TENSOR, padded=False)
            return base
        if base.one_hot_pad and ",".join(code_of(e.slice).strip() for e in node.slice) in ("...,1:", ":,:,1:"):
            # one_hot(ids)[..., 1:]: the pad class dropped, every pad is a row of zeros
            return base.but(one_hot_pad=None, zero_pads=True)
        if base.feat1 and ",".join(code_of(e.slice).strip() for e in node.slice) in ("...,0", ":,:,0"):
            return base.but(feat1=None, tlast=True)  # scores[..., 0]: (B, T, 1) -> (B, T)
        if _one_row_cut(node):
            # memory[b:b + 1, :k]: one sample cut to its own length k (decoding item by item)
            return Val(V.TENSOR, padded=False)
        time_dim = time_axis(base)
        for position, element in enumerate(node.slice):
            sl = element.slice
            if isinstance(sl, cst.Index):
                value = sl.value
                sub = self(value)
                if sub is not None and sub.kind == V.MASK or isinstance(value, cst.Comparison) \
                        or (sub is None or sub.kind == V.TENSOR) and self._boolean_name(value):
                    return None  # boolean indexing (x[mask], x[flags == 1]) keeps the selected positions only
                if isinstance(value, cst.Name) and value.value == "None":
                    continue
                if isinstance(value, cst.Ellipsis):
                    last = node.slice[-1].slice
                    if isinstance(last, cst.Slice) and (last.lower is not None or last.upper is not None):
                        return base.but(batch_first=None, rnn=None)  # x[..., :H]: one direction's features
                    return base.but(batch_first=None)
                if time_dim is not None and position == time_dim and not isinstance(value, (cst.Tuple, cst.List)):
                    return None  # one time step
                if time_dim is None and position == 0 and len(node.slice) > 1 and (
                        isinstance(value, cst.Integer) or (isinstance(value, cst.BinaryOperation) and any(
                            isinstance(side, cst.Integer) for side in (value.left, value.right)))) \
                        and all(isinstance(e.slice, cst.Slice) and e.slice.lower is None and e.slice.upper is None
                                for e in node.slice[1:]):
                    # x[0, :, :] (x[i + 1, :, :]) of a tensor of unknown layout: one sample (T, F) or one step (B, F);
                    # either way its dim 1 is not time, and where time went is not known
                    return None
                if time_dim is None and position == 1 and (isinstance(value, cst.Integer) or self._range_step(value)) \
                        and isinstance(node.slice[0].slice, cst.Slice) and code_of(node.slice[0].slice) == ":":
                    # em[:, 0], em[:, t] in `for t in range(1, em.size(1))` of a tensor of unknown layout: one
                    # step of a (B, T, ...) tensor or one sample of a time-major one; either way its dim 1 is
                    # no longer time, and where time went is not known
                    return None
            elif isinstance(sl, cst.Slice) and position >= 2 and (sl.lower is not None or sl.upper is not None):
                base = base.but(rnn=None)  # a slice of the feature axis: one direction of a bi-RNN
            elif isinstance(sl, cst.Slice) and position == (1 if time_dim is None else time_dim) \
                    and sl.lower is None and sl.upper is not None and self._foreign_prefix(sl.upper):
                # hidden[:, :query_tokens.size(1)]: the prefix of other tokens concatenated in front
                # of the padded text (BLIP-2's queries), not the padded text itself
                return Val(V.TENSOR, padded=False)
        return base

    def _range_step(self, index: cst.BaseExpression) -> bool:
        """``t`` (or ``t - 1``) where ``t`` is the target of a ``for t in range(...)`` of this function."""
        if isinstance(index, cst.BinaryOperation) and isinstance(index.right, cst.Integer):
            index = index.left
        if not isinstance(index, cst.Name) or self.scope is None or not isinstance(self.scope.node, cst.FunctionDef):
            return False
        return any(isinstance(loop.target, cst.Name) and loop.target.value == index.value
                   and isinstance(loop.iter, cst.Call) and isinstance(loop.iter.func, cst.Name)
                   and loop.iter.func.value == "range"
                   for loop in nodes_of(self.scope.node.body, cst.For))

    def _rows_of_ones(self, rows: cst.BaseExpression | None) -> bool:
        """``[torch.ones(len(s), ...) for s in seqs]`` (or ``ones_like``, ``new_ones``, or a comparison):
        one row of ones (or of boolean flags) per sequence."""
        if isinstance(rows, (cst.ListComp, cst.GeneratorExp)) and isinstance(rows.elt, cst.Comparison):
            return True  # [torch.rand(t, V) > 0.3 for t in lens]: boolean flags per step, False at the pads
        if not isinstance(rows, (cst.ListComp, cst.GeneratorExp)) or not isinstance(rows.elt, cst.Call):
            return False
        func = rows.elt.func
        qual = self.qualname(func) or ""
        return qual in ("torch.ones", "torch.ones_like") or (
            isinstance(func, cst.Attribute) and func.attr.value == "new_ones" and qual == "")

    def _one_time_step(self, node: cst.BaseExpression) -> bool:
        """``m[:, t]`` or ``m[:, t, None]`` (``t`` a ``range`` loop's step, or an integer): one column of
        a (batch, time) tensor, a value per sequence."""
        if not isinstance(node, cst.Subscript) or len(node.slice) < 2:
            return False
        first, second = node.slice[0].slice, node.slice[1].slice
        if not (isinstance(first, cst.Slice) and first.lower is None and first.upper is None) \
                or not isinstance(second, cst.Index):
            return False
        if any(not (isinstance(e.slice, cst.Index) and code_of(e.slice.value) == "None") for e in node.slice[2:]):
            return False  # (m[:, t, None]: the step stood up against the tags)
        return isinstance(literal(second.value), int) or self._range_step(second.value)

    def _foreign_prefix(self, upper: cst.BaseExpression) -> bool:
        """``q.size(1)`` / ``q.shape[1]`` of a tensor not known for certain to be padded."""
        bound = self(upper)
        if bound is None or bound.kind != V.DIM:
            return False
        return bound.of is None or (bound.of.kind == V.TENSOR and not (bound.of.padded and bound.of.strong))

    def _eval_binop(self, node: cst.BinaryOperation) -> Val | None:
        left, right = self(node.left), self(node.right)
        op = node.operator
        if isinstance(op, cst.Add) and _complementary_masks(node.left, node.right):
            # m * x + (1 - m) * x_hat: an imputation blend, real values everywhere (no zeros)
            base = left if left is not None and left.kind == V.TENSOR else right
            if base is not None and base.kind == V.TENSOR:
                return base.but(masked=False, zero_pads=False, mask_mult=None)
        if isinstance(op, (cst.Add, cst.Subtract)):
            for rng, other_node in ((left, node.right), (right, node.left)):
                if rng is not None and rng.kind == V.TENSOR and rng.arange \
                        and _per_sample_column(other_node, named=False):
                    # arange(T)[None, :] - n_pads[:, None]: positions shifted row by row (each
                    # sequence's own count, as cumsum of its mask gives), not the batch's arange
                    return Val(V.TENSOR, padded=False)
        if isinstance(op, cst.Multiply):
            # [x.size(1)] * B  ->  lengths made from the padded shape
            for lst, other in ((node.left, right), (node.right, left)):
                if isinstance(lst, cst.List) and len(lst.elements) == 1:
                    item = self(lst.elements[0].value)
                    if (item is not None and item.kind == V.DIM) or is_max_len_name(lst.elements[0].value):
                        return Val(V.LENGTHS, from_shape=True)
            if left is not None and right is not None and left.kind == right.kind == V.MASK:
                # (seq != MASK_ID).float() * (seq != PAD).float(): both conditions, still a mask
                return Val(V.MASK, polarity=left.polarity if left.polarity == right.polarity else None)
            for mask, other_node in ((left, node.right), (right, node.left)):
                if mask is not None and mask.kind == V.MASK and _flag(other_node) and not _data_equality(other_node):
                    return mask.but(polarity=mask.polarity if mask.polarity == "keep" else None)
            for tensor, mask, tensor_node in ((left, right, node.left), (right, left, node.right)):
                if mask is not None and mask.kind == V.MASK and mask.polarity != "pad":
                    mask_node = node.right if tensor_node is node.left else node.left
                    if self._one_time_step(mask_node):
                        # score + trans[prev, cur] * m[:, t]: one value per sequence, gated at step t
                        # (a CRF's gold-path score), not a (batch, time) tensor with zeros at the pads
                        return Val(V.TENSOR, padded=False)
                    last = _broadcast_over_last(mask_node, self.scope) or None
                    scorelike = (tensor is not None and bool(tensor.scores)) or _score_name(tensor_node)
                    mult = node if scorelike and not mask.hint_only else None
                    # A mask known only by its name still zeroes something (so a sum of it is
                    # masked), but it may not be a padding mask: `name_only` tells PAD302.
                    name_only = bool(mask.hint_only)
                    if tensor is not None and tensor.kind == V.TENSOR:
                        return tensor.but(masked=True, zero_pads=True, mask_mult=mult, name_only_mask=name_only,
                                          mask_last=last, mask_axes=mask.axes)
                    if tensor is None and _reduced_to_samples(tensor_node, self.scope):
                        return None  # (loss.mean([1, 2]) * keep): one value per sample, a per-sample mask
                    if tensor is None or tensor.kind == V.TENSOR:
                        return Val(V.TENSOR, padded=True, strong=False, masked=True, zero_pads=True, mask_mult=mult,
                                   name_only_mask=name_only, mask_last=last, mask_axes=mask.axes)
            for ones_node, other, other_node in ((node.left, right, node.right), (node.right, left, node.left)):
                if ((other is not None and other.kind == V.DIM) or is_max_len_name(other_node)) \
                        and isinstance(ones_node, cst.Call):
                    if (self.qualname(ones_node.func) or "") in ("torch.ones", "torch.ones_like"):
                        return Val(V.LENGTHS, from_shape=True)
        if isinstance(op, cst.Add):
            for mask, tensor in ((left, right), (right, left)):
                if mask is not None and mask.kind == V.MASK and mask.polarity is not None \
                        and not (mask.hint_only or mask.named or mask.hf or mask.guessed) \
                        and tensor is not None and tensor.kind == V.TENSOR \
                        and (tensor.padded is not False or tensor.scores):
                    # logits + keep_mask: a boolean mask added as a bias shifts every score by 0 or
                    # 1, and the padded positions keep their share of a softmax (PAD403)
                    return tensor.but(mask_add=node)
        if isinstance(op, (cst.BitAnd, cst.BitOr)):
            masks = [v for v in (left, right) if v is not None and v.kind == V.MASK]
            if masks:
                # span_mask & mask, valid | is_bos: still a boolean mask. `a & b` is True only where
                # both are, so one side's polarity holds for it (causal & pad_mask is True at pads
                # only) unless the two sides disagree; `a | b` keeps a polarity both sides share.
                polarities = {m.polarity for m in masks}
                if isinstance(op, cst.BitAnd) and len(polarities - {None}) == 1:
                    known = next(m for m in masks if m.polarity is not None)
                    if len(masks) == 2 and None not in polarities:
                        return known  # keep & keep, pad & pad
                    if known.polarity == "pad":
                        return known  # causal & pad_mask: True at padding only
                    # keep & a selection of its own (fairseq's Levenshtein picks real tokens to
                    # replace on purpose): no polarity to go by
                if isinstance(op, cst.BitOr) and len(masks) == 2 and len(polarities) == 1 and None not in polarities:
                    return Val(V.MASK, polarity=masks[0].polarity)
                return Val(V.MASK, polarity=None)
        if isinstance(op, cst.Subtract):
            if _is_int_literal(node.left, 1) and right is not None and right.kind == V.MASK:
                return flip(right)
            if left is not None and left.kind == V.LENGTHS and _is_int_literal(node.right, 1):
                return Val(V.LAST_INDEX)
            if right is not None and right.kind == V.LENGTHS and not right.from_end and (
                    left is None or left.kind in (V.DIM, V.CONST, V.SCALAR_LEN)):
                # T - lengths: where each left-padded row's real tokens start
                return right.but(from_end=True)
        if isinstance(op, cst.Divide) and self._masked_mean(node):
            # (x * mask).sum(-1) / mask.sum(-1): a correct mean per sequence; no time axis left
            return Val(V.TENSOR, padded=False)
        if isinstance(op, cst.MatrixMultiply):
            if _pooled_by_product([node.left, node.right], [left, right], self):
                return Val(V.TENSOR, padded=False)
            out = _tensor_from(left, right)
            shape = _product_shape([node.left, node.right], [left, right])
            return (out or Val(V.TENSOR, padded=False)).but(scores=True, masked=False, weak_fill=None, mask_add=None, mask_mult=None,
                                                           **{"feat1": None, "tlast": None, **shape})
        if isinstance(op, cst.Multiply) and left is not None and right is not None \
                and left.kind == right.kind == V.TENSOR:
            for a, b in ((left, right), (right, left)):
                if a.masked and a.zero_pads and not b.masked and is_padded(b):
                    # loss * (mask * weights): zero wherever the mask is, so the product is too
                    return b.but(masked=True, zero_pads=True)
            for a, b in ((left, right), (right, left)):
                if a.zero_pads and is_padded(a) and is_padded(b) and not b.zero_pads:
                    return b.but(zero_pads=True)  # zero at the pads times anything: zero at the pads
        if isinstance(op, cst.Multiply) and left is not None and right is not None \
                and left.kind == right.kind == V.TENSOR and (left.softmaxed or right.softmaxed) \
                and is_padded(left) and is_padded(right):
            # softmax weights times values: a sum of it is a weighted sum; whether the weights
            # leave the padding out is the softmax's question (PAD401/PAD403), not the sum's
            values = right if left.softmaxed else left
            return values.but(weighted=True, softmaxed=False)
        if isinstance(op, (cst.Add, cst.Subtract)) and is_padded(left) != is_padded(right):
            # x - mean, h + pos_emb: something added at the pads too, so they are no longer zeros
            padded, other_node = (left, node.right) if is_padded(left) else (right, node.left)
            if padded.kind == V.TENSOR and padded.zero_pads is not False and not _is_int_literal(other_node, 0):
                if not padded.masked:
                    return padded.but(zero_pads=False)
                if padded.zero_pads:  # (x masked with zeros) - mean: the pads hold -mean now
                    return padded.but(zero_pads=False, masked=False)
        if isinstance(op, (cst.Add, cst.Subtract)) and is_padded(left) and is_padded(right) \
                and left.kind == right.kind == V.TENSOR and not (left.scores or right.scores):
            for a, b, b_node in ((left, right, node.right), (right, left, node.left)):
                if a.masked and a.zero_pads and not b.masked and b.zero_pads is False and isinstance(b_node, cst.Call):
                    # h + self.mlp(h): the bias of the unmasked side lands on the masked pads
                    return a.but(masked=False, zero_pads=False, mask_mult=None)
        if isinstance(op, (cst.Add, cst.Subtract)) and is_padded(left) and is_padded(right):
            # model(x) - targets: padded like the batch it was computed from; the targets say how
            for known, opaque in ((right, left), (left, right)):
                if opaque.origin in _OPAQUE_ORIGINS and known.origin not in _OPAQUE_ORIGINS and known.strong:
                    return known.but(zero_pads=False)
        for side in (left, right):
            if side is not None and side.kind == V.TENSOR:
                if isinstance(op, cst.Divide) and side is right:
                    continue
                other = right if side is left else left
                if is_padded(other) and not is_padded(side):
                    return other
                if isinstance(op, (cst.Add, cst.Subtract)) and side.mask_mult is not None:
                    # `scores - margin * one_hot`: an additive term, not scores times a mask
                    return side.but(mask_mult=None)
                if isinstance(op, cst.Multiply) and other is None and is_padded(side):
                    other_node = node.right if side is left else node.left
                    if not is_literal(other_node) and not _python_scalar(other_node, self):
                        # times something unknown (attention weights, a mask we cannot see):
                        # a sum of it over time is a weighted sum, not a count of padding.
                        return side.but(weighted=True)
                return side
        if left is not None and left.kind == V.LENGTHS:
            return left
        if right is not None and right.kind == V.LENGTHS and isinstance(op, cst.Multiply):
            if left is not None and left.kind == V.DIM:
                return Val(V.LENGTHS, float_scaled=node)
        if left is not None and left.kind == V.DIM and right is not None and right.kind == V.LENGTHS:
            return Val(V.LENGTHS, float_scaled=node)
        return None

    def _masked_mean(self, node: cst.BinaryOperation) -> bool:
        """``(x * mask).sum(d) / mask.sum(d).clamp(min=1)`` or ``/ lengths``."""
        summed = _summed(node.left, self)
        if summed is None:
            return False
        count = _strip_casts(node.right, self)
        counted = _summed(count, self)
        inner = through_methods(summed, _COUNT_WRAPPERS)  # (x * mask).float().sum(-1)
        if counted is not None and isinstance(inner, cst.BinaryOperation) and isinstance(inner.operator, cst.Multiply):
            # the same mask above and below: `(x * m).sum(-1) / m.sum(-1)`
            mask_code = code_of(_strip_casts(counted, self))
            if mask_code in (code_of(_strip_casts(inner.left, self)), code_of(_strip_casts(inner.right, self))):
                return True
        numerator = self(summed)
        if numerator is None or numerator.kind != V.TENSOR or not numerator.masked:
            return False
        value = self(counted) if counted is not None else self(count)
        if (value is None or (value.kind == V.TENSOR and not value.strong)) and counted is None \
                and isinstance(count, (cst.Name, cst.Attribute)) \
                and _sums_over_a_dim(node.left) and not is_max_len_name(count):
            # (loss * mask).sum(dim=-1) / slice_len: a per-row masked sum divided by a per-row
            # count padlint cannot see (not the padded length, not a constant): a masked mean
            return True
        return value is not None and (value.kind == V.MASK and counted is not None or value.kind == V.LENGTHS)

    def _eval_compare(self, node: cst.Comparison) -> Val | None:
        if len(node.comparisons) != 1:
            return None
        target = node.comparisons[0]
        op = target.operator
        left, right = self(node.left), self(target.comparator)
        left_node, right_node = node.left, target.comparator
        # arange(T) < lengths  (keep)   /  arange(T) >= lengths  (pad)
        for a, b, swapped in ((left, right, False), (right, left, True)):
            if b is None and _per_sample_column(left_node if swapped else right_node):
                b = Val(V.LENGTHS)  # arange(T)[None] < n[:, None]: whatever its name, n holds lengths
            if b is None and _per_sample_row(left_node if swapped else right_node) \
                    and _per_sample_column(right_node if swapped else left_node, named=False):
                b = Val(V.LENGTHS)  # time major: arange(T)[:, None] < n[None, :]
            if b is not None and (b.kind in (V.LENGTHS, V.SCALAR_LEN) or b.kind == V.LAST_INDEX and isinstance(
                    op, (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual))):
                # (arange(T) < lengths - 1: the mask of shifted targets; `== lengths - 1` marks the last step)
                other_node = right_node if swapped else left_node
                if _is_arange(other_node, self) or (a is not None and a.kind == V.TENSOR and a.arange):
                    less = isinstance(op, (cst.LessThan, cst.LessThanEqual))
                    if swapped:
                        less = not less
                    if b.from_end:
                        less = not less  # arange(T) >= T - lengths: the real tokens of left padding
                    lengths_node = left_node if swapped else right_node
                    return Val(V.MASK, polarity="keep" if less else "pad", axes=_length_mask_axes(other_node, lengths_node))
        if isinstance(op, (cst.Equal, cst.NotEqual)):
            is_eq = isinstance(op, cst.Equal)
            for a, b_node in ((left, right_node), (right, left_node)):
                found = _mask_compared(a, b_node, is_eq)
                if found is not None:
                    return found
            for a, b_node in ((left, right_node), (right, left_node)):
                found = _pad_compared(a, b_node, is_eq)
                if found is not None:
                    return found
            # (preds == targets) with padded targets: one flag per position, the padded ones
            # included (token accuracy over the padding); not a mask of the padding itself.
            for a, b, b_node in ((left, right, right_node), (right, left, left_node)):
                if V.is_strongly_padded(a) and a.pad is not None and not is_literal(b_node) and (
                        (b is not None and b.kind == V.TENSOR) or (b is None and _predictions(b_node))):
                    return Val(V.TENSOR, padded=True, strong=True, batch_first=a.batch_first, origin="compared",
                               zero_pads=True)
        if isinstance(op, cst.GreaterThan) and _is_int_literal(right_node, 0) and (is_padded(left) or _token_name(left_node)):
            return Val(V.MASK, polarity="keep")
        if isinstance(op, (cst.Equal, cst.NotEqual)) and _is_int_literal(right_node, 0):
            if _token_name(left_node):
                return Val(V.MASK, polarity="pad" if isinstance(op, cst.Equal) else "keep")
            if is_padded(left) and left.kind == V.TENSOR and not left.loss_none and left.pad in (None, "0"):
                # `(enc_batch != 0)` of a batch padded with (probably) 0; `zero_of`: the tensor whose
                # zeros it marks (its sum over time already leaves the pads out)
                return Val(V.MASK, polarity="pad" if isinstance(op, cst.Equal) else "keep",
                           zero_of=code_of(left_node))
        return None

    def _eval_call(self, node: cst.Call) -> Val | None:
        func = node.func
        qual = self.qualname(func)
        if qual is not None:
            known = self._eval_known_call(node, qual)
            if known is not _MISSING:
                return known
        callee = self(func) if not isinstance(func, cst.Attribute) or dotted(func) is not None else None
        hf_base = callee is not None and callee.kind == V.MODULE and callee.cls == HF_BASE_MODEL
        if callee is not None and callee.kind == V.MODULE:
            result = self._eval_module_call(node, callee)
            if result is not _MISSING:
                return result
            callee = None  # an nn.Sequential of anything: as an unknown callable
        if callee is not None and callee.kind == V.FUNC and callee.record_fields is not None:
            return self._record(node, callee.record_fields)
        local = self._local_call(node, callee)
        if local is not _MISSING:
            return local
        tokenized = _tokenizer_call(node, self.file.memo.get("tokenizer-names", frozenset()))
        if tokenized is not None:
            return tokenized
        if isinstance(func, (cst.Name, cst.Attribute)) and (dotted(func) or "").rsplit(".", 1)[-1] in (
                "namedtuple", "NamedTuple") and len(node.args) >= 2:
            fields = _factory_fields(node.args[1].value)  # Batch = namedtuple("Batch", "x lengths")
            if fields is not None:
                return Val(V.FUNC, qualname=None, record_fields=fields)
        if isinstance(func, (cst.Name, cst.Attribute)) and (dotted(func) or "").rsplit(".", 1)[-1] in (
                "SimpleNamespace", "dict", "namedtuple", "BatchEncoding", "ModelOutput"):
            keywords = {a.keyword.value: self(a.value) for a in node.args if a.keyword is not None}
            if keywords:
                return Val(V.DICT, items=keywords)
        if isinstance(func, cst.Attribute):
            base = self(func.value)
            method = func.attr.value
            result = self._eval_method(node, base, method)
            if result is not _MISSING:
                return result
        if isinstance(func, cst.Name):
            name = func.value
            if name == "len":
                return None
            if name in ("list", "tuple") and len(node.args) == 1 and not node.args[0].star:
                inner = self(node.args[0].value)
                if inner is not None and inner.kind == V.TENSOR and inner.origin == "canvas":
                    return inner  # list(zip_longest(*seqs, fillvalue=PAD)): the padded rows as lists
                if inner is not None and inner.kind == V.SEQ and inner.on_device:
                    return inner  # batch = tuple(t.to(device) for t in batch): every item moved
            if name == "map" and node.args:
                mapped = self(node.args[0].value)
                if mapped is not None and mapped.kind == V.FUNC and mapped.local is not None:
                    returned = self.file.returned(id(mapped.local))
                    return Val(V.SEQ, item=returned) if _interesting(returned) else None
            if callee is not None and callee.kind == V.FUNC and callee.returns is not None:
                return callee.returns  # a helper defined in this file: what it returns
            lowered = name.lower()
            if "mask" in lowered:
                # A helper defined elsewhere: its name says "mask" but not which way round
                # (OpenNMT's `sequence_mask` is True at padding, SpeechBrain's
                # `make_padding_mask` True at real frames), so the polarity stays unknown.
                return Val(V.MASK, polarity=None)
        if isinstance(func, cst.Attribute) and func.attr.value in _TEMPLATE_METHODS:
            # m.type_as(x), m.expand_as(x): x only lends its dtype or shape, not its padding
            return None
        # A call we do not know: padding flows through (encoders, HF models, helpers).
        positional = [self(a.value) for a in node.args if a.keyword is None and not a.star]
        padded_args = [v for v in positional if is_padded(v)]
        kw_mask = any(
            a.keyword is not None and a.keyword.value == "attention_mask" and not _all_ones(a.value, self)
            for a in node.args
        )
        if padded_args:
            first = padded_args[0]
            out = Val(V.TENSOR, padded=True, strong=first.strong, batch_first=first.batch_first,
                      origin="call", zero_pads=False, pad=None, evidence=first.evidence,
                      permuted=first.permuted)
            if callee is not None and callee.kind == V.MODULE and callee.cls == EMBEDDING:
                out = out.but(origin="embedding")
            if hf_base:  # its output's first item is the last hidden state: never pooled (and
                # with an attention mask handed in, the batch is known to hold padding)
                return Val(V.MODEL_OUTPUT, item=out.but(origin="hidden", strong=out.strong or kw_mask))
            return Val(V.MODEL_OUTPUT, item=out) if kw_mask else out
        if positional and _unpadded_tensor(positional[0]) and (callee is None or callee.kind != V.FUNC) \
                and isinstance(func, cst.Attribute) and code_of(func.value) == "self":
            # self.patch_embed(pixel_values), self.norm(latents): a layer of this module over a
            # fixed-size grid or learned latents gives a tensor of as many (unpadded) positions
            return Val(V.TENSOR, padded=False, origin=positional[0].origin)
        if any(a.keyword is not None and a.keyword.value in _PADDING_MASK_KEYWORDS and _is_a_mask(self(a.value))
               for a in node.args):
            # self.transformer(x, key_padding_mask=pad): told where the padding is, a layer we do
            # not see (defined in another file) gives a row at every position, padded ones too
            return Val(V.MODEL_OUTPUT, item=Val(V.TENSOR, padded=True, strong=True, batch_first=None,
                                                origin="masked_attention"))
        star_values = [self(a.value) for a in node.args if a.star == "**"]
        if any(v is not None and v.kind == V.DICT and _interesting(v) for v in star_values):
            kw_mask = True
        if kw_mask or any(v is not None and v.kind == V.TOKENIZED for v in star_values):
            return Val(V.MODEL_OUTPUT, item=Val(V.TENSOR, padded=True, strong=True, batch_first=True,
                                                origin="hidden" if hf_base else "model"))
        return None

    # -- calls into code defined in this file ------------------------------------------
    def _local_target(self, node: cst.Call, callee: Val | None) -> tuple[cst.FunctionDef | None, bool, Val | None]:
        """(the local function a call runs, whether it is a method, the instance if a constructor)."""
        func = node.func
        if callee is not None and callee.kind == V.FUNC and callee.local is not None:
            return callee.local, False, None
        if callee is not None and callee.kind == V.INSTANCE:
            return _method(callee.cls, "forward") or _method(callee.cls, "__call__"), True, None
        if self._model_link(node, callee):
            # def train(model, loader): ... model(words, tags, lens) -- the file's one module class
            # whose forward takes these arguments
            cls = self._the_model_class(node)
            if cls is not None:
                return _method(cls, "forward"), True, None
        if isinstance(func, cst.Name):
            if func.value in self.file.classes and (callee is None or callee.kind == V.CLASS):
                cls = self.file.classes[func.value]
                return _method(cls, "__init__"), True, Val(V.INSTANCE, cls=cls)
            if func.value == "self" and self.scope is not None and self.scope.class_scope is not None:
                cls = self.scope.class_scope.node
                if isinstance(cls, cst.ClassDef):
                    return _method(cls, "forward") or _method(cls, "__call__"), True, None
        if isinstance(func, cst.Attribute):
            owner = self(func.value)
            if owner is not None and owner.kind == V.INSTANCE:
                return _method(owner.cls, func.attr.value), True, None
            if dotted(func.value) == "self" and self.scope is not None and self.scope.class_scope is not None:
                cls = self.scope.class_scope.node
                if isinstance(cls, cst.ClassDef):
                    found = _method(cls, func.attr.value)
                    if found is None or _is_stub(found):
                        # a hook the base class leaves to its subclasses (`raise NotImplementedError`):
                        # the one subclass of this file that defines it is what runs
                        found = self._only_override(cls, func.attr.value) or found
                    return found, True, None
        return None, False, None

    def _only_override(self, cls: cst.ClassDef, name: str) -> cst.FunctionDef | None:
        """The method ``name`` of the one class of this file derived from ``cls`` that defines it."""
        found = [method for other in self.file.classes.values()
                 if any(code_of(base.value).rsplit(".", 1)[-1] == cls.name.value for base in other.bases)
                 for method in [_method(other, name)] if method is not None and not _is_stub(method)]
        return found[0] if len(found) == 1 else None

    def _the_model_class(self, call: cst.Call) -> cst.ClassDef | None:
        """The one ``nn.Module`` class of the file (at most ``MODEL_CLASSES_AT_MOST`` of them)
        whose ``forward`` accepts this call's arguments, if exactly one does."""
        if any(a.star for a in call.args):
            return None
        modules = self.file.memo.get("module-classes")
        if modules is None:
            modules = self.file.memo["module-classes"] = [
                c for c in self.file.classes.values() if V.module_class_bases([code_of(b.value) for b in c.bases])]
        if not modules or len(modules) > V.MODEL_CLASSES_AT_MOST:
            return None
        n_pos = sum(1 for a in call.args if a.keyword is None)
        keywords = {a.keyword.value for a in call.args if a.keyword is not None}
        fits = []
        for cls in modules:
            forward = _method(cls, "forward")
            if forward is None:
                continue
            params = [*forward.params.posonly_params, *forward.params.params][1:]
            names = {p.name.value for p in [*params, *forward.params.kwonly_params]}
            required = [p for p in params if p.default is None]
            if isinstance(forward.params.star_arg, cst.Param) or forward.params.star_kwarg is not None:
                continue
            if len(required) <= n_pos <= len(params) and keywords <= names:
                fits.append(cls)
        if len(fits) > 1:
            # ASRModel wraps its BiLSTMEncoder (self.encoder = BiLSTMEncoder(...)), both taking
            # (feats, lengths): the model handed to training is the outer one
            inner = {node.func.value for cls in fits for node in iter_nodes(cls.body)
                     if isinstance(node, cst.Call) and isinstance(node.func, cst.Name)}
            fits = [cls for cls in fits if cls.name.value not in inner]
        return fits[0] if len(fits) == 1 else None

    def _model_link(self, node: cst.Call, callee: Val | None) -> bool:
        func = node.func
        return isinstance(func, cst.Name) and callee is None and self.scope is not None \
            and func.value in self.scope.params and V.MODEL_PARAM.match(func.value) is not None

    def _optional_evidence_left_behind(self, arg: cst.BaseExpression, value: Val, call: cst.Call) -> bool:
        """A parameter guessed padded only because this function takes an *optional* mask
        (``forward(self, x_enc, mask=None)``), handed on as it came to a callee without that
        mask (``self.forecast(x_enc)``): the path with no padding, so the guess stays here.
        (A value computed here, as encoder states pooled by a helper, still carries it.)"""
        if value.kind != V.TENSOR or value.origin != "param" or value.strong or not value.evidence \
                or not isinstance(arg, cst.Name) or arg.value not in self.scope.params:
            return False
        function = self.scope.node if self.scope is not None else None
        if not isinstance(function, cst.FunctionDef):
            return False
        optional = none_default_params(function)
        if not all(name in optional for name in value.evidence):
            return False
        handed = {n.value for a in call.args for n in iter_nodes(a.value) if isinstance(n, cst.Name)}
        return not any(name in handed for name in value.evidence)

    def _local_call(self, node: cst.Call, callee: Val | None) -> Any:
        target, is_method, instance = self._local_target(node, callee)
        if target is None and instance is not None:
            record = self._record(node, _record_fields(instance.cls))
            return record if record is not None else instance
        if instance is not None:
            attributes = self.file.returned(-id(instance.cls))  # Batch(...): what its __init__ set on self
            if attributes is not None and attributes.kind == V.DICT:
                instance = instance.but(items=attributes.items)
        if target is None:
            return _MISSING
        params = [*target.params.posonly_params, *target.params.params]
        if is_method and params and not _is_staticmethod(target):
            params = params[1:]
        by_name = {p.name.value: p for p in [*params, *target.params.kwonly_params]}
        withheld: Val | None = None  # a guess of this function's kept from the callee (see below)
        facts = self.file.param_facts.setdefault(id(target), {})
        sites = self.file.fact_sites.setdefault(id(target), {})
        # train(model, loader): only the lengths go to the forward found by its signature (for
        # PAD102/PAD103); its padded tensors and its result stay unknown, since the same model is
        # often also called on unpadded input (sampling) elsewhere in the file
        linked = self._model_link(node, callee)
        wanted = _is_lengths if linked else _interesting
        index = 0
        for arg in node.args:
            if arg.star:
                value = self(arg.value) if arg.star == "**" else None
                if value is not None and value.kind == V.DICT:
                    for key, item in (value.items or {}).items():
                        if key in by_name and _interesting(item):
                            _add_fact(facts, key, item, sites, id(node))
                if value is not None and value.kind == V.TOKENIZED:
                    for name in by_name:
                        if name == "attention_mask":
                            _add_fact(facts, name, Val(V.MASK, polarity="keep", hf=True), sites, id(node))
                        elif name == "input_ids":
                            _add_fact(facts, name, Val(V.TENSOR, padded=True, strong=True, batch_first=True, origin="tokenizer", pad=value.pad), sites, id(node))
                if arg.star == "*":
                    spread = self(arg.value)  # f(*batch): a tuple of known length fills params in order
                    if spread is None or spread.kind != V.TUPLE or spread.items is None:
                        break
                    for item in spread.items:
                        if index < len(params):
                            if _interesting(item):
                                _add_fact(facts, params[index].name.value, item, sites, id(node))
                            index += 1
                continue
            if arg.keyword is not None:
                name = arg.keyword.value
            elif index < len(params):
                name = params[index].name.value
                index += 1
            else:
                continue
            value = self(arg.value)
            if value is not None and self._optional_evidence_left_behind(arg.value, value, node):
                withheld = value
                continue
            if name in by_name and V.looks_like_mask(name) and V.is_padded(value) and value.origin in ("pad_sequence", "F.pad") \
                    and str(value.pad or "0") in ("0", "0.0", "False") and not value.loss_none:
                # masked_mse(pred, target, observed): per-sample 0/1 flags padded with zeros into a
                # parameter named as a mask -- a keep-mask whose pads are False
                value = Val(V.MASK, polarity="keep")
            # (a padded length handed in: frame_lengths(rel_lens, feats.size(1)))
            if name in by_name and (wanted(value) or _unpadded_tensor(value) or (not linked and is_time_dim(value))):
                _add_fact(facts, name, value, sites, id(node))
            elif name in by_name and (value is None or value.kind == V.TENSOR) and V.looks_like_mask(name) \
                    and isinstance(arg.value, (cst.Call, cst.Comparison, cst.BinaryOperation)):
                # attend(q, k, get_masks(ids, attention_mask)): a mask this file computes in a way
                # not followed here; the parameter's name is then no word about its polarity
                facts[f"{name}:opaque"] = Val(V.CONST, value=True)
            elif name in by_name and linked and is_padded(value) and value.zero_pads is not None:
                # the tensor itself stays unknown (see above), but whether its pads are zeros holds
                # for an unpadded call too: zero pads only where every call site pads with zeros
                key = f"{name}:zero-pads"
                if key not in facts or not value.zero_pads:
                    facts[key] = Val(V.CONST, value=bool(value.zero_pads))
        if linked:
            return _MISSING
        if instance is not None:
            return instance
        returned = self.file.returned(id(target))
        if withheld is not None and returned is not None and returned.kind == V.TENSOR and returned.padded is False \
                and returned.idx_pads and len(node.args) == 1:
            # self.embeddings(input_ids) of an input guessed padded here (an optional mask beside
            # it): the callee embedded it knowing nothing of padding; here the guess holds
            return returned.but(padded=True, strong=False, evidence=withheld.evidence, origin="call")
        if returned is not None:
            unpadded = _unpadded(returned)
            if unpadded is not returned and (self._one_sample_call(node) or self._fed_unpadded(node, returned)):
                return unpadded
            return returned
        return _MISSING

    def _fed_unpadded(self, node: cst.Call, returned: Val) -> bool:
        """A function of this file whose result is padded only because some other call site hands
        it padding (``self.pos_encoder(emb)``), called here with tensors known to hold none
        (``self.pos_encoder(latent.unsqueeze(1).expand(-1, T, -1))``): nothing padded comes out."""
        if returned.kind != V.TENSOR or returned.origin in _PADDING_MADE_HERE:
            return False
        if not node.args or any(arg.star for arg in node.args):
            return False
        values = [self(arg.value) for arg in node.args]
        return all(v is not None and v.kind == V.TENSOR and v.padded is False and not v.seen_only for v in values)

    def _embeddings_reinitialised(self) -> bool:
        """Whether the file redraws every embedding's weights (``if isinstance(module, nn.Embedding):
        normal_(module.weight)`` in an ``_init_weights``) without zeroing the ``padding_idx`` row
        again: then the pad rows are random vectors, not zeros."""
        known = self.file.memo.get("embeddings-reinitialised")
        if known is None:
            known = self.file.memo["embeddings-reinitialised"] = any(
                _redraws_embeddings(function, self) for function in iter_nodes(self.file.module)
                if isinstance(function, cst.FunctionDef)) if self.file.module is not None else False
        return known

    def _record(self, node: cst.Call, fields: list[str] | None) -> Val | None:
        """``Batch(inputs=padded, lengths=lens)`` of a ``@dataclass``, ``NamedTuple`` or
        ``namedtuple`` record type of this file with these fields: a record whose fields
        (``batch.inputs``) hold what the call put there."""
        if fields is None or any(a.star for a in node.args):
            return None
        items: dict[str, Val | None] = {}
        for index, arg in enumerate(node.args):
            name = arg.keyword.value if arg.keyword is not None else fields[index] if index < len(fields) else None
            if name is not None:
                items[name] = self(arg.value)
        return Val(V.DICT, items=items) if any(_interesting(v) for v in items.values()) else None

    def _one_sample_call(self, node: cst.Call) -> bool:
        """``model(torch.tensor(ids).unsqueeze(0), torch.tensor([len(ids)]))``: the model run on a
        batch of one sequence (sampling, greedy decoding), with nothing padded handed in. What
        its forward returns padded for a batch is not padded here: there is nothing to pad."""
        single = False
        for arg in node.args:
            if arg.star:
                return False
            value = self(arg.value)
            if V.is_padded(value):
                return False
            nodes = [arg.value, *assigned_values(self.scope, arg.value)]
            if any(_batch_of_one(n) or _one_step_column(n) for n in nodes):
                single = True
        return single

    def _very_negative_constant(self, node: cst.BaseExpression) -> bool:
        """A name bound to a very negative number (``IMPOSSIBLE = -1e4``): the start of a table
        of log-scores (a CRF's forward variables), not a pad id."""
        if not isinstance(node, cst.Name):
            return False
        bound = self.scope.lookup(node.value) if self.scope is not None else None
        value = bound.value if bound is not None and bound.kind == V.CONST else None
        return isinstance(value, (int, float)) and not isinstance(value, bool) and value <= -1e3

    def _eval_known_call(self, node: cst.Call, qual: str) -> Any:
        compare = _TORCH_COMPARISONS.get(qual)
        if compare is not None and len(node.args) >= 2 and not any(a.keyword or a.star for a in node.args[:2]):
            # torch.lt(arange(T)[None], lengths[:, None]) is `arange(T)[None] < lengths[:, None]`
            compared = self._eval_compare(cst.Comparison(left=node.args[0].value, comparisons=[
                cst.ComparisonTarget(operator=compare(), comparator=node.args[1].value)]))
            if compared is not None:
                return compared
        if qual in ("torch.autograd.Variable", "torch.autograd.variable.Variable"):
            return self(arg_value(node, "data", 0))  # pre-0.4 wrapper: the tensor itself
        if qual == "torch.nested.to_padded_tensor":
            return _nested_padded(arg_value(node, "padding", 1))
        if qual == PAD_SEQUENCE:
            pad_node = arg_value(node, "padding_value", 2)
            if (pad_node is None or literal(pad_node) in (0, False)) and self._rows_of_ones(arg_value(node, "sequences", 0)):
                # pad_sequence([torch.ones(len(s), dtype=torch.bool) for s in seqs]): True (1) at every
                # real step, False (0) at the pads -- a keep-mask
                return Val(V.MASK, polarity="keep")
            # (torch >= 2.6: `padding_side="left"` puts the pads first, the last step is real)
            left = literal(arg_value(node, "padding_side", 3)) == "left" or None
            return Val(V.TENSOR, padded=True, strong=True, origin="pad_sequence", node=node,
                       batch_first=flag(node, "batch_first", 1, False),
                       pad=code_of(pad_node) if pad_node is not None else "0",
                       zero_pads=pad_node is None or literal(pad_node) == 0, neg_pads=_very_negative(pad_node),
                       left=left)
        if qual == "torch.nn.functional.one_hot":
            ids = self(arg_value(node, "tensor", 0))
            if ids is not None and ids.kind == V.TENSOR and ids.padded and ids.pad == "0":
                # one_hot(ids) of ids padded with 0: class 0 is hot at every pad (see _index_tensor)
                return ids.but(node=node, zero_pads=False, neg_pads=None, one_hot_pad=True)
        if qual == UNPACK:
            packed = self(arg_value(node, "sequence", 0))
            pad_node = arg_value(node, "padding_value", 2)
            out = Val(V.TENSOR, padded=True, strong=True, origin="unpack", node=node,
                      batch_first=flag(node, "batch_first", 1, False),
                      rnn=packed.rnn if packed is not None and packed.kind == V.PACKED else None,
                      pad=code_of(pad_node) if pad_node is not None else "0",
                      zero_pads=pad_node is None or literal(pad_node) == 0, neg_pads=_very_negative(pad_node))
            return Val(V.TUPLE, items=[out, Val(V.LENGTHS, from_unpack=True)])
        if qual == PACK:
            data = self(arg_value(node, "input", 0))
            return Val(V.PACKED, node=node, batch_first=flag(node, "batch_first", 2, False), input=data)
        if qual == PACK_SEQUENCE:
            return Val(V.PACKED, node=node, batch_first=None)
        if qual in MODULE_CLASSES:
            return self._module_val(node, qual)
        if qual in ("einops.rearrange", "einops.repeat"):
            data = self(arg_value(node, "tensor", 0))
            if data is not None and data.kind == V.MASK:
                return data  # rearrange(keep, "b n -> b 1 1 n"): the same mask, broadcast
            return _MISSING
        if qual == "torch.nn.Parameter":
            return Val(V.TENSOR, padded=False, origin="weights")  # learned latents, queries, positions
        if qual == SDPA:
            query = self(arg_value(node, "query", 0))
            if query is not None and query.kind == V.TENSOR and query.padded is False:
                return query  # the output has the queries' positions (learned latents: no padding)
            key = self(arg_value(node, "key", 1))
            if V.is_padded(key) and not V.is_strongly_padded(query) and (query is None or query.origin == "param"):
                # queries only guessed padded (a parameter beside the lengths) against keys cut
                # from the padded input: the output has the queries' positions, whatever they are
                return None
            return _MISSING
        if qual.startswith("transformers.") and qual.endswith(".from_pretrained"):
            cls_name = qual.rsplit(".", 2)[-2]
            if _HF_BASE_CLASS.fullmatch(cls_name) and "Head" not in cls_name and "For" not in cls_name:
                return Val(V.MODULE, cls=HF_BASE_MODEL, node=node)
            return None
        if qual in ("numpy.asarray", "numpy.array") and node.args:
            inner = self(node.args[0].value)
            if inner is None and isinstance(node.args[0].value, (cst.Name, cst.Attribute)):
                # np.asarray(train_df): a table read whole (one recording, a dataset's frame),
                # not a batch padded for this step
                return Val(V.TENSOR, padded=False, table=True)
            return inner
        if qual in ("torch.ones_like", "torch.zeros_like", "torch.rand_like", "torch.randn_like", "torch.empty_like"):
            return None  # a tensor of constants (or noise) the shape of x: none of x's padded values
        if qual == "torch.full_like":
            like = self(arg_value(node, "input", 0))
            fill = arg_value(node, "fill_value", 1)
            fill_value = self(fill)
            if like is not None and like.kind == V.LENGTHS and fill is not None and (
                    (fill_value is not None and fill_value.kind == V.DIM) or is_max_len_name(fill)):
                return Val(V.LENGTHS, from_shape=True)  # torch.full_like(lengths, T)
            return None
        if qual in ("numpy.full", "np.full"):
            if self._shape_fill(arg_value(node, "shape", 0), arg_value(node, "fill_value", 1)):
                return Val(V.LENGTHS, from_shape=True)  # np.full(B, T)
            return None
        if qual == "torch.full":
            size = arg_value(node, "size", 0)
            fill = arg_value(node, "fill_value", 1)
            if self._shape_fill(size, fill):
                return Val(V.LENGTHS, from_shape=True)  # torch.full((B,), T)
            if isinstance(size, (cst.Tuple, cst.List)) and len(size.elements) == 2 \
                    and _is_int_literal(size.elements[0].value, 1):
                return Val(V.TENSOR, padded=False, one_step_axis=0)  # torch.full((1, B), SOS): one decoder step
            if isinstance(size, (cst.Tuple, cst.List)) and len(size.elements) == 2 \
                    and _is_int_literal(size.elements[1].value, 1):
                return Val(V.TENSOR, padded=False, one_step_axis=1)  # torch.full((B, 1), BOS), batch first
            if isinstance(size, (cst.Tuple, cst.List)) and fill is not None:
                dims = [el.value for el in size.elements]
                # torch.full((B, T), pad_id): a canvas for a padded batch. Not a score table
                # started at minus infinity (torch.full((B, beam), -INF) in a beam search).
                # (nor a (B, B) table of weights filled with a computed number: `1 / m`)
                if len(dims) == 2 and (_is_pad_value(fill, None) or not is_literal(fill) and not _minus_infinity(fill)
                                       and (dotted(fill) is not None or isinstance(fill, (cst.Call, cst.Subscript)))) \
                        and not _CLASS_COUNT.search(code_of(fill)) and code_of(dims[0]) != code_of(dims[1]) \
                        and not self._very_negative_constant(fill):
                    # torch.full((T, len(seqs)), PAD): the padded length first, a time-major canvas
                    time_major = _padded_length_expr(dims[0]) and not _padded_length_expr(dims[1])
                    return Val(V.TENSOR, padded=True, strong=True, batch_first=not time_major, origin="canvas",
                               pad=code_of(fill), zero_pads=literal(fill) == 0)
            return None
        if qual == "itertools.zip_longest" and len(node.args) == 2 and node.args[0].star == "*" \
                and node.args[1].keyword is not None and node.args[1].keyword.value == "fillvalue":
            # zip_longest(*seqs, fillvalue=PAD): the sequences transposed and padded, (T, B)
            fill = _param_default(self.scope, node.args[1].value)
            return Val(V.TENSOR, padded=True, strong=True, batch_first=False, origin="canvas",
                       pad=code_of(fill), zero_pads=literal(fill) == 0)
        if qual in ("torch.tensor", "torch.LongTensor", "torch.IntTensor", "torch.as_tensor", "torch.from_numpy"):
            data_node = arg_value(node, "data", 0)
            if isinstance(data_node, cst.List) and len(data_node.elements) == 1 \
                    and isinstance(data_node.elements[0].value, (cst.List, cst.ListComp, cst.BinaryOperation)):
                # torch.LongTensor([[SOS] * B]): one row, (1, B) -- a single decoder step
                return Val(V.TENSOR, padded=False, one_step_axis=0)
            listed = _list_padded_rows(data_node)
            if listed is not None:
                return listed
            inner = self(data_node)
            if inner is not None and inner.kind == V.LENGTHS:
                return inner.but(on_device=_moves_to_device(node) or None)
            if inner is not None and inner.kind == V.TENSOR and inner.origin == "canvas" and inner.padded:
                return inner  # torch.from_numpy(batch) of a canvas filled row by row
            return _MISSING if inner is None else None
        if qual in ("torch.sort", "torch.argsort"):
            data = self(arg_value(node, "input", 0))
            if data is not None and data.kind == V.LENGTHS and flag(node, "descending", 2, False):
                perm = Val(V.PERM, node=node)
                return perm if qual == "torch.argsort" else Val(V.TUPLE, items=[data.but(sorted=True), perm])
            return None
        if qual == FUNCTIONAL_CTC:
            return Val(V.TENSOR, padded=False, loss_none=True)  # (as for nn.CTCLoss: per utterance)
        if qual in FUNCTIONAL_CLASS_LOSSES or qual in FUNCTIONAL_ELEMENTWISE_LOSSES:
            reduction = arg_value(node, "reduction", None)
            ignore = get_arg(node, "ignore_index", None)
            return loss_result(self, node, literal(reduction) if reduction is not None else "mean", ignore is not None,
                               per_class=qual in FUNCTIONAL_CLASS_LOSSES,
                               ignore_node=ignore.value if ignore is not None else None)
        if qual == "functools.partial":
            # partial(F.cross_entropy, label_smoothing=0.1) is the loss itself; a partial that binds
            # a positional argument or anything the rules read (ignore_index, reduction, lengths...)
            # is left unknown rather than read wrongly
            func = self(arg_value(node, "func", 0))
            if func is None or func.kind != V.FUNC or func.qualname is None \
                    or len([a for a in node.args if a.keyword is None]) != 1 \
                    or any(a.star or (a.keyword is not None and a.keyword.value not in _HARMLESS_KEYWORDS
                                      and not _default_reduction(a))
                           for a in node.args[1:]):
                return None
            return Val(V.FUNC, qualname=func.qualname)
        if qual is not None and qual.startswith("torch_geometric.") and qual.endswith(".to_dense_batch"):
            # (B, N_max, F) padded with fill_value (0 by default) and the keep-mask of real nodes
            fill = arg_value(node, "fill_value", 2)
            zero = fill is None or literal(fill) in (0, 0.0)
            dense = Val(V.TENSOR, padded=True, strong=True, batch_first=True, origin="dense_batch",
                        zero_pads=zero, pad="0" if fill is None else code_of(fill),
                        neg_pads=fill is not None and _very_negative(fill))
            if arg_value(node, "max_num_nodes", 3) is not None:
                # padded to a fixed number of slots, not to the batch's largest graph: what each
                # graph gets does not depend on its batch mates (a fixed-width design, like a
                # fixed maxlen), so the slots are not read as padding here
                dense = Val(V.TENSOR, padded=False)
            return Val(V.TUPLE, items=[dense, Val(V.MASK, polarity="keep")])
        if qual is not None and qual.startswith("torchdrug.") and qual.endswith(".variadic_to_padded"):
            # torchdrug's (B, N_max, ...) batch of variable-size proteins or molecules, padded with
            # `value` (zeros by default), and the keep-mask of the real residues
            fill = arg_value(node, "value", 2)
            dense = Val(V.TENSOR, padded=True, strong=True, batch_first=True, origin="dense_batch",
                        zero_pads=fill is None or literal(fill) in (0, 0.0), pad="0" if fill is None else code_of(fill))
            return Val(V.TUPLE, items=[dense, Val(V.MASK, polarity="keep")])
        if qual == "torch.utils.data.DataLoader":
            collate = self(arg_value(node, "collate_fn", 4))
            local = None
            if collate is not None and collate.kind == V.FUNC:
                local = collate.local
            elif collate is not None and collate.kind == V.INSTANCE:
                local = _method(collate.cls, "__call__")  # collate_fn=TTSCollate()
            elif collate is None:
                bound = arg_value(node, "collate_fn", 4)  # collate_fn=self.collate: a method of this class
                if isinstance(bound, cst.Attribute) and dotted(bound.value) == "self" and self.scope is not None \
                        and self.scope.class_scope is not None and isinstance(self.scope.class_scope.node, cst.ClassDef):
                    local = _method(self.scope.class_scope.node, bound.attr.value)
            if local is not None:
                returned = self.file.returned(id(local))
                if returned is not None:
                    return Val(V.SEQ, item=returned)
            return None
        if qual == "torch.arange":
            return Val(V.TENSOR, padded=False, arange=True)
        if qual in ("torch.floor", "torch.trunc", "torch.round", "torch.ceil"):
            data = self(arg_value(node, "input", 0))
            if data is not None and data.kind == V.LENGTHS:
                # torch.floor(rel * T) rounds down as `.long()` does; round/ceil settle it
                return data if qual in ("torch.floor", "torch.trunc") else data.but(float_scaled=None)
        if qual in ("torch.log1p", "torch.log"):
            # log1p(relu(x)) / log(1 + relu(x)): SPLADE's term weights, never below zero, and zero
            # where the input is (a pad's 0 never wins a max over them)
            inner = arg_value(node, "input", 0)
            if qual == "torch.log" and isinstance(inner, cst.BinaryOperation) and isinstance(inner.operator, cst.Add):
                one = [side for side in (inner.left, inner.right) if _is_int_literal(side, 1) or literal(side) == 1.0]
                inner = (inner.right if one[0] is inner.left else inner.left) if one else None
            elif qual == "torch.log":
                inner = None
            data = self(inner) if inner is not None else None
            if data is not None and data.kind == V.TENSOR and data.nonneg:
                return data.but(loss_none=None, ignored=None)
            return _MISSING
        if qual in ELEMENTWISE_FUNCS:
            data = self(arg_value(node, "input", 0))
            if data is not None and data.kind == V.TENSOR:
                # torch.tanh(out): every position where it was; relu/abs leave nothing below zero.
                # (exp(-loss) is a probability, not an unreduced loss any more)
                data = data.but(loss_none=None, ignored=None)
                if qual in NONNEG_FUNCS:
                    return data.but(nonneg=True)
                # f(0) = 0 keeps zero pads zero (tanh, gelu, silu...); sigmoid/exp/softplus do not
                # (all four are positive: a pad's 0 never wins a max over them)
                return data.but(zero_pads=False, nonneg=True) if qual in NONZERO_AT_ZERO else data
            return data
        if qual in SOFTMAX_FUNCS:
            data = self(arg_value(node, "input", 0))
            return data.but(softmaxed=True) if data is not None and data.kind == V.TENSOR else None
        if qual in ("torch.matmul", "torch.bmm", "torch.einsum", "torch.baddbmm"):
            args = [self(a.value) for a in node.args if a.keyword is None]
            if qual != "torch.einsum" and len(args) == 2 and all(a is not None and a.kind == V.MASK for a in args):
                # bmm(hyp_mask.unsqueeze(2), ref_mask.unsqueeze(1)): the outer product of two masks
                return Val(V.MASK, polarity=args[0].polarity if args[0].polarity == args[1].polarity else None)
            out = None
            for a in args:
                if a is not None and a.kind == V.TENSOR:
                    out = a
                    break
            nodes = [a.value for a in node.args if a.keyword is None]
            if qual == "torch.einsum":
                contracted = _einsum_time(nodes, args)
                if contracted is not None:
                    return contracted
            elif len(nodes) == 2 and _pooled_by_product(nodes, args, self):
                return Val(V.TENSOR, padded=False)
            if qual == "torch.einsum":
                shape = _einsum_shape(nodes, args)
            else:
                shape = _product_shape(nodes, args) if len(nodes) == 2 else {}
            return (out or Val(V.TENSOR, padded=False)).but(scores=True, masked=False, weak_fill=None, mask_add=None, mask_mult=None,
                                                           **{"feat1": None, "tlast": None, **shape})
        if qual in ("torch.cat", "torch.stack"):
            inner = self(arg_value(node, "tensors", 0))
            if inner is not None and inner.kind == V.TUPLE and any(
                    item is not None and item.kind == V.MASK for item in inner.items or ()):
                masks = [item for item in inner.items or () if item is not None and item.kind == V.MASK]
                polarities = {item.polarity for item in masks}
                # The parts' doubts carry over: a part known only by its name (or a guess) may
                # not be a 0/1 mask at all (an additive -10000 mask passed as `attention_mask`).
                return Val(V.MASK, polarity=polarities.pop() if len(polarities) == 1 else None,
                           named=any(item.named for item in masks) or None,
                           hint_only=any(item.hint_only for item in masks) or None,
                           guessed=any(item.guessed for item in masks) or None,
                           hf=any(item.hf for item in masks) or None)
            if inner is not None and inner.kind == V.TUPLE:
                for item in inner.items or ():
                    if item is not None and item.kind == V.RNN_STATE:
                        return item
                for item in inner.items or ():
                    if is_padded(item):
                        return item if qual == "torch.cat" else item.but(batch_first=None)
                if inner.items and all(_weights(item) for item in inner.items):
                    return inner.items[0]  # cat([cls_token, patches], dim=1): still a fixed grid
            if inner is not None and inner.kind == V.SEQ and qual == "torch.stack" and is_padded(inner.item) \
                    and inner.item.origin == "F.pad":
                # torch.stack([F.pad(x, (0, T - len(x))) for x in xs]): a padded batch (F.pad pads
                # the last axis, so where time is depends on the items' rank: left unknown)
                return inner.item.but(batch_first=None)
            return None
        if qual == "numpy.pad":
            # np.pad(f, ((0, max_len - f.shape[0]), (0, 0))): one item brought to the batch's length
            # (the time axis first); other pad widths (images, fixed borders) are left unknown
            width = arg_value(node, "pad_width", 1)
            if isinstance(width, (cst.Tuple, cst.List)) and width.elements \
                    and isinstance(width.elements[0].value, (cst.Tuple, cst.List)) \
                    and _pads_to_a_length(width.elements[0].value) \
                    and not any(isinstance(n, cst.Name) and n.value == "mode" for n in iter_nodes(node)):
                fill = arg_value(node, "constant_values", None)
                return Val(V.TENSOR, padded=True, strong=True, origin="F.pad", batch_first=None,
                           pad=code_of(fill) if fill is not None else "0",
                           zero_pads=fill is None or literal(fill) == 0)
            return None
        if qual == "torch.nn.functional.pad":
            data = self(arg_value(node, "input", 0))
            value = arg_value(node, "value", 3)
            if data is not None and data.kind == V.MASK:
                return data
            amounts = arg_value(node, "pad", 1)
            if isinstance(amounts, cst.Name):  # pad_size = (0, self.input_size - self.target_size)
                bound = list(assigned_values(self.scope, amounts))
                if len(bound) == 1 and isinstance(bound[0], (cst.Tuple, cst.List)):
                    amounts = bound[0]
            if isinstance(amounts, (cst.Tuple, cst.List)) and all(
                    is_literal(el.value) for el in amounts.elements if not isinstance(el, cst.StarredElement)):
                # F.pad(x, (1, 0)): a fixed border or a one-step shift, the same for every sample,
                # not a batch padded to its longest member
                return data if is_padded(data) else None
            mode = arg_value(node, "mode", 2)
            if isinstance(amounts, (cst.Tuple, cst.List)) and len(amounts.elements) >= 4 and not any(
                    isinstance(el, cst.StarredElement) for el in amounts.elements):
                pairs = [amounts.elements[i:i + 2] for i in range(0, len(amounts.elements) - 1, 2)]
                grown = [pair for pair in pairs if any(not _is_int_literal(el.value, 0) for el in pair)]
                if len(grown) >= 2:
                    # F.pad(x, (0, Q - old_Q, 0, T - old_T)): two axes grown (a grid brought to a
                    # multiple of a window), not a batch padded to its longest member
                    return data if is_padded(data) else None
            if self.scope is not None and "mode" in self.scope.params:
                # pad1d(x, paddings, mode="constant"): a padding utility with F.pad's modes (conv and
                # STFT framing), not a batch padded to its longest member
                return data if is_padded(data) else None
            if _own_shape_amounts(arg_value(node, "input", 0), amounts, self.scope):
                # F.pad(mix, (0, self.training_length - mix.shape[-1])): the whole tensor grown by
                # one amount from its own size (a fixed window, STFT framing) -- every sample alike
                return data if is_padded(data) else None
            if (mode is not None and literal(mode) != "constant") or not _pads_to_a_length(amounts):
                # reflect/replicate padding, or one tensor grown to another's size
                # (F.pad(noise, (0, clean.shape[1] - noise.shape[1]))): not a batch padded to its longest
                return data if is_padded(data) else None
            # (F.pad never moves an axis: a padded batch padded further keeps its layout)
            return Val(V.TENSOR, padded=True, strong=True, origin="F.pad",
                       batch_first=data.batch_first if is_padded(data) else None,
                       pad=code_of(value) if value is not None else "0", zero_pads=value is None or literal(value) == 0)
        if qual == "torch.nan_to_num":
            return _nan_replaced(self(arg_value(node, "input", 0)), arg_value(node, "nan", 1))
        if qual in ("torch.isnan", "torch.isfinite"):
            return _nan_marks(self(arg_value(node, "input", 0)), qual.endswith("isnan"))
        if qual in ("torch.where",):
            cond_node = arg_value(node, "condition", 0)
            cond = self(cond_node)
            kept, other = arg_value(node, "input", 1), arg_value(node, "other", 2)
            data = self(kept)
            if cond is not None and cond.kind == V.MASK and (data is None or data.kind != V.TENSOR) \
                    and _zero_fill(kept):
                kept, other = other, kept  # torch.where(pad_mask, 0.0, scores)
                data = self(kept)
            if cond is not None and cond.kind == V.MASK and cond_node is not None and self._one_time_step(cond_node):
                # torch.where(mask[:, t, None], nxt, alpha): a CRF's forward variable (one per
                # sequence and tag) carried over the padded steps, not a masked (batch, time) tensor
                return Val(V.TENSOR, padded=False)
            if cond is not None and cond.kind == V.MASK and data is not None and data.kind == V.TENSOR:
                out = data.but(masked=True)
                if _zero_fill(other):
                    last = _broadcast_over_last(cond_node, self.scope)
                    if cond.polarity != "pad":
                        # torch.where(keep[..., None], h, 0): zeros at the pads, as h * keep[..., None]
                        out = out.but(zero_pads=True, mask_last=last or None)
                    if data.scores or (data.tlast or data.feat1) and not data.loss_none and not last:
                        # torch.where(keep, scores, 0): a weak fill, as masked_fill(~keep, 0) is
                        out = out.but(weak_fill=node, scores=True)
                return out
            return data
        if qual in ("torch.mul", "torch.multiply") and len(node.args) == 2 and not any(a.star for a in node.args) \
                and all(a.keyword is None for a in node.args):
            # torch.mul(scores, mask) is scores * mask
            return self._eval_binop(cst.BinaryOperation(left=node.args[0].value, operator=cst.Multiply(),
                                                        right=node.args[1].value))
        if qual in ("torch.mean", "torch.sum", "torch.max", "torch.amax", "torch.min", "torch.logsumexp"):
            data = self(arg_value(node, "input", 0))
            dim = arg_value(node, "dim", 1)
            return reduce_val(data, dim)
        if qual.startswith("torch.nn.functional.") and qual.rsplit(".", 1)[1] in (
            "relu", "gelu", "dropout", "linear", "layer_norm", "embedding", "tanh", "sigmoid", "normalize",
        ):
            data = self(arg_value(node, "input", 0))
            return data if is_padded(data) else None
        if qual == "torch.nn.ModuleList" and node.args:
            # nn.ModuleList([nn.TransformerEncoderLayer(...) for _ in range(n)]), iterated in forward
            items = node.args[0].value
            elts = [items.elt] if isinstance(items, (cst.ListComp, cst.GeneratorExp)) else (
                [el.value for el in items.elements] if isinstance(items, cst.List) else [])
            modules = [self(e) for e in elts]
            # (of a class of this file too: `for blk in self.blocks: x = blk(x, mask)` runs Block.forward)
            if modules and all(m is not None and m.kind in (V.MODULE, V.INSTANCE) and m.kind == modules[0].kind
                               and m.cls == modules[0].cls for m in modules):
                return Val(V.SEQ, item=modules[0])
            return None
        return _MISSING

    def _module_val(self, node: cst.Call, qual: str) -> Val:
        attrs: dict[str, Any] = {"cls": qual, "node": node}
        if qual in RNN_CLASSES:
            attrs["batch_first"] = flag(node, "batch_first", None, False)
            attrs["bidirectional"] = flag(node, "bidirectional", None, False)
            attrs["rnn"] = {"cls": qual.rsplit(".", 1)[1], "batch_first": attrs["batch_first"],
                            "bidirectional": attrs["bidirectional"], "node": node}
        if qual in ATTENTION_CLASSES and qual in ("torch.nn.TransformerEncoderLayer", "torch.nn.TransformerDecoderLayer", "torch.nn.Transformer", "torch.nn.MultiheadAttention"):
            attrs["batch_first"] = flag(node, "batch_first", None, False)
        if qual == "torch.nn.TransformerEncoder":
            layer = self(arg_value(node, "encoder_layer", 0))
            attrs["batch_first"] = layer.batch_first if layer is not None and layer.kind == V.MODULE else None
        if qual == "torch.nn.Sequential":
            layers = [a.value for a in node.args if a.keyword is None and not a.star]
            attrs["positionwise"] = bool(layers) and len(layers) == len(node.args) and all(
                isinstance(layer, cst.Call) and self.qualname(layer.func) in POSITIONWISE for layer in layers)
        attrs["kwargs"] = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        attrs["star_kwargs"] = has_star_kwargs(node)
        return Val(V.MODULE, **attrs)

    def _eval_module_call(self, node: cst.Call, module: Val) -> Any:
        cls = module.cls
        if cls == "torch.nn.Conv1d":
            data = self(arg_value(node, "input", 0))
            if is_padded(data) and data.kind == V.TENSOR and data.batch_first is None and not data.permuted:
                # (B, C, T) in, (B, C', T) out: time is the last axis, and the bias (and the
                # kernel's reach) leaves the padded frames non-zero -- except a kernel of one
                # frame without a bias, which maps zero frames to zero frames
                made = module.node if isinstance(module.node, cst.Call) else None
                pointwise = made is not None and _without_bias(module) \
                    and literal(arg_value(made, "kernel_size", 2)) in (1, (1,), [1])
                if pointwise:
                    return data.but(channels_first=True)
                return data.but(channels_first=True, zero_pads=False, masked=False)
        if cls in RNN_CLASSES:
            data = self(arg_value(node, "input", 0))
            rnn = module.rnn
            if data is not None and data.kind == V.PACKED:
                out = Val(V.PACKED, node=data.node, batch_first=data.batch_first, rnn=rnn, input=data.input)
                state = Val(V.RNN_STATE, over_padding=False, rnn=rnn, call=node)
            else:
                padded = is_padded(data) and not _one_step(arg_value(node, "input", 0), rnn, data)
                left = bool(padded and data.left)
                out = Val(V.TENSOR, padded=padded, strong=bool(data.strong) if padded else False,
                          batch_first=rnn["batch_first"], origin="rnn", rnn=rnn, call=node,
                          zero_pads=False, input=data, left=left or None)
                # (left padding: the forward state ends on a real step, but a bidirectional
                # RNN's backward state ends on the pads at the start)
                state = Val(V.RNN_STATE, over_padding=padded and (not left or rnn.get("bidirectional") is True),
                            strong=bool(data.strong) if padded else False, rnn=rnn, call=node)
            return Val(V.RNN_RESULT, output=out, state=state, call=node)
        if cls == EMBEDDING:
            data = self(arg_value(node, "input", 0))
            if is_padded(data):
                # Rows at padding_idx are zeros: with tokens padded by that id, pads embed to 0.
                padding_idx = (module.kwargs or {}).get("padding_idx")
                # A batch padded with an unknown value (a parameter) is taken to be padded with the
                # embedding's padding_idx: that is what padding_idx is for.
                if padding_idx is None or self._embeddings_reinitialised():
                    zero = False
                elif data.pad is None:
                    zero = not data.strong
                else:
                    pad_const = constant_in(self.scope, data.pad)
                    zero = code_of(padding_idx) == data.pad or (
                        pad_const is not None and constant_in(self.scope, code_of(padding_idx)) == pad_const)
                return data.but(origin="embedding", zero_pads=zero, masked=False, neg_pads=False,
                                batch_first=data.batch_first)
            padding_idx = (module.kwargs or {}).get("padding_idx")
            if padding_idx is not None and code_of(padding_idx) != "None" and (data is None or data.kind == V.TENSOR):
                # Nothing says these tokens are padded, but the embedding keeps a row for the pad
                # id: rows of zeros at some time steps.  Only a mean over time reads this
                # (`idx_pads`); to the other rules the tensor is not known to be padded.
                return Val(V.TENSOR, padded=False, idx_pads=True, zero_pads=not self._embeddings_reinitialised(),
                           origin="embedding",
                           batch_first=data.batch_first if data is not None else None)
            return None
        if cls in ATTENTION_CLASSES:
            data = self(arg_value(node, None, 0))
            if (data is None or data.kind == V.TENSOR and not data.padded) and _own_padding_mask(node, cls):
                # enc(x, src_key_padding_mask=pad): the caller says its rows are padded, and the
                # output has a row at every padded position too
                # (a TransformerEncoder takes its layout from its layer: `module.batch_first`)
                bf = module.batch_first if module.batch_first is not None else \
                    literal(module.kwargs.get("batch_first")) if module.kwargs else None
                data = Val(V.TENSOR, padded=True, strong=True, batch_first=bf if isinstance(bf, bool) else None,
                           origin="masked_attention")
            elif data is not None and data.kind == V.TENSOR:
                data = data.but(zero_pads=False, masked=False)  # attention writes into the padded rows too
            if cls == "torch.nn.MultiheadAttention":
                return Val(V.TUPLE, items=[data, None]) if data is not None else None
            return data
        if cls == CTC_CLASS:
            # one value per utterance (B,) unreduced, or a number: CTC sums over each utterance's
            # own frames (input_lengths) and labels, so no padded position is left in it
            return Val(V.TENSOR, padded=False, loss_none=True)
        if cls in set(ELEMENTWISE_LOSSES) | set(CLASS_LOSSES):
            reduction = module.kwargs.get("reduction") if module.kwargs else None
            ignoring = bool(module.kwargs) and "ignore_index" in module.kwargs
            return loss_result(self, node, literal(reduction) if reduction is not None else "mean", ignoring,
                               per_class=cls in CLASS_LOSSES,
                               ignore_node=(module.kwargs or {}).get("ignore_index"))
        if cls in TIME_POOL_MODULES:
            return Val(V.TENSOR, padded=False)  # (B, C, 1): no time axis left (PAD301 asks how it was pooled)
        if cls in ("torch.nn.Softmax", "torch.nn.LogSoftmax"):
            data = self(arg_value(node, None, 0))
            return data.but(softmaxed=True) if data is not None and data.kind == V.TENSOR else None
        if cls == HF_BASE_MODEL or (cls == "torch.nn.Sequential" and not module.positionwise):
            return _MISSING  # anything inside: an unknown model
        # Linear, Dropout, LayerNorm ...: position-wise; zeros at the pads survive only the
        # modules that map 0 to 0 (a bias or a normalisation makes them non-zero)
        data = self(arg_value(node, None, 0))
        if _unpadded_tensor(data) and not data.idx_pads:
            return Val(V.TENSOR, padded=False, origin=data.origin)  # norm(patches): still a fixed grid
        if not is_padded(data) and not (data is not None and data.kind == V.TENSOR and data.idx_pads):
            return None
        if cls not in _ZERO_KEEPING_MODULES and not _without_bias(module):
            if data.zero_pads:
                data = data.but(zero_pads=False)
            if data.masked and not data.scores and not data.loss_none:
                # `self.proj(h * keep)`: the bias puts a value back on every masked position
                data = data.but(masked=False, mask_mult=None)
        if _scores_one_per_position(module, self):
            data = data.but(feat1=True, tlast=None)  # nn.Linear(d, 1): (B, T, 1), one score per position
        return data

    def _shape_fill(self, size: cst.BaseExpression | None, fill: cst.BaseExpression | None) -> bool:
        """A 1-D size (``B``, ``(B,)``, ``[B]``) filled with the padded length: lengths from the shape."""
        if size is None or fill is None:
            return False
        if isinstance(size, (cst.Tuple, cst.List)):
            if len(size.elements) != 1:
                return False
        else:
            n = self(size)  # np.full(B, T): the size must be one dimension, not x.shape
            if n is None or n.kind != V.DIM:
                return False
        fill_value = self(fill)
        return (fill_value is not None and fill_value.kind == V.DIM) or is_max_len_name(fill)

    def _eval_method(self, node: cst.Call, base: Val | None, method: str) -> Any:
        if base is not None and base.kind == V.MODEL_OUTPUT and base.item is not None \
                and (method in POSITION_KEEPING or method in REDUCTIONS or method in LAYOUT_BREAKING):
            base = base.item  # hidden = model(ids, attention_mask=am); hidden.float(): the tensor itself
            if method not in REDUCTIONS:
                base = base.but(origin="model")
        if method == "new_full" and self._shape_fill(arg_value(node, "size", 0), arg_value(node, "fill_value", 1)):
            return Val(V.LENGTHS, from_shape=True)  # x.new_full((B,), T)
        if method in ("repeat", "expand") and isinstance(node.func, cst.Attribute) \
                and isinstance(node.func.value, cst.Call) and len(node.args) == 1:
            inner = node.func.value  # torch.tensor(T).repeat(B), torch.LongTensor([T]).expand(B)
            if (self.qualname(inner.func) or "") in ("torch.tensor", "torch.LongTensor", "torch.IntTensor",
                                                     "torch.as_tensor") and inner.args:
                data = inner.args[0].value
                if isinstance(data, (cst.List, cst.Tuple)) and len(data.elements) == 1:
                    data = data.elements[0].value
                dim = self(data)
                if (dim is not None and dim.kind == V.DIM) or is_max_len_name(data):
                    return Val(V.LENGTHS, from_shape=True)
        if method in ("masked_fill", "masked_fill_") and base is None and isinstance(node.func, cst.Attribute) \
                and isinstance(node.func.value, cst.Call) and last_name(node.func.value.func) in _BLANKS:
            # torch.zeros(B, T).masked_fill(ids == pad, 1): 1 where the condition holds, so a mask
            # of the condition's polarity (of the opposite one from a canvas of ones filled with 0)
            cond = self(arg_value(node, "mask", 0))
            fill = literal(arg_value(node, "value", 1))
            zeros = last_name(node.func.value.func) in ("zeros", "zeros_like", "new_zeros")
            if cond is not None and cond.kind == V.MASK and fill in (0, 1) and not isinstance(fill, float) \
                    and (fill == 1) == zeros:
                return cond if zeros else flip(cond)
        if method in ("masked_fill", "masked_fill_") and base is None and node.args:
            # loss.masked_fill(target.eq(PAD), 0.0): whatever `loss` was, it has the padded shape of
            # the mask, and its pads are zeros now
            cond = self(arg_value(node, "mask", 0))
            if cond is not None and cond.kind == V.MASK and cond.polarity == "pad" \
                    and not (cond.hint_only or cond.named or cond.guessed) \
                    and _is_zero_literal(arg_value(node, "value", 1)):
                return Val(V.TENSOR, padded=True, strong=False, masked=True, zero_pads=True, batch_first=None)
        if method == "to_padded_tensor":
            return _nested_padded(arg_value(node, "padding", 0))  # nested_tensor(rows).to_padded_tensor(0.0)
        if method == "cumsum" and isinstance(node.func, cst.Attribute):
            made = node.func.value if isinstance(node.func.value, cst.Call) else _assigned_value(node.func.value, self)
            if isinstance(made, cst.Call) and last_name(made.func) in _ONES:
                return Val(V.TENSOR, padded=False, arange=True)  # ones(B, T).cumsum(1): 1..T, AllenNLP's range
        if method in ("ne", "eq") and node.args and isinstance(node.func, cst.Attribute):
            # ids.ne(pad_id) / mask.eq(0): read as the operators `!=` / `==` are
            other = arg_value(node, None, 0)
            is_eq = method == "eq"
            found = _mask_compared(base, other, is_eq) or _pad_compared(base, other, is_eq)
            if found is not None:
                return found
            if (base is None or base.kind == V.TENSOR) and _is_int_literal(other, 0) and _token_name(node.func.value):
                return Val(V.MASK, polarity="pad" if is_eq else "keep")
        if method in ("view", "reshape") and len(node.args) == 2 and _is_int_literal(node.args[0].value, 1) \
                and literal(node.args[1].value) == -1 and (base is None or (base.kind == V.TENSOR and not base.padded)):
            return Val(V.TENSOR, padded=False, one_step_axis=0)  # target[t].view(1, -1): one decoder step
        if base is None:
            if method == "size":
                dim = arg_value(node, "dim", 0)
                index = literal(dim) if dim is not None else None
                return Val(V.DIM, of=None, dim=index if isinstance(index, int) else None) if dim is not None else Val(V.SHAPE, of=None)
            if method in ("sort",) and flag(node, "descending", 1, False):
                return Val(V.TUPLE, items=[Val(V.LENGTHS, sorted=True), Val(V.PERM, node=node)])
            if method == "argsort" and flag(node, "descending", 1, False):
                return Val(V.PERM, node=node)
            if method in ("pop", "get") and node.args and isinstance(node.args[0].value, cst.SimpleString) \
                    and node.args[0].keyword is None:
                name = literal(node.args[0].value)  # inputs.pop("attention_mask"): as inputs["attention_mask"]
                hinted = V.val_for_name(name) if isinstance(name, str) else None
                if hinted is not None and hinted.kind in (V.MASK, V.LENGTHS):
                    return hinted
            return _MISSING
        kind = base.kind
        if kind == V.LENGTHS:
            if method in ("cuda",) or (method == "to" and _moves_to_device(node)):
                return base.but(on_device=True, moved=node)
            if method in ("cpu", "tolist", "numpy") or (method == "to" and _moves_to_cpu(node)):
                return base.but(on_device=False)  # a list / numpy array / CPU tensor
            if method == "sort" and flag(node, "descending", 1, False):
                return Val(V.TUPLE, items=[base.but(sorted=True), Val(V.PERM, node=node)])
            if method == "argsort" and flag(node, "descending", 1, False):
                return Val(V.PERM, node=node)
            if method in ("long", "int", "tolist", "view", "squeeze", "numpy", "to", "type", "clone", "detach", "flatten", "reshape"):
                if method in ("long", "int") and base.float_scaled is not None:
                    return base.but(truncated=node)
                return base
            if method in ("max", "sum", "min", "item", "size", "numel"):
                return None
            if method in ("round", "ceil", "floor"):
                return base.but(float_scaled=None) if method != "floor" else base
            return base
        if kind == V.MASK:
            if method in ("bool", "float", "long", "int", "to", "type_as", "cuda", "detach", "byte", "contiguous",
                          "half", "type", "clone"):
                return base
            if method in ("unsqueeze", "view", "expand", "squeeze", "reshape", "expand_as", "transpose", "permute",
                          "flatten", "ravel", "repeat", "tile"):
                axes = None
                if base.axes is not None and method == "unsqueeze":
                    dim = literal(arg_value(node, "dim", 0))
                    axes = _unsqueezed(base.axes, dim) if isinstance(dim, int) else None
                return base.but(axes=axes)
            if method in ("logical_not",):
                return flip(base)
            if method in ("eq", "ne"):
                value = arg_value(node, None, 0)
                zero = _is_int_literal(value, 0) or literal(value) is False
                if zero:
                    return flip(base) if method == "eq" else base
                return base if method == "eq" else flip(base)
            if method in ("sum",):
                dim = arg_value(node, "dim", 0)
                return Val(V.LENGTHS) if dim is not None and base.polarity == "keep" else None
            if method == "size" and node.args:
                index = literal(arg_value(node, "dim", 0))
                return Val(V.DIM, of=base, dim=index if isinstance(index, int) else None)  # mask.size(1): T
            return None
        if kind == V.PERM:
            if method in ("argsort", "sort"):
                return Val(V.TUPLE, items=[Val(V.PERM, inverse=True), Val(V.PERM, inverse=True)]) if method == "sort" else Val(V.PERM, inverse=True)
            return base
        if kind == V.SHAPE:
            return None
        if kind == V.LAST_INDEX:
            return base
        if kind == V.RNN_STATE:
            if method in ("squeeze", "unsqueeze", "view", "reshape", "transpose", "permute", "contiguous",
                          "flatten", "detach", "clone", "to", "float", "select", "narrow"):
                return base
            return None
        if kind == V.DICT:
            if method == "to":
                return base
            if method in ("get", "pop") and node.args:
                key = literal(node.args[0].value)
                return (base.items or {}).get(key) if isinstance(key, str) else None
            return None
        if kind == V.TENSOR:
            if method in ("size",):
                dim = arg_value(node, "dim", 0)
                if dim is None:
                    return Val(V.SHAPE, of=base)
                index = literal(dim)
                return Val(V.DIM, of=base, dim=index if isinstance(index, int) else None)
            if method in ("isnan", "isfinite") and not node.args:
                return _nan_marks(base, method == "isnan")
            if method == "nan_to_num":
                return _nan_replaced(base, arg_value(node, "nan", 0))
            if method == "gt" and _is_int_literal(arg_value(node, None, 0), 0) and base.padded:
                return Val(V.MASK, polarity="keep")
            if method in ("chunk", "split") and base.padded:
                parts = _feature_parts(node, method, base)
                if parts:  # q, k, v = self.qkv(x).chunk(3, dim=-1): each part padded as x is
                    # (fwd, bwd = out.chunk(2, -1) of a bidirectional RNN: one direction each)
                    part = base.but(rnn=None) if base.rnn is not None else base
                    return Val(V.TUPLE, items=[part] * parts)
            if method in REDUCTIONS:
                return reduce_val(base, arg_value(node, "dim", 0))
            if method in ("masked_fill", "masked_fill_"):
                cond = self(arg_value(node, "mask", 0))
                value = arg_value(node, "value", 1)
                out = base.but(filled=True)
                if cond is not None and cond.kind == V.MASK and literal(value) == 0:
                    out = out.but(masked=True, zero_pads=True)
                if cond is not None and cond.kind == V.MASK and cond.polarity != "keep" and base.padded \
                        and is_literal(value) and not base.scores:
                    out = out.but(pad=code_of(value))  # labels.masked_fill(pad_mask, -100)
                if base.scores or cond is not None and cond.kind == V.MASK:
                    fill = self(value)
                    fill_value = fill.value if fill is not None and fill.kind == V.CONST else None
                    if is_weak_fill(value) or (isinstance(fill_value, (int, float)) and is_weak_number(fill_value)):
                        mask_node = arg_value(node, "mask", 0)
                        # (feats.masked_fill(pad.unsqueeze(-1), 0.0) zeroes whole padded frames: not scores)
                        if base.scores or mask_node is None or not _broadcast_over_last(mask_node, self.scope):
                            out = out.but(weak_fill=node, scores=True)
                    elif is_strong_fill(value, self):
                        out = out.but(weak_fill=None, mask_add=None, masked_max=cond is not None and cond.kind == V.MASK)
                return out
            if method == "index_select":
                perm = self(arg_value(node, "index", 1))
                if perm is not None and perm.kind == V.PERM:
                    return base.but(permuted_by=perm.node) if not perm.inverse else base.but(permuted_by=None)
                return base
            if method == "expand" and base.padded and not base.strong and base.one_step_axis is not None \
                    and len(node.args) > base.one_step_axis and not any(a.keyword or a.star for a in node.args) \
                    and all(literal(a.value) == -1 for i, a in enumerate(node.args) if i != base.one_step_axis) \
                    and (_time_like(node.args[base.one_step_axis].value, self)
                         or V.looks_like_lengths(code_of(node.args[base.one_step_axis].value))):
                # z.unsqueeze(1).expand(-1, seq_len, -1): one vector per sample repeated at every
                # step (a VAE decoder's input), with no pad token anywhere
                return Val(V.TENSOR, padded=False)
            if method == "unsqueeze" and base.padded:
                axis = literal(arg_value(node, "dim", 0))
                if axis in (0, 1):  # (1, B, ...) or (B, 1, ...): one step, if an RNN reads it so
                    # (and otherwise a new axis in front of time: where time is, is no longer known)
                    return base.but(one_step_axis=axis, permuted=True, perm=None)
            if base.channels_first and method in (*LAYOUT_BREAKING, "swapaxes", "swapdims", "unsqueeze"):
                base = base.but(channels_first=None)  # (B, C, T) no more
            if method in ("transpose", "swapaxes", "swapdims"):
                base = base.but(one_step_axis=None, feat1=None, tlast=None, skeys=None)
                axes = [literal(a.value) for a in node.args[:2]]
                if base.perm is not None and len(axes) == 2 and all(isinstance(a, int) for a in axes):
                    order = list(range(len(base.perm)))  # after a permute the rank is known
                    a, b = (axis % len(order) for axis in axes)
                    order[a], order[b] = order[b], order[a]
                    return _permuted(base, order)
                dims = sorted(axes) if len(axes) == 2 and all(isinstance(a, int) for a in axes) else None
                if dims in ([0, 1], [-3, -2]):
                    return base.but(batch_first=flip_layout(base.batch_first))
                return base.but(batch_first=None)  # another pair of axes: where time is is unknown
            if method in ("softmax", "log_softmax"):
                return base.but(softmaxed=True)
            if base.feat1 and method in ("squeeze", "view", "reshape"):
                dim = literal(arg_value(node, "dim", 0)) if node.args else None
                if (method == "squeeze" and (not node.args or dim in (-1, 2))) or (
                        method != "squeeze" and _shape_rank(node) == 2):
                    return base.but(feat1=None, tlast=True)  # (B, T, 1) -> (B, T): time is the last axis
            if method in ("mul", "mul_"):
                other = self(arg_value(node, None, 0))
                if other is not None and other.kind == V.MASK and other.polarity != "pad":
                    return base.but(masked=True, zero_pads=True, mask_mult=node)
                return base
            if method in ("matmul", "bmm"):
                return base.but(scores=True, masked=False, weak_fill=None, mask_add=None, mask_mult=None)
            if method == "permute" and len(node.args) >= 3:
                return _permuted(base, [literal(a.value) for a in node.args])
            if method == "permute" and len(node.args) == 1 and isinstance(node.args[0].value, (cst.Tuple, cst.List)):
                return _permuted(base, [literal(e.value) for e in node.args[0].value.elements])
            if method in ("view", "reshape") and _shape_rank(node) == 3 and _is_int_literal(_shape_dims(node)[1], 1) \
                    and base.origin == "embedding" and not base.strong:
                # self.embed(prev_words).view(bsz, 1, d): one token per sample, a decoder's single
                # step (time length 1), not a padded sequence
                return Val(V.TENSOR, padded=False)
            if method in ("view", "reshape") and _shape_rank(node) >= 4:
                # (B*C, T, D) -> (B, C, T, D): axes split apart, dim 1 is no longer time
                return base.but(batch_first=None, permuted=True, perm=None)
            if method in ("view", "reshape") and _shape_rank(node) == 3 and literal(node.args[0].value) == -1 \
                    and not node.args[1].star and not _time_like(node.args[1].value, self):
                # x.reshape(-1, window_size, D): the positions regrouped into windows, dim 1 is a
                # window's own axis (x.view(-1, T, D) keeps a time axis)
                return base.but(batch_first=None, permuted=True, perm=None)
            if method in LAYOUT_BREAKING:
                return base.but(batch_first=None, perm=None, feat1=None, tlast=None)
            if method in ("repeat", "expand") and not base.strong and not base.arange and batch_axis_added(node.func.value):
                # query_feat.unsqueeze(0).repeat(bs, 1, 1): one learned set of queries copied to every
                # sample (DETR's object queries), with no padding of its own
                return Val(V.TENSOR, padded=False)
            if method in ("unsqueeze", "expand", "repeat", "flip", "roll") and (base.feat1 or base.tlast):
                base = base.but(feat1=None, tlast=None)
            if method in POSITION_KEEPING:
                return base
            if method == "gather" and not base.scores and (literal(arg_value(node, "dim", 0)) == -1 or (
                    literal(arg_value(node, "dim", 0)) == 2 and not (base.tlast or base.feat1 or base.permuted))):
                # (dim 2 of (B, T, K) or (T, B, K) emissions is the class axis too)
                index = self(arg_value(node, "index", 1))  # (not at `lengths - 1` of a (B, T) tensor)
                if index is None or index.kind not in (V.LAST_INDEX, V.LENGTHS):
                    return base  # logp.gather(-1, tags.unsqueeze(-1)): one value per position, pads included
            return None
        if kind == V.MODULE and method in ("forward", "__call__"):
            result = self._eval_module_call(node, base)
            return None if result is _MISSING else result
        if kind in (V.MODULE, V.INSTANCE, V.TOKENIZED) and method in (
                "to", "cuda", "cpu", "train", "eval", "float", "half", "double", "bfloat16", "requires_grad_"):
            return base
        return _MISSING


# ----------------------------------------------------------------------------- helpers
def _rebinds(function: cst.FunctionDef, name: str) -> bool:
    """Whether ``function`` assigns ``name`` anywhere (alone, unpacked or augmented)."""
    for assign in nodes_of(function.body, cst.Assign):
        for target in assign.targets:
            if any(isinstance(n, cst.Name) and n.value == name for n in iter_nodes(target.target)):
                return True
    return any(isinstance(a.target, cst.Name) and a.target.value == name
               for a in nodes_of(function.body, cst.AugAssign))


def _declared_fields(cls: cst.ClassDef) -> list[cst.AnnAssign]:
    """The ``name: type [= default]`` statements of a class body (a dataclass's or a
    NamedTuple's fields), in order."""
    return [small for statement in cls.body.body if isinstance(statement, cst.SimpleStatementLine)
            for small in statement.body if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name)]


def _nan_marks(data: Val | None, isnan: bool) -> Val | None:
    """``torch.isnan(tgt)`` of a tensor padded with NaN: True at the padding (``isfinite``: at the
    real values), a mask for ``tgt[~torch.isnan(tgt)]``."""
    if data is None or data.kind != V.TENSOR or not data.padded or "nan" not in str(data.pad or "").lower():
        return None
    return Val(V.MASK, polarity="pad" if isnan else "keep")


def none_default_params(function: cst.FunctionDef) -> set[str]:
    """The parameters (positional-or-keyword and keyword-only) whose default is ``None``."""
    return {p.name.value for p in [*function.params.params, *function.params.kwonly_params]
            if isinstance(p.default, cst.Name) and p.default.value == "None"}


def _is_zero_literal(node: cst.BaseExpression | None) -> bool:
    value = literal(node) if node is not None else None
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0


def _nan_replaced(data: Val | None, nan: cst.BaseExpression | None) -> Val | None:
    """``x.nan_to_num(0.0)``: the same positions; NaN padding becomes the replacement value (still
    padding, now one an average cannot tell from data)."""
    if data is None or data.kind != V.TENSOR or not data.padded or "nan" not in str(data.pad or "").lower():
        return None  # (what else it does to a tensor is not followed)
    value = literal(nan) if nan is not None else 0.0
    return data.but(pad=code_of(nan) if nan is not None else "0.0", zero_pads=value == 0)


def _very_negative(node: cst.BaseExpression | None) -> bool:
    value = literal(node)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value <= -1e3
    text = code_of(node) if node is not None else ""
    return "-inf" in text or "finfo" in text and ".min" in text


def _minus_infinity(node: cst.BaseExpression) -> bool:
    """``-INF``, ``-float("inf")``, ``-math.inf``, ``torch.finfo(t).min``, ``-1e9``."""
    text = code_of(node).replace(" ", "").lower()
    return _very_negative(node) or "inf" in text or "finfo" in text or (
        isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus))


def _builds_tokenizer(node: cst.BaseExpression | None) -> bool:
    """``AutoTokenizer.from_pretrained(...)``, ``BertTokenizerFast(...)``: a (HF-style) tokenizer."""
    if not isinstance(node, cst.Call):
        return False
    path = dotted(node.func) or ""
    parts = path.split(".")
    return any("Tokenizer" in part and part[:1].isupper() for part in parts) and (
        parts[-1] == "from_pretrained" or "Tokenizer" in parts[-1])


def _tokenizer_call(node: cst.Call, known: set[str] | frozenset[str] = frozenset()) -> Val | None:
    """``tokenizer(texts, padding=True)``, ``tok.batch_encode_plus(..., padding="longest")``, ``tokenizer.pad(...)``;
    ``known``: other names bound to a tokenizer in this file (``tok = AutoTokenizer.from_pretrained(...)``)."""
    path = dotted(node.func) or ""
    parts = path.split(".")
    owner = next((p for p in parts if "tokeniz" in p.lower()), None)
    if owner is None:
        for end in range(len(parts), 0, -1):
            if ".".join(parts[:end]) in known:
                owner = parts[end - 1]
                break
    if owner is None:
        return None
    method = parts[-1]
    if method == "pad":
        padding = True
    else:
        if method not in (owner, "__call__", "batch_encode_plus", "encode_plus", "prepare_seq2seq_batch"):
            return None
        arg = get_arg(node, "padding", None)
        if arg is None:
            return None
        padding = literal(arg.value)
        if padding in (False, "do_not_pad", None):
            return None
    prefix = path[: path.index(owner) + len(owner)]
    return Val(V.TOKENIZED, pad=f"{prefix}.pad_token_id")


_CANVASES = {"zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like",
             "new_zeros", "new_ones", "new_full", "new_empty", "BoolTensor", "ByteTensor", "FloatTensor"}


# Blank canvases a padded batch is written into row by row (see _row_filled_canvas).
_ROW_CANVASES = frozenset({"zeros", "new_zeros", "empty", "new_empty", "full", "new_full"})


def _opaque(node: cst.BaseExpression | None) -> bool:
    """A right-hand side padlint could not read -- other than a blank canvas filled in later."""
    if node is None:
        return False
    if isinstance(node, cst.Call):
        return last_name(node.func) not in _CANVASES
    return not isinstance(node, (cst.Name, cst.Attribute, cst.Subscript))


_CAUSAL_MASK = re.compile(r"^(?:attn_masks?|causal_\w*|\w*_causal_mask|future_mask|subsequent_mask|look_ahead_mask"
                          r"|square_\w*mask|self_attn_mask|\w*_self_mask|dec_enc_mask)$", re.I)
# the attention-mask slots of PyTorch's attention modules: (batch * heads,) target x source
# shapes (causal masks), not padding -- `mask` / `src_mask` of a TransformerEncoder(Layer),
# `tgt_mask` / `memory_mask` of a decoder, `attn_mask` of MultiheadAttention
_ATTN_MASK_SLOTS = {"torch.nn.TransformerEncoder": ("mask", 1), "torch.nn.TransformerEncoderLayer": ("src_mask", 1),
                    "torch.nn.TransformerDecoder": ("tgt_mask", 2), "torch.nn.TransformerDecoderLayer": ("tgt_mask", 2),
                    "torch.nn.Transformer": ("src_mask", 2), "torch.nn.MultiheadAttention": ("attn_mask", 5)}
_ATTN_MASK_WORDS = frozenset({"mask", "src_mask", "tgt_mask", "memory_mask", "attn_mask"})


def _attention_shape_masks(function: cst.FunctionDef, names: list[str], ev: "Evaluator") -> set[str]:
    """The mask parameters that ``function`` hands only to the attention-mask slot of a PyTorch
    attention module (``self.transformer.encoder(x, src_mask)``, ``decoder(t, mem, tgt_mask=m)``),
    besides ``if m is None`` tests and re-assignments: causal or square masks, no sign of padding."""
    uses: dict[str, list[bool]] = {n: [] for n in names}  # as an argument: in an attention-mask slot?
    seen = {n: 0 for n in names}  # every Name node spelling it
    # appearances that say nothing: `is None` tests, assignments to it, and the same spelling as
    # a keyword (`tgt_mask=tgt_mask`) or an attribute (`self.tgt_mask`)
    neutral = {n: 0 for n in names}
    for node in nodes_of(function.body, cst.Call, cst.Name, cst.Comparison, cst.AssignTarget, cst.Arg,
                         cst.Attribute):
        node_type = type(node)
        if node_type is cst.Call:
            callee = None
            for index, arg in enumerate(node.args):
                if not isinstance(arg.value, cst.Name) or arg.value.value not in uses or arg.star:
                    continue
                if callee is None:
                    callee = ev(node.func)
                cls = callee.cls if callee is not None and callee.kind == V.MODULE else None
                slot = _ATTN_MASK_SLOTS.get(cls or "")
                keyword = arg.keyword.value if arg.keyword is not None else None
                ok = slot is not None and (keyword in _ATTN_MASK_WORDS if keyword else index == slot[1])
                uses[arg.value.value].append(ok)
        elif node_type is cst.Name:
            if node.value in seen:
                seen[node.value] += 1
        elif node_type is cst.Comparison and isinstance(node.left, cst.Name) and node.left.value in neutral \
                and all(isinstance(c.operator, (cst.Is, cst.IsNot)) and code_of(c.comparator).strip() == "None"
                        for c in node.comparisons):
            neutral[node.left.value] += 1
        elif node_type is cst.AssignTarget and isinstance(node.target, cst.Name) and node.target.value in neutral:
            neutral[node.target.value] += 1
        elif node_type is cst.Arg and node.keyword is not None and node.keyword.value in neutral:
            neutral[node.keyword.value] += 1
        elif node_type is cst.Attribute and node.attr.value in neutral:
            neutral[node.attr.value] += 1
    return {n for n in names if uses[n] and all(uses[n]) and seen[n] == len(uses[n]) + neutral[n]}


_STEP_METHODS = frozenset({"training_step", "validation_step", "test_step", "predict_step"})
_BATCH_NAME = re.compile(r"^(?:(?:mini_?)?batch(?:_?data)?|mb|samples?|inputs?|data|examples?|b|\w*Batch|\w*Sample|\w*Example)$",
                         re.I)


def _compares_with_zero(node: cst.BaseExpression, path: str) -> bool:
    """``out == 0`` for the tensor named ``path``."""
    return (isinstance(node, cst.Comparison) and len(node.comparisons) == 1
            and isinstance(node.comparisons[0].operator, cst.Equal) and dotted(node.left) == path
            and _is_int_literal(node.comparisons[0].comparator, 0))


def _pads_to_a_length(amounts: cst.BaseExpression | None) -> bool:
    """F.pad amounts that bring an item up to a batch length: they mention a length-like name
    (``max_len``, ``T``, ``target_len``, ``pad_len``), ``len(...)``, or are a name or call padlint
    cannot read -- not only shapes of tensors (``clean.shape[1] - noise.shape[1]``) and numbers."""
    if amounts is None:
        return True
    for item in iter_nodes(amounts):
        if _is_len_call(item):
            return True
        if isinstance(item, (cst.Name, cst.Attribute)):
            path = dotted(item) or ""
            last = path.rsplit(".", 1)[-1].lower()
            if V.looks_like_max_len(path.rsplit(".", 1)[-1]) or "len" in last or "pad" in last or "max" in last:
                return True
    if isinstance(amounts, (cst.Tuple, cst.List)):
        for element in amounts.elements:
            value = element.value
            if isinstance(value, (cst.Name, cst.Attribute)) and not is_literal(value):
                return True  # F.pad(x, (0, n)): an amount worked out elsewhere
        return False
    return True  # F.pad(x, pads): amounts worked out elsewhere


def _own_shape_amounts(data: cst.BaseExpression | None, amounts: cst.BaseExpression | None,
                       scope: Scope | None) -> bool:
    """F.pad amounts worked out from the padded tensor's own size (``x.shape[-1]``,
    ``x.size(-1)``, directly or through a name assigned once) and nothing that reads as a
    batch's longest length (``len(...)``, ``max_len``, ``T``, a length handed in as a
    parameter): the same amount for every sample."""
    path = dotted(data) if data is not None else None
    if path is None or amounts is None:
        return False
    parts: list[cst.CSTNode] = [amounts]
    for item in list(iter_nodes(amounts)):
        if isinstance(item, cst.Name) and item.value != path:
            parts.extend(assigned_values(scope, item))  # (every value the name is given here)
    own = False
    for part in parts:
        for item in iter_nodes(part):
            if _is_len_call(item):
                return False
            if isinstance(item, (cst.Name, cst.Attribute)) and V.looks_like_max_len((dotted(item) or "").rsplit(".", 1)[-1]):
                return False
            if isinstance(item, cst.Name) and item.value not in (path, "self") and scope is not None \
                    and item.value in scope.params:
                return False  # pad_to(x, length): a length handed in, maybe the batch's longest
            if isinstance(item, cst.Attribute) and item.attr.value in ("shape", "size") and dotted(item.value) == path:
                own = True
    return own


_ONES = ("ones", "ones_like", "new_ones")
_BLANKS = ("zeros", "zeros_like", "new_zeros", *_ONES)


def _all_ones(node: cst.BaseExpression, ev: Evaluator) -> bool:
    """``torch.ones(...)`` (or a name bound to one): a mask that hides nothing."""
    made = node if isinstance(node, cst.Call) else _assigned_value(node, ev)
    return isinstance(made, cst.Call) and last_name(made.func) in _ONES


def _default_reduction(arg: cst.Arg) -> bool:
    """``reduction="mean"`` written out: what a loss does without it."""
    return arg.keyword is not None and arg.keyword.value == "reduction" \
        and literal(arg.value) in ("mean", "elementwise_mean")


# Keyword arguments no rule reads: a functools.partial that binds only these is the function.
_HARMLESS_KEYWORDS = frozenset({"label_smoothing", "weight", "pos_weight", "beta", "delta", "eps", "margin",
                                "log_target", "full", "zero_infinity", "inplace", "training", "p"})


def _is_lengths(value: Val | None) -> bool:
    return value is not None and value.kind == V.LENGTHS


def _add_fact(facts: dict[str, Val], name: str, value: Val, sites: dict[str, int], site: int) -> None:
    """What a call site passes joins what earlier call sites passed: the first one's value, but
    lengths moved to an accelerator on *any* path are on the accelerator (PAD102 is a crash).
    ``sites``: which call site gave each fact; that site's value in a later pass, which knows
    more (a mask a caller's caller made), replaces its own earlier one."""
    known = facts.get(name)
    if known is None or (_unpadded_tensor(known) and _interesting(value)) or sites.get(name) == site:
        facts[name] = value  # (an unpadded tensor passed by one call site says less than padding by another)
        sites[name] = site
    elif known.kind == V.LENGTHS and value.kind == V.LENGTHS and value.on_device and not known.on_device:
        facts[name] = known.but(on_device=True, moved=value.moved)


def unused_mask_parameter(ctx: Context) -> str | None:
    """A `mask`/`lengths` parameter of the current function that its body never reads."""
    scope = ctx.scope
    if scope.kind != "function" or not isinstance(scope.node, cst.FunctionDef):
        return None
    # `mask=None`: an optional argument left unused (a shared loss interface), not a forgotten one
    optional = none_default_params(scope.node)
    candidates = [p for p in scope.params if (V.looks_like_mask(p) or V.looks_like_lengths(p)) and p not in optional]
    if not candidates:
        return None
    used = {n.value for n in nodes_of(scope.node.body, cst.Name)}
    for name in candidates:
        if name not in used:
            return name
    return None


def mask_only_in_other_branch(call: cst.Call, data_node: cst.BaseExpression, ctx: Context) -> str | None:
    """A mask parameter that the function reads only in *other* arms of the ``if/elif`` chain that
    holds ``call``, where it is applied to the same tensor: ParlAI's
    ``if reduction_type == 'max': return ctxt.max(1)[0]  elif 'mean': ... mask.sum(1) ...``.

    The arms pick one reduction of the same padded tensor; the mean's arm says that the mask is
    the tensor's padding, and the arm of ``call`` never applies it.  Not when a test of the chain
    reads the mask (``if mask is None:``: the arm runs exactly when there is no mask)."""
    scope = ctx.function_scope
    function = scope.node if scope is not None else None
    data = dotted(data_node)
    if not isinstance(function, cst.FunctionDef) or data is None or "." in data:
        return None
    optional = none_default_params(function)
    masks = [p for p in scope.params if V.looks_like_mask(p) and p not in optional and p != data]
    if not masks:
        return None
    ifs = nodes_of(function.body, cst.If)
    tails = {id(i.orelse) for i in ifs if isinstance(i.orelse, cst.If)}
    chain: tuple[list[cst.CSTNode], list[cst.CSTNode], cst.CSTNode] | None = None
    for head in ifs:  # (outer chains first: the last one that holds the call is the innermost)
        if id(head) in tails:
            continue  # an `elif`: part of its head's chain
        arms: list[cst.CSTNode] = []
        tests: list[cst.CSTNode] = []
        link: cst.If | cst.Else | None = head
        while isinstance(link, cst.If):
            arms.append(link.body)
            tests.append(link.test)
            link = link.orelse
        if isinstance(link, cst.Else):
            arms.append(link.body)
        mine = [arm for arm in arms if any(item is call for item in nodes_of(arm, cst.Call))]
        if mine:
            chain = (arms, tests, mine[0])
    if chain is None or len(chain[0]) < 2:
        return None
    arms, tests, mine = chain
    tested = {n.value for t in tests for n in nodes_of(t, cst.Name)}
    here = {n.value for n in nodes_of(mine, cst.Name)}
    for mask in masks:
        if mask in here or mask in tested:
            continue
        everywhere = sum(1 for n in nodes_of(function.body, cst.Name) if n.value == mask)
        if everywhere != sum(1 for arm in arms for n in nodes_of(arm, cst.Name) if n.value == mask):
            continue  # (read outside the chain too: applied before it, maybe)
        for arm in arms:
            if arm is not mine:
                names = {n.value for n in nodes_of(arm, cst.Name)}
                if mask in names and data in names:
                    return mask
    return None


def unused_local_mask(ctx: Context, evaluated: bool = False) -> str | None:
    """A mask the current function builds (`mel_mask = arange(T) < lens[:, None]`) and then never
    reads: it was meant for this loss."""
    scope = ctx.scope
    if scope.kind != "function" or not isinstance(scope.node, cst.FunctionDef):
        return None
    built = [t.target.value for a in nodes_of(scope.node.body, cst.Assign) for t in a.targets
             if isinstance(t.target, cst.Name) and V.looks_like_mask(t.target.value)]
    # `x_hat, keep = self(values, lengths)`: the model hands back the mask, and it is dropped
    built += [el.value.value for a in nodes_of(scope.node.body, cst.Assign) for t in a.targets
              if isinstance(t.target, (cst.Tuple, cst.List)) for el in t.target.elements
              if isinstance(el.value, cst.Name) and _evaluated_mask(ctx.ev(el.value))]
    if evaluated:
        # `valid = torch.arange(T)[None, :] < lengths[:, None]`: a mask by what it holds
        for a in nodes_of(scope.node.body, cst.Assign):
            names = [t.target.value for t in a.targets if isinstance(t.target, cst.Name) and t.target.value not in built]
            if names:
                value = ctx.ev(a.value)
                if _evaluated_mask(value) and value.polarity is not None:
                    built += names
    if not built:
        return None
    spelled: dict[str, int] = {}
    for n in nodes_of(scope.node.body, cst.Name):
        spelled[n.value] = spelled.get(n.value, 0) + 1
    for name in built:
        if spelled.get(name) == 1 and name not in scope.params:  # only where it is assigned
            return name
    return None


def _evaluated_mask(value: Val | None) -> bool:
    return value is not None and value.kind == V.MASK


_TEMPLATE_METHODS = ("type_as", "expand_as", "view_as", "reshape_as", "new_zeros", "new_ones", "new_full",
                     "new_empty", "new_tensor")

_PADDING_MASK_KEYWORDS = ("key_padding_mask", "src_key_padding_mask", "padding_mask", "pad_mask")


def _index_slices(target: cst.Subscript) -> list[cst.BaseSlice]:
    """All the indexes of ``path[a][b]`` (or ``path[a, b]``), outermost first."""
    slices: list[cst.BaseSlice] = []
    node: cst.BaseExpression = target
    while isinstance(node, cst.Subscript):
        slices[:0] = [el.slice for el in node.slice]
        node = node.value
    return slices


def _is_len_call(node: cst.CSTNode) -> bool:
    """``len(...)``."""
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "len"


def _list_padded_rows(node: cst.BaseExpression | None) -> Val | None:
    """``[s + [PAD] * (T - len(s)) for s in seqs]`` (right padding) or ``[[PAD] * (T - len(s)) + s
    for s in seqs]`` (left padding): rows padded as lists to a common length; their values (a
    0/1 mask written the same way is one too) -- None if the rows are not written so."""
    if not isinstance(node, cst.ListComp) or not isinstance(node.elt, cst.BinaryOperation) \
            or not isinstance(node.elt.operator, cst.Add):
        return None

    def pad_run(part: cst.BaseExpression) -> cst.BaseExpression | None:
        """`[PAD] * (T - len(s))`: the padding value, or None."""
        if isinstance(part, cst.BinaryOperation) and isinstance(part.operator, cst.Multiply):
            for items, count in ((part.left, part.right), (part.right, part.left)):
                if isinstance(items, cst.List) and len(items.elements) == 1 and isinstance(count, cst.BinaryOperation) \
                        and isinstance(count.operator, cst.Subtract) and any(
                            _is_len_call(n) for n in iter_nodes(count.right)):
                    return items.elements[0].value
        return None

    elt = node.elt
    right_pad, left_pad = pad_run(elt.right), pad_run(elt.left)
    if (right_pad is None) == (left_pad is None):
        return None
    fill = right_pad if right_pad is not None else left_pad
    rest = elt.left if right_pad is not None else elt.right
    if isinstance(rest, cst.BinaryOperation) and isinstance(rest.operator, cst.Multiply) \
            and isinstance(rest.left, cst.List) and len(rest.left.elements) == 1:
        # [1] * len(s) + [0] * (T - len(s)): a mask row, 1 (or True) at the real tokens
        real, pad = literal(rest.left.elements[0].value), literal(fill)
        if {real, pad} == {0, 1}:
            return Val(V.MASK, polarity="keep" if real == 1 else "pad")
        return None
    return Val(V.TENSOR, padded=True, strong=True, batch_first=True, origin="canvas", pad=code_of(fill),
               zero_pads=literal(fill) == 0, left=left_pad is not None or None)


def _time_like(node: cst.BaseExpression, ev: Evaluator) -> bool:
    """``T``, ``max_len``, ``x.size(1)``: a size that may be the padded time axis."""
    if is_max_len_name(node):
        return True
    value = ev(node)
    return value is not None and value.kind == V.DIM


def _a_length(node: cst.BaseExpression | None, scope: Scope | None = None) -> bool:
    """``len(s)``, ``lengths[i]``, ``seq_len``, or a name assigned from ``len(...)`` calls
    (``n = len(a) + len(b)``): one sample's length, by how it is written."""
    if _is_len_call(node):
        return True
    if isinstance(node, cst.Name) and scope is not None:
        bound = list(assigned_values(scope, node))
        if bound and all(any(_is_len_call(n) for n in iter_nodes(value)) for value in bound):
            return True
    if isinstance(node, cst.Subscript):
        node = node.value
    name = dotted(node) if node is not None else None
    return name is not None and V.looks_like_lengths(name.rsplit(".", 1)[-1])


def _is_a_mask(value: Val | None) -> bool:
    """A mask this code builds (from lengths, by comparing with the pad id), not one only named so."""
    return value is not None and value.kind == V.MASK and not (value.hint_only or value.named or value.guessed)


def assigned_values(scope: Scope | None, node: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """The right-hand sides assigned to the plain name ``node`` in the function of ``scope``, in
    source order (nothing for another expression or outside a function)."""
    if not isinstance(node, cst.Name) or scope is None or not isinstance(scope.node, cst.FunctionDef):
        return
    for item in nodes_of(scope.node.body, cst.Assign):
        if any(isinstance(t.target, cst.Name) and t.target.value == node.value for t in item.targets):
            yield item.value
            continue
        # inp, tar = t[:, :-1], t[:, 1:]: element by element when both sides are written out
        value = item.value
        for t in item.targets:
            target = t.target
            if isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)) \
                    and len(target.elements) == len(value.elements) and not any(
                        isinstance(e, cst.StarredElement) for e in (*target.elements, *value.elements)):
                for el, part in zip(target.elements, value.elements):
                    if isinstance(el.value, cst.Name) and el.value.value == node.value:
                        yield part.value


def _assigned_value(node: cst.BaseExpression, ev: Evaluator) -> cst.BaseExpression | None:
    """What a plain name was first assigned in the current function (None if not found)."""
    return next(assigned_values(ev.scope, node), None)


_DEVICE_METHODS = ("to", "cuda", "cpu", "long", "float", "int", "bool", "contiguous", "type")


def _batch_of_one(node: cst.BaseExpression) -> bool:
    """``x.unsqueeze(0)`` / ``x.unsqueeze(1)`` / ``x[None]`` / ``x[:, None]`` / ``torch.tensor([[...]])`` /
    ``torch.tensor([len(x)])``: one sample made into a batch."""
    node = through_methods(node, _DEVICE_METHODS)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in ("unsqueeze", "view"):
        shape = [literal(a.value) for a in node.args]
        if shape not in ([0], [1], [1, -1], [-1, 1]):
            return False
        return _built_here(node.func.value)
    if isinstance(node, cst.Subscript):
        parts = [code_of(e.slice).strip() for e in node.slice]
        return parts in (["None"], ["None", ":"], [":", "None"], ["None", "..."]) and _built_here(node.value)
    if isinstance(node, cst.Call) and last_name(node.func) in _TENSOR_BUILDERS and node.args:
        data = node.args[0].value
        return isinstance(data, cst.List) and len(data.elements) == 1 and not isinstance(data.elements[0], cst.StarredElement)
    return False


# where an unknown callee's padded result came from: nothing is known of its pads
_OPAQUE_ORIGINS = ("call", "model", "hidden")
_TENSOR_BUILDERS = ("tensor", "LongTensor", "as_tensor", "from_numpy")
_SHAPE_BUILDERS = ("full", "zeros", "ones", "empty", "new_full", "new_zeros", "new_ones")


def _one_step_column(node: cst.BaseExpression) -> bool:
    """``torch.full((n, 1), BOS)``, ``torch.zeros(1, n)``, ``torch.multinomial(probs, 1)``: one
    time step for each of n sequences (sampling, greedy decoding), so nothing is padded."""
    node = through_methods(node, _DEVICE_METHODS + ("long",))
    if not isinstance(node, cst.Call):
        return False
    name = last_name(node.func)
    if name == "multinomial":
        return literal(arg_value(node, "num_samples", 1)) == 1
    if name not in _SHAPE_BUILDERS or not node.args:
        return False
    first = node.args[0].value
    if isinstance(first, (cst.Tuple, cst.List)):
        shape = [e.value for e in first.elements if not isinstance(e, cst.StarredElement)]
    else:
        shape = [a.value for a in node.args if a.keyword is None]
        if name in ("full", "new_full"):
            return False  # torch.full(size, value): the size is one tuple
    return len(shape) == 2 and 1 in [literal(e) for e in shape]


def _built_here(node: cst.BaseExpression) -> bool:
    """A tensor made from Python data right there (``torch.tensor(ids)``), not a batch."""
    node = through_methods(node, _DEVICE_METHODS)
    return isinstance(node, cst.Call) and last_name(node.func) in _TENSOR_BUILDERS


_NOT_LENGTHS_COLUMN = re.compile(r"start|end|begin|offset|pos|idx|index|shift|bound|cut|split|thresh|prob|rand|score"
                                 r"|ignore|prompt|prefix|window|chunk|step", re.I)


def _stood_up(node: cst.BaseExpression) -> cst.BaseExpression | None:
    """The tensor that ``n[...]`` or ``n.method(...)`` reshapes (None for anything else)."""
    if isinstance(node, cst.Subscript):
        return node.value
    return node.func.value if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) else None


def _per_sample_row(node: cst.BaseExpression) -> bool:
    """``n[None, :]`` / ``n.unsqueeze(0)``: a 1-D tensor laid as a row (time-major masks)."""
    base = _stood_up(node)
    if base is None or _NOT_LENGTHS_COLUMN.search(code_of(base)):
        return False
    if isinstance(node, cst.Subscript) and len(node.slice) == 2:
        first, second = node.slice[0].slice, node.slice[1].slice
        return isinstance(first, cst.Index) and code_of(first.value) == "None" \
            and isinstance(second, cst.Slice) and second.lower is None and second.upper is None
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
        and node.func.attr.value == "unsqueeze" and [code_of(a.value) for a in node.args] == ["0"]


def _per_sample_column(node: cst.BaseExpression, named: bool = True) -> bool:
    """``n[:, None]``, ``n.unsqueeze(1)``, ``n.unsqueeze(-1)``, ``n.view(-1, 1)``: a 1-D tensor
    stood up as a column, one value per sample, to be compared with positions (not named as
    span bounds or offsets: `arange(T)[None] >= start[:, None]` picks a span, not padding)."""
    base = _stood_up(node)
    if base is None or named and _NOT_LENGTHS_COLUMN.search(code_of(base)):
        return False
    if isinstance(node, cst.Subscript) and len(node.slice) == 2:
        first, second = node.slice[0].slice, node.slice[1].slice
        return isinstance(first, cst.Slice) and first.lower is None and first.upper is None \
            and isinstance(second, cst.Index) and code_of(second.value) == "None"
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        args = [code_of(a.value).replace(" ", "") for a in node.args]
        return (node.func.attr.value == "unsqueeze" and args in (["1"], ["-1"])) \
            or (node.func.attr.value in ("view", "reshape") and args == ["-1", "1"])
    return False


_TORCH_COMPARISONS = {
    "torch.lt": cst.LessThan, "torch.less": cst.LessThan, "torch.le": cst.LessThanEqual,
    "torch.less_equal": cst.LessThanEqual, "torch.gt": cst.GreaterThan, "torch.greater": cst.GreaterThan,
    "torch.ge": cst.GreaterThanEqual, "torch.greater_equal": cst.GreaterThanEqual, "torch.eq": cst.Equal,
    "torch.ne": cst.NotEqual, "torch.not_equal": cst.NotEqual,
}


def _unpadded(value: Val) -> Val:
    """A returned value, for a call on a batch of one: its tensors hold no padding (the value
    itself when there is nothing to change)."""
    if value.kind == V.TENSOR and value.padded:
        return value.but(padded=False, strong=False)
    if value.kind == V.TUPLE and value.items:
        items = [_unpadded(item) if item is not None else None for item in value.items]
        if all(new is old for new, old in zip(items, value.items)):
            return value
        return value.but(items=items)
    return value


def _is_staticmethod(function: cst.FunctionDef) -> bool:
    return any(dotted(d.decorator) in ("staticmethod", "builtins.staticmethod") for d in function.decorators)


def _flattened_logits(node: cst.BaseExpression, ev: Evaluator) -> bool:
    """``logits.view(-1, C)`` / ``.reshape(-1, C)`` / ``.flatten(0, 1)``, or a 3-D layout
    ``logits.transpose(1, 2)`` / ``.permute(0, 2, 1)``: token-level logits."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        method = node.func.attr.value
        if method in ("view", "reshape") and node.args and literal(node.args[0].value) == -1:
            return True
        if method in ("flatten", "transpose", "permute"):
            return True
    return any(isinstance(value, cst.Call) and _flattened_logits(value, ev) for value in assigned_values(ev.scope, node))


def _padded_length_expr(node: cst.BaseExpression) -> bool:
    """``T``, ``max_len``, ``max(len(s) for s in seqs)``, ``lengths.max()``: the padded length."""
    if is_max_len_name(node):
        return True
    if isinstance(node, cst.Call):
        if isinstance(node.func, cst.Name) and node.func.value == "max":
            return "len" in code_of(node)
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "max":
            return "len" in code_of(node.func.value).lower()
    return False


def _nested_padded(pad_node: cst.BaseExpression | None) -> Val:
    """A nested tensor made dense: padded, batch first, with the given padding value."""
    return Val(V.TENSOR, padded=True, strong=True, origin="canvas", batch_first=True,
               pad=code_of(pad_node) if pad_node is not None else None,
               zero_pads=pad_node is not None and literal(pad_node) == 0, neg_pads=_very_negative(pad_node))


def last_name(func: cst.BaseExpression) -> str:
    """The called name: ``sort`` of ``x.sort`` and of ``sort``; "" for anything else."""
    return func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""


def _flag(node: cst.BaseExpression) -> bool:
    """A comparison, possibly cast (``(seq != MASK_ID).float()``): a 0/1 flag per position."""
    node = through_methods(node, ("float", "long", "int", "bool", "byte", "half", "type_as", "to"))
    return isinstance(node, cst.Comparison)


def _data_equality(node: cst.BaseExpression) -> bool:
    """``(y == y_hat)``, ``(labels == preds)``: two data tensors compared (a 0/1 score per
    position, such as correct predictions), not a tensor against a pad or special id."""
    node = through_methods(node, ("float", "long", "int", "bool", "byte", "half", "type_as", "to"))
    if not isinstance(node, cst.Comparison) or len(node.comparisons) != 1:
        return False
    if not isinstance(node.comparisons[0].operator, (cst.Equal, cst.NotEqual)):
        return False
    for side in (node.left, node.comparisons[0].comparator):
        name = (dotted(_subscript_base(side)) or "").rsplit(".", 1)[-1]
        if not name or name.isupper() or V.looks_like_pad_value(name) or re.search(r"(?:^|_)(?:id|idx|index|token)s?$|pad", name, re.I):
            return False
    return True


def _predictions(node: cst.BaseExpression) -> bool:
    """``preds``, ``predictions``, ``logits.argmax(-1)``: what a metric compares with the targets."""
    text = code_of(node).lower()
    return "pred" in text or "argmax" in text or ".max(" in text


def _subscript_base(node: cst.BaseExpression) -> cst.BaseExpression:
    while isinstance(node, cst.Subscript):
        node = node.value
    return node


def _token_name(node: cst.BaseExpression) -> bool:
    """Token ids: `tokens`, `input_ids`, `src`, `batch.text`... (compared with 0 = the usual pad id)."""
    path = dotted(node)
    if path is None:
        return False
    last = path.rsplit(".", 1)[-1].lower()
    return any(word in last for word in ("token", "ids", "src", "tgt", "word", "text", "seq", "char")) and not (
        "mask" in last or "len" in last)


def _score_name(node: cst.BaseExpression) -> bool:
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
            and node.func.attr.value in ("squeeze", "unsqueeze", "float", "contiguous", "view", "reshape"):
        node = node.func.value  # energy.squeeze(2) * mask: the same scores, reshaped
    path = dotted(node)
    if path is None:
        return False
    last = path.rsplit(".", 1)[-1].lower()
    return any(word in last for word in ("score", "logit", "energ", "att", "align", "sim"))


def _param_default(scope: Scope | None, node: cst.BaseExpression) -> cst.BaseExpression:
    """``fillvalue`` of ``def zero_padding(l, fillvalue=PAD_token)``: its default, ``PAD_token``
    (the node itself for anything else)."""
    if isinstance(node, cst.Name) and scope is not None and isinstance(scope.node, cst.FunctionDef):
        params = scope.node.params
        for p in [*params.posonly_params, *params.params, *params.kwonly_params]:
            if p.name.value == node.value and p.default is not None:
                return p.default
    return node


def _record_fields(cls: cst.ClassDef) -> list[str] | None:
    """The fields, in order, of a ``@dataclass`` (or attrs ``@define``) or ``NamedTuple`` class
    without an ``__init__`` of its own; None for any other class."""
    decorators = {(dotted(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator) or "")
                  .rsplit(".", 1)[-1] for d in cls.decorators}
    bases = {(dotted(b.value) or "").rsplit(".", 1)[-1] for b in cls.bases}
    if not (decorators & {"dataclass", "define", "frozen", "attrs", "s"} or "NamedTuple" in bases) \
            or _method(cls, "__init__") is not None:
        return None
    return [statement.body[0].target.value for statement in cls.body.body
            if isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.AnnAssign)
            and isinstance(statement.body[0].target, cst.Name)]


_WEIGHT_INITS = frozenset({"normal_", "uniform_", "xavier_normal_", "xavier_uniform_", "kaiming_normal_",
                           "kaiming_uniform_", "trunc_normal_", "orthogonal_"})


def _redraws_embeddings(function: cst.FunctionDef, ev: Evaluator) -> bool:
    """``isinstance(m, nn.Embedding)`` and a random init of ``m.weight`` in one function that
    never mentions ``padding_idx`` (which would put the zero row back)."""
    embedding_test = redraw = False
    for node in nodes_under(function.body):
        if isinstance(node, cst.Name) and node.value == "padding_idx" or \
                isinstance(node, cst.Attribute) and node.attr.value == "padding_idx":
            return False
        if not isinstance(node, cst.Call):
            continue
        if isinstance(node.func, cst.Name) and node.func.value == "isinstance" and len(node.args) == 2:
            classes = node.args[1].value
            options = [e.value for e in classes.elements] if isinstance(classes, cst.Tuple) else [classes]
            embedding_test = embedding_test or any(ev.qualname(c) == EMBEDDING for c in options)
        elif last_name(node.func) in _WEIGHT_INITS:
            # module.weight.data.normal_(0, 0.02) or nn.init.xavier_normal_(module.weight)
            receiver = node.func.value if isinstance(node.func, cst.Attribute) else None
            first = node.args[0].value if node.args else None
            redraw = redraw or any((dotted(t) or "").endswith((".weight", ".weight.data"))
                                   for t in (receiver, first) if t is not None)
    return embedding_test and redraw


def _factory_fields(node: cst.BaseExpression) -> list[str] | None:
    """The field names given to ``namedtuple`` (``"x lengths"``, ``"x, lengths"``, ``["x", "lengths"]``)
    or ``NamedTuple`` (``[("x", Tensor), ...]``)."""
    if isinstance(node, cst.SimpleString):
        return node.evaluated_value.replace(",", " ").split() if isinstance(node.evaluated_value, str) else None
    if not isinstance(node, (cst.List, cst.Tuple)):
        return None
    names = []
    for element in node.elements:
        value = element.value
        if isinstance(value, cst.Tuple) and value.elements:
            value = value.elements[0].value
        if not isinstance(value, cst.SimpleString) or not isinstance(value.evaluated_value, str):
            return None
        names.append(value.evaluated_value)
    return names


def _is_stub(function: cst.FunctionDef) -> bool:
    """A body of nothing but a docstring, ``pass``, ``...`` or ``raise NotImplementedError``."""
    body = function.body.body if isinstance(function.body, cst.IndentedBlock) else [function.body]
    for statement in body:
        items = statement.body if isinstance(statement, cst.SimpleStatementLine) else [statement]
        for item in items:
            if isinstance(item, cst.Pass) or isinstance(item, cst.Expr) and isinstance(
                    item.value, (cst.SimpleString, cst.ConcatenatedString, cst.Ellipsis)):
                continue
            if isinstance(item, cst.Raise) and item.exc is not None and code_of(
                    item.exc.func if isinstance(item.exc, cst.Call) else item.exc) == "NotImplementedError":
                continue
            return False
    return True


def _method(cls: cst.ClassDef | None, name: str) -> cst.FunctionDef | None:
    if cls is None:
        return None
    for statement in cls.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
            return statement
    return None


def _sample_size(elt: cst.BaseExpression, target: cst.BaseExpression) -> bool:
    """``p.shape[0]``, ``p.size(0)`` or ``p.numel()`` of the comprehension's own loop variable."""
    if not isinstance(target, cst.Name):
        return False
    base = None
    if isinstance(elt, cst.Subscript) and isinstance(elt.value, cst.Attribute) and elt.value.attr.value == "shape" \
            and len(elt.slice) == 1 and isinstance(elt.slice[0].slice, cst.Index) and literal(elt.slice[0].slice.value) == 0:
        base = elt.value.value
    elif isinstance(elt, cst.Call) and isinstance(elt.func, cst.Attribute) and (
            (elt.func.attr.value == "size" and len(elt.args) == 1 and literal(elt.args[0].value) == 0)
            or (elt.func.attr.value == "numel" and not elt.args)):
        base = elt.func.value
    return isinstance(base, cst.Name) and base.value == target.value


def _weights(value: Val | None) -> bool:
    """A tensor made from an ``nn.Parameter`` (``self.latents.expand(B, -1, -1)``): never padded,
    which a parameter's guess from its name and siblings must not override."""
    return value is not None and value.kind == V.TENSOR and value.padded is False and value.origin == "weights"


def _unpadded_tensor(value: Val | None) -> bool:
    """A tensor known to hold no padding (learned weights, the patches of an image, a canvas of
    fixed size): handed to a function, it overrules the guess that a parameter beside a mask
    holds padding (a ViT layer's ``attention_mask=None``)."""
    return value is not None and value.kind == V.TENSOR and value.padded is False \
        and value.one_step_axis is None and not value.scores and not value.seen_only


def _interesting(value: Val | None) -> bool:
    """Whether a value is worth carrying into a called function's parameter."""
    if value is None:
        return False
    if value.kind == V.TENSOR:
        return bool(value.padded) or value.one_step_axis is not None
    if value.kind == V.TUPLE:
        return any(_interesting(item) for item in value.items or ())
    if value.kind == V.SEQ:
        return bool(value.on_device) or _interesting(value.item)
    if value.kind == V.DICT:
        return any(_interesting(item) for item in (value.items or {}).values())
    if value.kind == V.MODULE:  # a loss module handed to a training loop: run_epoch(model, loader, loss_fn)
        return value.cls in CLASS_LOSSES or value.cls in ELEMENTWISE_LOSSES
    return value.kind in (V.MASK, V.LENGTHS, V.TOKENIZED, V.PACKED, V.MODEL_OUTPUT, V.INSTANCE)


def flip(mask: Val) -> Val:
    polarity = {"keep": "pad", "pad": "keep"}.get(mask.polarity or "", None)
    # a mask known by its name, inverted on purpose: the author says which way round it is
    return mask.but(polarity=polarity, hf=False, inverted=True if mask.named else None)


def flip_layout(batch_first: bool | None) -> bool | None:
    return None if batch_first is None else not batch_first


# torch.full((B, Q), self.num_labels): DETR's "no object" class, a real class the loss trains
_CLASS_COUNT = re.compile(r"(?:^|[._])(?:num|n)_?(?:labels|classes|class|categories)$|no_?object", re.I)


def _feature_parts(node: cst.Call, method: str, base: Val) -> int:
    """How many pieces ``x.chunk(3, dim=-1)`` / ``x.split([d, d, d], dim=2)`` cut a padded
    (B, T, D) tensor into along its features (0: not known, or not along the features)."""
    dim = literal(arg_value(node, "dim", 1))
    if base.batch_first is None or base.permuted or not (dim == -1 or (dim == 2 and base.batch_first)):
        return 0  # (only where the layout is known: the last axis is then the features)
    first = arg_value(node, "chunks" if method == "chunk" else "split_size_or_sections", 0)
    if method == "chunk":
        count = literal(first)
        return count if isinstance(count, int) and 1 < count <= 8 else 0
    if isinstance(first, (cst.List, cst.Tuple)) and 1 < len(first.elements) <= 8:
        return len(first.elements)
    return 0


def time_axis(v: Val | None) -> int | None:
    if v is None or v.batch_first is None:
        return None
    return 1 if v.batch_first else 0


def is_time_dim(v: Val | None) -> bool:
    """``x.size(1)``/``x.shape[1]`` of a padded batch-first tensor, etc."""
    if v is None or v.kind != V.DIM or not is_padded(v.of):
        return False
    axis = time_axis(v.of)
    if axis is None:
        return v.dim in (0, 1)
    return v.dim == axis


def _mask_factor_codes(node: cst.BaseExpression) -> set[str]:
    """The codes of the factors of a product ``a * b * c`` (parentheses dropped)."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Multiply):
        return _mask_factor_codes(node.left) | _mask_factor_codes(node.right)
    return {code_of(node).strip("() ").replace(" ", "")}


def _complement_shaped(node: cst.BaseExpression) -> bool:
    """A factor that can be the complement of a mask: ``1 - m``, ``~m``, ``m.logical_not()``."""
    if isinstance(node, cst.BinaryOperation):
        if isinstance(node.operator, cst.Multiply):
            return _complement_shaped(node.left) or _complement_shaped(node.right)
        return isinstance(node.operator, cst.Subtract) and literal(node.left) == 1
    if isinstance(node, cst.UnaryOperation):
        return isinstance(node.operator, cst.BitInvert)
    return isinstance(node, cst.Call) and last_name(node.func) == "logical_not"


def _complementary_masks(left: cst.BaseExpression, right: cst.BaseExpression) -> bool:
    """``m * x + (1 - m) * y`` (also ``~m``, ``m.logical_not()``): the two terms cover every position."""
    if not (_complement_shaped(left) or _complement_shaped(right)):
        return False  # (an addition of anything else: no code to generate on this hot path)
    a, b = _mask_factor_codes(left), _mask_factor_codes(right)
    for x, y in ((a, b), (b, a)):
        for code in x:
            if any(other in (f"1-{code}", f"1.-{code}", f"1.0-{code}", f"~{code}", f"{code}.logical_not()")
                   for other in y):
                return True
    return False


def _scores_one_per_position(module: Val, ev: Evaluator) -> bool:
    """``nn.Linear(d, 1)``, or a position-wise ``nn.Sequential`` that ends in one: a module that
    maps each position's vector to one number (an attention score)."""
    construct = module.node
    if not isinstance(construct, cst.Call):
        return False
    if module.cls == "torch.nn.Sequential" and module.positionwise:
        layers = [a.value for a in construct.args if a.keyword is None]
        if not layers or not isinstance(layers[-1], cst.Call) or ev.qualname(layers[-1].func) != "torch.nn.Linear":
            return False
        construct = layers[-1]
    elif module.cls != "torch.nn.Linear":
        return False
    return literal(arg_value(construct, "out_features", 1)) == 1


_TRANSPOSED = re.compile(r"\.(?:transpose\((?:1,2|2,1|-1,-2|-2,-1)\)|permute\(0,2,1\)|mT)$")
_COLUMN = re.compile(r"\.unsqueeze\((?:dim=)?(?:-1|2)\)$|\[(?:\.\.\.|:,:),None\]$")


def _einsum_time(nodes: list[cst.BaseExpression], vals: list[Val | None]) -> Val | None:
    """``einsum("nl,nld->nd", alpha, h)`` with ``h`` padded along ``l``: the padded axis is summed
    away, so the result holds no padded positions (whether the weights were masked is the
    softmax's business, not this product's). None: nothing known to say."""
    equation = literal(nodes[0]) if nodes else None
    if not isinstance(equation, str) or "->" not in equation or "..." in equation:
        return None
    inputs, output = equation.replace(" ", "").split("->")
    specs = inputs.split(",")
    if len(specs) != len(nodes) - 1:
        return None
    letters = []
    for spec, val in zip(specs, vals[1:]):
        axis = time_axis(val) if V.is_padded(val) and val.kind == V.TENSOR else None
        if axis is not None and axis < len(spec):
            letters.append(spec[axis])
    if not letters or any(letter in output for letter in letters):
        return None
    return Val(V.TENSOR, padded=False)


def _einsum_shape(nodes: list[cst.BaseExpression], vals: list[Val | None]) -> dict[str, bool]:
    """``einsum("bqd,bkd->bqk", q, k)`` with ``k`` strongly padded along ``k``: the last axis of
    the scores runs over padded keys; ``einsum("btd,d->bt", h, w)``: one score per position."""
    equation = literal(nodes[0]) if nodes else None
    if not isinstance(equation, str) or "->" not in equation or "..." in equation:
        return {}
    inputs, output = equation.replace(" ", "").split("->")
    specs = inputs.split(",")
    if len(specs) != len(nodes) - 1 or not output:
        return {}
    for spec, val in zip(specs, vals[1:]):
        axis = time_axis(val) if V.is_strongly_padded(val) else None
        if axis is None or axis >= len(spec) or spec[axis] != output[-1]:
            continue
        return {"tlast": True} if len(output) == 2 else {"skeys": True}
    return {}


_ONE_ROW = re.compile(r"\.unsqueeze\((?:dim=)?(?:1|-2)\)$|\[:,None(?:,:)?\]$")


def _pooled_by_product(nodes: list[cst.BaseExpression], vals: list[Val | None], ev: Evaluator) -> bool:
    """``bmm(weights.unsqueeze(1), h)`` / ``weights[:, None] @ h`` with ``h`` a padded (B, T, H)
    batch: one row of weights times the sequence sums its time axis away (attention pooling).
    So does ``bmm(weights.transpose(1, 2), h)`` with ``weights`` one score per position, (B, T, 1).
    The result holds no padded positions; whether the weights left the padding out is the
    softmax's question."""
    second = vals[1]
    if second is None or second.kind != V.TENSOR or not V.is_padded(second) or second.batch_first is False:
        return False
    if _TRANSPOSED.search(code_of(nodes[1]).replace(" ", "")) is not None:
        return False
    first = code_of(nodes[0]).replace(" ", "")
    if _ONE_ROW.search(first) is not None:
        return True
    if _TRANSPOSED.search(first) is None:
        return False
    column = nodes[0].value if isinstance(nodes[0], cst.Attribute) else (
        nodes[0].func.value if isinstance(nodes[0], cst.Call) and isinstance(nodes[0].func, cst.Attribute) else None)
    scores = ev(column) if column is not None else None
    return scores is not None and bool(scores.feat1)


def _product_shape(nodes: list[cst.BaseExpression], vals: list[Val | None]) -> dict[str, bool]:
    """What a matrix product of a padded (B, T, D) sequence says about its axes: times a column
    (``bmm(h, q.unsqueeze(2))``) it is one score per position, (B, T, 1); times a padded
    sequence transposed (``q @ k.transpose(1, 2)``) its last axis runs over the padded keys."""
    if len(nodes) == 2 and _weights(vals[1]) and V.is_padded(vals[0]) and vals[0].batch_first is not None \
            and (vals[0].strong or vals[0].origin == "rnn"):
        # (B, T, D) @ a learned context vector or matrix (HAN's `tanh(h) @ self.u`): one score
        # (or a few) per position, the time axis stays where it was (time-major (T, B, D) too)
        return {"feat1": True}
    if len(nodes) != 2 or not (V.is_strongly_padded(vals[0]) or V.is_strongly_padded(vals[1])):
        return {}
    second = code_of(nodes[1]).replace(" ", "")
    if V.is_strongly_padded(vals[0]) and _COLUMN.search(second):
        return {"feat1": True}
    if V.is_strongly_padded(vals[1]) and _TRANSPOSED.search(second):
        return {"skeys": True}
    if V.is_strongly_padded(vals[0]) and vals[0].batch_first and not V.is_strongly_padded(vals[1]) \
            and _TRANSPOSED.search(second):
        # Luong's dot score, bmm(enc_out, query.transpose(1, 2)) with a (B, 1, H) query: a
        # column again, one score per encoder position, the padded time axis still at 1
        return {"feat1": True}
    return {}


def returned_names(function: cst.FunctionDef) -> list[str] | None:
    """``a, b, c`` of a function whose every ``return`` (outside nested definitions) is that
    same tuple of plain names; None otherwise."""
    found: list[list[str]] = []

    class _Returns(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return node is function

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return False

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

        def visit_Return(self, node: cst.Return) -> None:
            value = node.value
            if isinstance(value, cst.Tuple) and all(isinstance(e.value, cst.Name) and not isinstance(
                    e, cst.StarredElement) for e in value.elements):
                found.append([e.value.value for e in value.elements])
            else:
                found.append([])

    function.visit(_Returns())
    if not found or not found[0] or any(names != found[0] for names in found):
        return None
    return found[0]


# A length mask's shape, where it is plain from how it was built: (rank, time axis counted
# from the right). `arange(T)[None, :] < lengths[:, None]` is (B, T): (2, -1); the time-major
# `arange(T)[:, None] < lengths[None, :]` is (T, B): (2, -2). Broadcasting lines shapes up from
# the right, so a tensor multiplied by the mask has its time axis at the same negative index.
_AXIS0 = ("[:,None]", "unsqueeze(1)", "unsqueeze(-1)", "unsqueeze(dim=1)", "unsqueeze(dim=-1)")
_AXIS1 = ("[None,:]", "[None]", "unsqueeze(0)", "unsqueeze(dim=0)")


def _length_mask_axes(arange_node: cst.BaseExpression, lengths_node: cst.BaseExpression) -> tuple[int, int] | None:
    def tail(node: cst.BaseExpression) -> str:
        if isinstance(node, cst.Subscript):
            return "[" + ",".join(code_of(e.slice).strip() for e in node.slice) + "]"
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value != "arange":
            return code_of(node.func.attr) + "(" + code_of(node).split("(", 1)[-1].replace(" ", "")
        return ""

    a, n = tail(arange_node).replace(" ", ""), tail(lengths_node).replace(" ", "")
    if a in _AXIS1 or (a == "" and n in _AXIS0) or (a.startswith("expand(") and n in _AXIS0):
        return (2, -1)  # arange along the last axis: (B, T)
    if a in _AXIS0 and n in _AXIS1 + ("",):
        return (2, -2)  # arange along the first axis: (T, B)
    return None


def _unsqueezed(axes: tuple[int, int], dim: int) -> tuple[int, int] | None:
    """The (rank, time axis from the right) of ``mask.unsqueeze(dim)``."""
    rank, time = axes
    if not -rank - 1 <= dim <= rank:
        return None
    at = dim if dim >= 0 else rank + 1 + dim  # where the new axis lands
    pos = rank + time  # the time axis counted from the left
    if at <= pos:
        pos += 1
    return (rank + 1, pos - (rank + 1))


def _reindexed(axes: tuple[int, int], elements: Sequence[cst.SubscriptElement]) -> tuple[int, int] | None:
    """``mask[:, None]``, ``mask[..., None]``, ``mask[:, None, :]``: only full slices, ``None``s and one
    ``...``; anything else (an index, a slice with bounds) and the shape is not followed."""
    rank, time = axes
    pos = rank + time
    kinds = []
    for element in elements:
        sl = element.slice
        if isinstance(sl, cst.Slice) and sl.lower is None and sl.upper is None and sl.step is None:
            kinds.append(":")
        elif isinstance(sl, cst.Index) and isinstance(sl.value, cst.Name) and sl.value.value == "None":
            kinds.append("N")
        elif isinstance(sl, cst.Index) and isinstance(sl.value, cst.Ellipsis):
            kinds.append("E")
        else:
            return None
    if kinds.count("E") > 1 or kinds.count(":") > rank:
        return None
    if "E" in kinds:
        i = kinds.index("E")
        kinds[i:i + 1] = [":"] * (rank - kinds.count(":"))
    else:
        kinds += [":"] * (rank - kinds.count(":"))
    seen, new_pos = 0, None
    for i, k in enumerate(kinds):
        if k == ":":
            if seen == pos:
                new_pos = i
            seen += 1
    if new_pos is None:
        return None
    return (len(kinds), new_pos - len(kinds))


def _broadcast_over_last(node: cst.BaseExpression, scope: Scope | None, depth: int = 0) -> bool:
    """A mask given a trailing axis of 1 to broadcast over features: ``mask.unsqueeze(-1)``,
    ``mask[..., None]``, ``mask[:, :, None]``, ``mask.view(B, N, 1)`` (also through a name)."""
    node = through_methods(node, ("to", "float", "type_as", "half", "bool", "long", "int", "detach"))
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        args = [a.value for a in node.args if a.keyword is None or a.keyword.value == "dim"]
        if node.func.attr.value == "unsqueeze" and args and literal(args[-1]) == -1:
            return True
        if node.func.attr.value == "unsqueeze" and args and literal(args[-1]) == 2 and _plain_2d_mask(node.func.value, scope):
            return True  # span_mask.unsqueeze(2) of a (batch, time) mask
        if node.func.attr.value in ("view", "reshape") and args and literal(args[-1]) == 1:
            return True
    if isinstance(node, cst.Subscript) and node.slice:
        last = node.slice[-1].slice
        return isinstance(last, cst.Index) and isinstance(last.value, cst.Name) and last.value.value == "None"
    if isinstance(node, cst.Name) and depth == 0:
        return any(_broadcast_over_last(v, scope, 1) for v in assigned_values(scope, node))
    return False


def _one_row_cut(node: cst.Subscript) -> bool:
    """``x[b:b + 1, :k]``: one row of the batch (a slice ``i:i + 1``) and a prefix of its time axis
    up to a bound that is not the padded size (``:k``, not ``:x.size(1)``)."""
    if len(node.slice) < 2:
        return False
    rows, steps = node.slice[0].slice, node.slice[1].slice
    if not (isinstance(rows, cst.Slice) and rows.lower is not None and isinstance(rows.upper, cst.BinaryOperation)
            and isinstance(rows.upper.operator, cst.Add) and _is_int_literal(rows.upper.right, 1)
            and code_of(rows.upper.left) == code_of(rows.lower) and rows.step is None):
        return False
    return isinstance(steps, cst.Slice) and steps.lower is None and isinstance(steps.upper, cst.Name)


def batch_axis_added(node: cst.BaseExpression) -> bool:
    """``x.unsqueeze(0)`` or ``x[None]`` (``x[None, ...]``): a new leading axis of size 1."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "unsqueeze":
        args = [a.value for a in node.args if a.keyword is None or a.keyword.value == "dim"]
        return len(args) == 1 and literal(args[0]) == 0
    if isinstance(node, cst.Subscript) and node.slice and isinstance(node.slice[0].slice, cst.Index):
        return code_of(node.slice[0].slice.value) == "None"
    return False


def _shape_dims(call: cst.Call) -> list[cst.BaseExpression]:
    """The sizes ``x.view(a, b, c)`` / ``x.reshape((a, b, c))`` asks for, as written."""
    args = [a for a in call.args if a.keyword is None]
    if len(args) == 1 and isinstance(args[0].value, (cst.Tuple, cst.List)):
        return [el.value for el in args[0].value.elements]
    return [a.value for a in args]


def _shape_rank(call: cst.Call) -> int:
    """How many axes ``x.view(a, b, c)`` / ``x.reshape((a, b, c))`` asks for (0 if unknown)."""
    args = [a for a in call.args if a.keyword is None]
    if len(args) == 1 and isinstance(args[0].value, (cst.Tuple, cst.List)):
        return len(args[0].value.elements)
    return len(args) if not any(a.star for a in args) else 0


def literal_dims(node: cst.BaseExpression) -> set[int] | None:
    """The axes a ``dim=`` argument names (an int or a tuple/list of ints), or None."""
    value = literal(node)
    if isinstance(value, int) and not isinstance(value, bool):
        return {value}
    if isinstance(node, (cst.Tuple, cst.List)):
        out = set()
        for el in node.elements:
            item = literal(el.value)
            if not isinstance(item, int):
                return None
            out.add(item)
        return out
    return None


def is_max_len_name(node: cst.BaseExpression) -> bool:
    path = dotted(node)
    return path is not None and V.looks_like_max_len(path.rsplit(".", 1)[-1])


def _is_int_literal(node: cst.BaseExpression | None, value: int) -> bool:
    lit = literal(node)
    return isinstance(lit, (int, float)) and not isinstance(lit, bool) and lit == value


def _mask_compared(mask: Val | None, other: cst.BaseExpression | None, is_eq: bool) -> Val | None:
    """``mask == 0`` / ``mask != 1`` / ``mask.eq(False)``: the mask, flipped or not."""
    if mask is None or mask.kind != V.MASK or other is None:
        return None
    if _is_int_literal(other, 0) or literal(other) is False:
        return flip(mask) if is_eq else mask
    if _is_int_literal(other, 1) or literal(other) is True:
        return mask if is_eq else flip(mask)
    return None


def _pad_compared(tensor: Val | None, other: cst.BaseExpression | None, is_eq: bool) -> Val | None:
    """``ids == pad_id`` / ``ids.ne(self.pad_idx)``: a padding mask (``==``) or a keep-mask."""
    if _is_pad_value(other, tensor) and (tensor is None or tensor.kind == V.TENSOR):
        return Val(V.MASK, polarity="pad" if is_eq else "keep")
    return None


def _pad_compared_params(function: cst.FunctionDef, memo: dict) -> dict[str, str]:
    """The names that ``function`` compares with a pad id (``src == self.pad_id``,
    ``ids.ne(PAD)``, ``tokens != pad_idx``), each with the first pad id it meets, as written."""
    key = ("pad-compared", id(function))
    found = memo.get(key)
    if found is not None:
        return found
    found = {}
    for item in nodes_of(function.body, cst.Comparison):
        if isinstance(item.left, cst.Name) and len(item.comparisons) == 1 \
                and isinstance(item.comparisons[0].operator, (cst.Equal, cst.NotEqual)):
            other = item.comparisons[0].comparator
            path = dotted(other)
            if path is not None and V.looks_like_pad_value(path):
                found.setdefault(item.left.value, code_of(other))
    for call in nodes_of(function.body, cst.Call):
        if isinstance(call.func, cst.Attribute) and call.func.attr.value in ("eq", "ne") \
                and isinstance(call.func.value, cst.Name) and len(call.args) == 1:
            path = dotted(call.args[0].value)
            if path is not None and V.looks_like_pad_value(path):
                found.setdefault(call.func.value.value, code_of(call.args[0].value))
    memo[key] = found
    return found


def _is_pad_value(node: cst.BaseExpression | None, tensor: Val | None) -> bool:
    if node is None:
        return False
    path = dotted(node)
    if path is not None and V.looks_like_pad_value(path):
        return True
    if path is not None and re.search(r"ignore_?(?:index|idx|id)$", path, re.IGNORECASE) or literal(node) == -100:
        return True  # labels != ignore_index / labels != -100: the targets' padding (the loss skips it)
    if tensor is not None and tensor.kind == V.TENSOR and tensor.padded and tensor.pad is not None:
        return code_of(node) == tensor.pad
    return False


def _reshaped_base(node: cst.BaseExpression) -> cst.BaseExpression:
    """What ``x[None, :].unsqueeze(0).expand(B, -1).to(device)`` indexes and reshapes: ``x``."""
    node = _subscript_base(node)
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in (
        "unsqueeze", "expand", "to", "view", "repeat", "type_as", "cuda", "long", "expand_as", "reshape"
    ):
        node = _subscript_base(node.func.value)
    return node


def _is_arange(node: cst.BaseExpression, ev: Evaluator) -> bool:
    node = _reshaped_base(node)
    if isinstance(node, cst.Call):
        qual = ev.qualname(node.func)
        return qual == "torch.arange" or (isinstance(node.func, cst.Name) and node.func.value in ("range", "arange"))
    value = ev(node)
    return value is not None and value.kind == V.TENSOR and bool(value.arange)


def _without_bias(module: Val) -> bool:
    """``nn.Linear(d, h, bias=False)`` (or ``Conv1d``): zeros in, zeros out."""
    bias = (module.kwargs or {}).get("bias")
    return module.cls in ("torch.nn.Linear", "torch.nn.Conv1d") and bias is not None and literal(bias) is False


_ZERO_KEEPING_MODULES = {f"torch.nn.{name}" for name in (
    "Dropout", "Dropout1d", "Dropout2d", "Identity", "ReLU", "ReLU6", "LeakyReLU", "GELU", "Tanh", "SiLU", "ELU",
    "Hardtanh", "Softsign", "Tanhshrink", "Mish")}


def _python_scalar(node: cst.BaseExpression, ev: Evaluator) -> bool:
    """``math.sqrt(d)``, ``self.d_model ** 0.5``, ``x.size(-1) ** -0.5``, ``2.0 / d``: a number,
    not a tensor of weights (a product with it keeps a sum over time a plain sum)."""
    if is_literal(node):
        return True
    if isinstance(node, cst.Call):
        return (ev.qualname(node.func) or "").startswith("math.")
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Power, cst.Divide, cst.Multiply)):
        sides = (node.left, node.right)
        value = [ev(side) for side in sides]
        return all(is_literal(side) or _python_scalar(side, ev) or (v is not None and v.kind in (V.DIM, V.CONST))
                   or (isinstance(side, cst.Attribute) and v is None and isinstance(side.value, cst.Name)
                       and side.value.value == "self" and not _score_name(side))
                   for side, v in zip(sides, value)) and any(is_literal(side) or _python_scalar(side, ev)
                                                             for side in sides)
    return False


def _point_at(value: Val | None, synthetic: cst.CSTNode, real: cst.CSTNode) -> Val | None:
    """Facts that name a node built only to evaluate an in-place form (`x.masked_fill_(...)`,
    `x *= m`) name the statement the user wrote instead, so that findings have a place."""
    if value is None:
        return None
    moved = {k: real for k, v in value.attrs.items() if v is synthetic}
    return value.but(**moved) if moved else value


def _moves_every_item(node: cst.BaseExpression | None) -> bool:
    """``tuple(t.to(device) for t in batch)``, ``list(map(lambda t: t.cuda(), batch))``,
    ``[t.to(device) for t in batch]``: every item of a batch moved to the accelerator."""
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value in ("tuple", "list") \
            and len(node.args) == 1:
        node = node.args[0].value
    elt = None
    if isinstance(node, (cst.GeneratorExp, cst.ListComp)):
        elt = node.elt
    elif isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "map" and node.args \
            and isinstance(node.args[0].value, cst.Lambda):
        elt = node.args[0].value.body
    return _device_move(elt)


def _device_move(node: cst.BaseExpression | None) -> bool:
    """``x.cuda()`` / ``x.to(device)`` (not ``x.to(torch.long)``)."""
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
        and node.func.attr.value in ("cuda", "to") and _moves_to_device(node)


_OWN_MASK = {"torch.nn.TransformerEncoder": "src_key_padding_mask",
             "torch.nn.TransformerEncoderLayer": "src_key_padding_mask",
             "torch.nn.TransformerDecoder": "tgt_key_padding_mask",
             "torch.nn.TransformerDecoderLayer": "tgt_key_padding_mask",
             "torch.nn.Transformer": "tgt_key_padding_mask",
             "torch.nn.MultiheadAttention": "key_padding_mask"}


def _own_padding_mask(call: cst.Call, cls: str) -> bool:
    """The attention call is handed a padding mask for the rows it returns (``src_key_padding_mask``
    of an encoder, ``key_padding_mask`` of a self-attention whose query is its key)."""
    word = _OWN_MASK.get(cls)
    mask = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == word), None)
    if mask is None or literal(mask) is None and code_of(mask).strip() == "None":
        return False
    if cls == "torch.nn.MultiheadAttention":
        query, key = arg_value(call, "query", 0), arg_value(call, "key", 1)
        return query is not None and key is not None and code_of(query).strip() == code_of(key).strip()
    return True


_CREATORS = frozenset({"torch.tensor", "torch.as_tensor", "torch.LongTensor", "torch.full", "torch.ones",
                       "torch.zeros", "torch.arange", "torch.randint", "torch.empty"})


def _created_on_device(node: cst.BaseExpression | None) -> bool:
    """``torch.tensor(..., device=self.device)`` / ``torch.full(..., device="cuda")``: a tensor
    made on the accelerator (not ``device="cpu"`` or ``device=torch.device("cpu")``)."""
    if not isinstance(node, cst.Call) or dotted(node.func) not in _CREATORS:
        return False
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == "device":
            return _names_an_accelerator(_device_call_arg(arg.value))
    return False


def _device_call_arg(value: cst.BaseExpression) -> cst.BaseExpression:
    """What ``torch.device(x)`` is made from (``x``); any other expression as it is."""
    if isinstance(value, cst.Call) and dotted(value.func) in ("torch.device", "device") and value.args:
        return value.args[0].value
    return value


def _names_an_accelerator(value: cst.BaseExpression) -> bool:
    """``"cuda:0"`` / ``"mps"``, or a name that holds a device: ``device``, ``x.device``, ``gpu``,
    ``local_rank``."""
    lit = literal(value)
    if isinstance(lit, str):
        return lit.startswith("cuda") or lit.startswith("mps") or lit.startswith("xpu")
    last = (dotted(value) or "").rsplit(".", 1)[-1].lower()
    return "device" in last or last in ("dev", "gpu", "rank", "local_rank")


def _moves_to_cpu(call: cst.Call) -> bool:
    """``.to("cpu")``, ``.to(device="cpu")``, ``.to(torch.device("cpu"), non_blocking=True)``."""
    for arg in call.args:
        if arg.keyword is None or arg.keyword.value == "device":
            lit = literal(_device_call_arg(arg.value))
            return isinstance(lit, str) and lit.split(":")[0] == "cpu"
    return False


def _moves_to_device(call: cst.Call) -> bool:
    """``.to(device)``/``.to("cuda")``/``.to(x.device)`` -- not ``.to(torch.long)``."""
    if not isinstance(call.func, cst.Attribute):
        return False
    if call.func.attr.value == "cuda":
        return True
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "device":
            return literal(arg.value) not in ("cpu",)
        if arg.keyword is None:
            return _names_an_accelerator(arg.value)
    return False


def is_weak_fill(node: cst.BaseExpression | None) -> bool:
    """0, a tiny number, or +inf as the fill for masked attention scores."""
    value = literal(node)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
            inner = literal(node.expression)
            return isinstance(inner, float) and inner == float("-inf")  # -float('-inf') is +inf
        return False
    return value == 0 or abs(value) < 1e-3 or value == float("inf")


def _zero_fill(node: cst.BaseExpression | None) -> bool:
    """A weak fill value for ``torch.where``: a weak literal, ``torch.zeros_like(x)``,
    ``x.new_zeros(...)``, ``torch.tensor(0.0)``."""
    if node is None:
        return False
    if is_weak_fill(node):
        return True
    if isinstance(node, cst.Call):
        name = last_name(node.func)
        if name in ("zeros_like", "new_zeros", "zeros"):
            return True
        if name in ("tensor", "new_tensor") and node.args and node.args[0].keyword is None:
            return is_weak_fill(node.args[0].value)
    return False


def is_weak_number(value: float) -> bool:
    """0, a tiny number, or any positive number: none of them takes a score out of a softmax."""
    return value >= 0 or abs(value) < 1e-3


def is_strong_fill(node: cst.BaseExpression | None, ev: Evaluator) -> bool:
    value = literal(node)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value <= -1e3
    return True  # finfo.min, -inf expressions, names: assume the author chose well


_COUNT_WRAPPERS = {"clamp", "clamp_min", "float", "double", "half", "to", "type_as", "unsqueeze", "view",
                   "reshape", "expand_as", "long", "int"}


def _strip_casts(node: cst.BaseExpression, ev: Evaluator) -> cst.BaseExpression:
    """``mask.sum(-1).clamp(min=1).float()`` -> ``mask.sum(-1)``; ``torch.clamp(n, min=1)`` -> ``n``."""
    while isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _COUNT_WRAPPERS:
            node = func.value
        elif ev.qualname(func) in ("torch.clamp", "torch.clamp_min") and node.args:
            node = node.args[0].value
        else:
            break
    return node


def same_factor_mean(node: cst.BinaryOperation, ev: Any) -> cst.Call | None:
    """``(loss * valid).sum() / valid.sum()``: the numerator's sum when one factor of the summed
    product is what the denominator sums -- a masked mean, whatever ``valid`` is known as.
    ``ev`` is anything with a ``qualname`` (the evaluator, a rule's Context)."""
    if not isinstance(node.operator, cst.Divide):
        return None
    left = _strip_casts(node.left, ev)
    summed = _summed(left, ev)
    counted = _summed(_strip_casts(node.right, ev), ev)
    if summed is None or counted is None or not isinstance(left, cst.Call):
        return None
    inner = through_methods(summed, _COUNT_WRAPPERS)
    if not (isinstance(inner, cst.BinaryOperation) and isinstance(inner.operator, cst.Multiply)):
        return None
    mask_code = code_of(_strip_casts(counted, ev))
    if mask_code in (code_of(_strip_casts(inner.left, ev)), code_of(_strip_casts(inner.right, ev))):
        return left
    return None


def _sums_over_a_dim(node: cst.BaseExpression) -> bool:
    """``x.sum(dim=...)`` / ``x.sum(-1)`` / ``torch.sum(x, 1)``: a sum that keeps the batch axis."""
    node = through_methods(node, _COUNT_WRAPPERS)
    if not isinstance(node, cst.Call):
        return False
    positional = [a for a in node.args if a.keyword is None]
    is_method = isinstance(node.func, cst.Attribute) and node.func.attr.value in ("sum", "nansum")
    return any(a.keyword is not None and a.keyword.value == "dim" for a in node.args) or (
        len(positional) >= (1 if is_method else 2))


def _summed(node: cst.BaseExpression | None, ev: Evaluator) -> cst.BaseExpression | None:
    """What ``x.sum(...)`` or ``torch.sum(x, ...)`` sums, else None."""
    if not isinstance(node, cst.Call):
        return None
    func = node.func
    if isinstance(func, cst.Attribute) and func.attr.value in ("sum", "nansum") and ev.qualname(func) is None:
        return func.value
    if ev.qualname(func) in ("torch.sum", "torch.nansum") and node.args:
        return node.args[0].value
    return None


def _reduced_to_samples(node: cst.BaseExpression, scope: Scope | None, depth: int = 0) -> bool:
    """``x.mean([1, 2])`` / ``torch.sum(x, dim=(1, 2))`` (here or where the name was assigned): a
    reduction over several axes at once, which leaves one value per sample, not per step."""
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("mean", "sum"):
            positional = [a.value for a in node.args if a.keyword is None]
            # x.mean([1, 2]) / x.mean(dim=(1, 2)), or torch.mean(x, (1, 2))
            candidates = [arg_value(node, "dim", 0), *positional[1:2]]
            if any(isinstance(d, (cst.List, cst.Tuple)) and len(d.elements) >= 2 for d in candidates):
                return True
            if not node.args and isinstance(func.value, cst.Call):
                return True  # f(...).mean(): one value
        name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        if name.endswith("_loss") or name in ("cross_entropy", "nll_loss", "binary_cross_entropy_with_logits"):
            reduction = arg_value(node, "reduction", None)
            return reduction is None or literal(reduction) in ("mean", "sum")  # a reduced loss: one value
        return False
    if isinstance(node, cst.Name) and depth == 0:
        values = _assigned_before(scope, node)
        return bool(values) and all(_reduced_to_samples(v, scope, 1) for v in values)
    return False


def _packed_with(function: cst.FunctionDef, names: list[str], ev: Evaluator) -> set[str]:
    """Parameters handed to ``pack_padded_sequence`` as its lengths (``forward(self, ids, n_tok)``
    with ``pack_padded_sequence(emb, n_tok, ...)``): lengths, whatever their name."""
    found: set[str] = set()
    for item in nodes_of(function.body, cst.Call):
        if ev.qualname(item.func) == PACK:
            lengths = through_methods(arg_value(item, "lengths", 1), _DEVICE_METHODS)
            if isinstance(lengths, cst.Name) and lengths.value in names:
                found.add(lengths.value)
    return found


def _compared_with_positions(function: cst.FunctionDef, names: list[str], ev: Evaluator) -> set[str]:
    """Parameters compared, one value per sample, with the positions of the time axis
    (``arange(T)[None, :] < n_visits[:, None]``, ``pos >= lens.unsqueeze(1)``): the lengths of
    a padded batch, whatever their name."""
    found: set[str] = set()
    scope = Scope("function", function.name.value, function)
    for item in nodes_of(function.body, cst.Comparison):
        if len(item.comparisons) != 1 or not isinstance(
                item.comparisons[0].operator, (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)):
            continue
        right = item.comparisons[0].comparator
        for positions, other in ((item.left, right), (right, item.left)):
            base = through_methods(_stood_up(other), _DEVICE_METHODS)
            if isinstance(base, cst.Name) and base.value in names and not V.looks_like_max_len(base.value) \
                    and _per_sample_column(other) and _positions_of_time(positions, scope, ev):
                found.add(base.value)
    return found


def _positions_of_time(node: cst.BaseExpression, scope: Scope, ev: Evaluator) -> bool:
    """``torch.arange(T)`` (indexed, unsqueezed, expanded), or a name every assignment of which
    in the function is one."""
    if _is_arange(node, ev):
        return True
    found = list(assigned_values(scope, _reshaped_base(node)))
    return bool(found) and all(_is_arange(value, ev) for value in found)


def _per_sample_masks(function: cst.FunctionDef, names: list[str]) -> set[str]:
    """Mask parameters used only to weight one value per sample (``(loss.mean([1, 2]) * mask)``,
    ESPnet's quantizer-dropout mask of shape (batch,)): they say nothing of padding."""
    if not names:
        return set()
    uses: dict[str, int] = {}
    weighting: dict[str, int] = {}
    scope = Scope("function", function.name.value, function)
    for item in nodes_of(function.body, cst.Name):
        if item.value in names:
            uses[item.value] = uses.get(item.value, 0) + 1
    for item in nodes_of(function.body, cst.BinaryOperation):
        if isinstance(item.operator, cst.Multiply):
            for mask, other in ((item.left, item.right), (item.right, item.left)):
                if isinstance(mask, cst.Name) and mask.value in names and _reduced_to_samples(other, scope):
                    weighting[mask.value] = weighting.get(mask.value, 0) + 1
    return {name for name, n in weighting.items() if n == uses.get(name)}


# `hidden` / `states` beside a mask or lengths (with no default: not an RNN's initial state) are
# (batch, time, features) encoder states: `def pool(hidden, attention_mask)`.
_STATES_AS_DATA = frozenset({"hidden", "states", "hiddens"})
# a parameter named for one vector per token (not a pooled summary)
_PER_TOKEN_NAME = re.compile(
    r"^(?:token|word|subword|char)_?(?:emb|embs|embeds|embeddings|vecs|vectors|reps|representations|states|hiddens?"
    r"|features|feats)$|^(?:hidden_states|last_hidden_states?|sequence_outputs?|seq_outputs?|encoder_hidden_states)$",
    re.IGNORECASE)


def _assigned_before(scope: Scope | None, use: cst.Name) -> list[cst.BaseExpression]:
    """What the plain name ``use`` was assigned in its function before this use of it, in source
    order (a later branch's `x = ...` is not what this use reads)."""
    if scope is None or not isinstance(scope.node, cst.FunctionDef):
        return []
    values = []
    for item in nodes_under(scope.node.body):
        if item is use:
            break
        if isinstance(item, cst.Assign) and any(
                isinstance(t.target, cst.Name) and t.target.value == use.value for t in item.targets):
            values.append(item.value)
    return values


def _plain_2d_mask(node: cst.BaseExpression, scope: Scope | None) -> bool:
    """A mask read as (batch, time): a name (through dtype casts) not given extra axes where it
    was made (``m = mask.unsqueeze(1)`` / ``m = mask[:, None]`` / ``.view(...)`` are not)."""
    node = through_methods(node, ("to", "float", "type_as", "half", "bool", "long", "int", "detach"))
    if not isinstance(node, cst.Name):
        return False
    for value in assigned_values(scope, node):
        for sub in iter_nodes(value):
            if isinstance(sub, cst.Call) and isinstance(sub.func, cst.Attribute) \
                    and sub.func.attr.value in ("unsqueeze", "view", "reshape", "expand", "repeat", "permute"):
                return False
            if isinstance(sub, cst.Name) and sub.value == "None":
                return False
    return True


def _one_step(node: cst.BaseExpression | None, rnn: dict | None, data: Val | None = None) -> bool:
    """``rnn(x.unsqueeze(1), h)`` (or ``step = x.unsqueeze(1); rnn(step, h)``): one time step fed
    at a time (a decoding loop): the RNN runs over no padding inside the call."""
    if data is not None and data.one_step_axis is not None:
        axis = data.one_step_axis
    elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "unsqueeze":
        axis = literal(arg_value(node, "dim", 0))
    else:
        return False
    batch_first = (rnn or {}).get("batch_first")
    return axis == (1 if batch_first else 0) if batch_first is not None else axis in (0, 1)


def _permuted(base: Val, order: list) -> Val:
    """``x.permute(*order)``: where time went is unknown -- until a later permute (or transpose)
    puts the axes back (``bn(x.permute(0, 2, 1)).permute(0, 2, 1)``), which restores the layout
    the first permute started from. ``perm`` is the permutation applied since that layout."""
    rank = len(order)
    if not all(isinstance(axis, int) for axis in order) or sorted(a % rank for a in order) != list(range(rank)):
        return base.but(batch_first=None, permuted=True, perm=None)
    order = [a % rank for a in order]
    if base.perm is None:
        before, start = tuple(range(rank)), (base.batch_first, base.permuted)
    elif len(base.perm) == rank:
        before, start = base.perm, base.perm_start
    else:
        return base.but(batch_first=None, permuted=True, perm=None)
    composed = tuple(before[axis] for axis in order)
    if composed == tuple(range(rank)):
        return base.but(batch_first=start[0], permuted=start[1], perm=None, perm_start=None)
    if rank >= 2 and composed == (1, 0, *range(2, rank)) and start[0] is not None and not start[1]:
        # x.permute(1, 0, 2): batch and time swap places, the features stay last
        return base.but(batch_first=not start[0], permuted=start[1], perm=None, perm_start=None)
    return base.but(batch_first=None, permuted=True, perm=composed, perm_start=start)


def reduce_val(data: Val | None, dim: cst.BaseExpression | None) -> Val | None:
    if data is None or data.kind != V.TENSOR or not data.padded:
        return None
    if dim is None:
        return None
    index = literal(dim)
    axis = time_axis(data)
    if data.masked and isinstance(index, int) and index < 0:
        # loss.mean(dim=-1) of a masked loss of unknown rank ((B, T) or (B, Q, H)): whether the
        # masked axis is still there is unknown, and so is what a later mean divides by -- unless the
        # mask was broadcast over the last axis (s * mask.view(B, N, 1)): that one is features
        return data if index == -1 and data.mask_last else None
    if isinstance(index, int) and index != axis and not (axis is None and index in (0, 1)):
        return data.but(perm=None) if data.perm is not None else data  # a reduction over features keeps time
    return None


def _tensor_from(a: Val | None, b: Val | None) -> Val | None:
    for v in (a, b):
        if is_padded(v):
            return v
    for v in (a, b):
        if v is not None and v.kind == V.TENSOR:
            return v
    return None


def loss_result(ev: Evaluator, node: cst.Call, reduction: Any, ignoring: bool = False,
                per_class: bool = False, ignore_node: cst.BaseExpression | None = None) -> Val | None:
    """A loss value; unreduced (``reduction='none'``) losses of padded inputs stay padded.

    ``ignoring``: an ``ignore_index`` was given, so ignored positions hold exact zeros.
    ``per_class``: a cross-entropy/NLL loss.  Predictions straight from a model (not flattened
    to tokens) with targets not known to be padded are one row per sample: a sequence
    classifier's (B, C) or a regression head's (B,), whose unreduced loss is one value per
    sample."""
    if reduction != "none":
        return None
    arg_nodes = [a.value for a in node.args if a.keyword is None][:2]
    args = [ev(a) for a in arg_nodes]
    if len(args) == 2 and not is_padded(args[1]) and args[0] is not None \
            and args[0].origin in ("model", "call") and not _flattened_logits(arg_nodes[0], ev):
        # (an elementwise loss too: a regression head's (B,) or (B, 1) against per-sample targets)
        return Val(V.TENSOR, padded=False, loss_none=True)
    # targets padded with -100, the default ignore_index: the unreduced loss is 0 there (known
    # from their padding, or from the function counting them with `labels != -100`)
    ignoring = ignoring or (per_class and len(args) == 2 and (
        is_padded(args[1]) and args[1].pad is not None
        and constant_in(ev.scope, str(args[1].pad).replace(" ", "")) == -100
        or ignore_node is None and _compared_with_minus_100(ev.scope, arg_nodes[1])))
    for index, v in enumerate(args):
        if per_class and index == 1 and is_padded(v) and not v.strong and v.origin in ("param", "batch") \
                and not is_padded(args[0]) and not _flattened_logits(arg_nodes[0], ev):
            # cross_entropy(scores, target_q): targets padded only by a guess (a mask beside them,
            # a field of a batch), next to logits not known to be padded (PaLM-rlhf's (batch, group)
            # scores)
            continue
        if is_padded(v):
            # ignored targets give exact zeros: a sum over them is right, a mean still counts them
            zeros = bool(v.masked) or ignoring
            return v.but(loss_none=True, origin="loss", zero_pads=zeros, masked=zeros, ignored=ignoring or None,
                         batch_first=v.batch_first, mask_mult=None, weak_fill=None, mask_add=None)
    name = dotted(ignore_node) if ignore_node is not None else None
    if per_class and name is not None and V.looks_like_pad_value(name.rsplit(".", 1)[-1]):
        # nll_loss(..., ignore_index=pad_idx, reduction="none"): the targets hold padding, whose
        # losses are exact zeros that still count in a mean
        return Val(V.TENSOR, padded=True, strong=False, loss_none=True, origin="loss", zero_pads=True, masked=True,
                   ignored=True, batch_first=None)
    return Val(V.TENSOR, padded=False, loss_none=True)


def _compared_with_minus_100(scope: Scope | None, targets: cst.BaseExpression) -> bool:
    """Whether the function compares the targets (a plain name or attribute) with -100
    (``labels != -100``, ``labels.ne(-100)``): they hold -100 where they are padding."""
    name = dotted(targets)
    if name is None or scope is None or not isinstance(scope.node, cst.FunctionDef):
        return False
    for item in nodes_of(scope.node.body, cst.Comparison):
        if len(item.comparisons) == 1 and isinstance(item.comparisons[0].operator, (cst.NotEqual, cst.Equal)) \
                and dotted(item.left) == name and literal(item.comparisons[0].comparator) == -100:
            return True
    for call in nodes_of(scope.node.body, cst.Call):
        if isinstance(call.func, cst.Attribute) and call.func.attr.value in ("ne", "eq") and len(call.args) == 1 \
                and dotted(call.func.value) == name and literal(call.args[0].value) == -100:
            return True
    return False


def packed_on_the_other_branch(call: cst.CSTNode, module: cst.Module | None, ev: Evaluator) -> bool:
    """Whether ``call`` (an RNN run on the padded batch) sits in one branch of an ``if`` whose
    other branch packs (``if lengths is not None and not onnx_export: pack ... else: rnn(x)``):
    the unpacked run is the path for input without lengths (no padding) or for export, chosen
    by someone who packs wherever lengths are given."""
    if module is None:
        return False
    for branch in nodes_of(module, cst.If):
        other = branch.orelse
        sides = [branch.body, other.body if isinstance(other, cst.Else) else other]
        for here, there in (sides, sides[::-1]):
            if here is None or there is None or not any(c is call for c in nodes_under(here)):
                continue
            if any(ev.qualname(c.func) == PACK for c in nodes_of(there, cst.Call)):
                return True
    return False


def constant_in(scope: Scope | None, code: str | None) -> Any:
    """The value of a literal or of a name bound to one (``PAD_IDX = 0``) in ``scope``, else None."""
    if code is None:
        return None
    try:
        return int(code)
    except ValueError:
        pass
    bound = scope.lookup(code) if scope is not None else None
    return bound.value if bound is not None and bound.kind == V.CONST else None


def resolve_constant(ctx: Context, code: str | None) -> Any:
    return constant_in(ctx.scope, code)


# ----------------------------------------------------------------------------- context
class Context:
    """What a rule sees at an event."""

    def __init__(self, walker: Walker) -> None:
        self._walker = walker

    @property
    def scope(self) -> Scope:
        return self._walker.scope

    @property
    def none_names(self) -> frozenset[str]:
        """Names known to be None where the event happens (inside ``if mask is None:``)."""
        return self._walker.ev.none_names

    @property
    def file(self) -> FileFacts:
        return self._walker.file

    @property
    def function_scope(self) -> Scope | None:
        """The scope of the innermost function around the event (None at module or class level)."""
        scope: Scope | None = self._walker.scope
        while scope is not None and not isinstance(scope.node, cst.FunctionDef):
            scope = scope.parent
        return scope

    def ev(self, node: cst.BaseExpression | None) -> Val | None:
        return self._walker.ev(node)

    def qualname(self, node: cst.BaseExpression) -> str | None:
        return self._walker.ev.qualname(node)

    @property
    def imports(self) -> ImportTable:
        return self._walker.imports

    def report(self, rule: Rule, node: cst.CSTNode, message: str, fix: Any = None) -> None:
        self._walker.report(rule, node, message, fix)

    def option(self, rule: Rule, key: str, default: Any = None) -> Any:
        return self._walker.options.get(rule.code, {}).get(key, default)


@dataclass
class RawFinding:
    rule: Rule
    node: cst.CSTNode
    message: str
    fix: Any
    top: int | None = None  # index of the module-level statement the finding is in


class Walker(FastVisitor):
    """Walks a module once, keeping scopes and handing events to the rules."""

    def __init__(self, rules: list[Rule], file: FileFacts, options: dict[str, dict[str, Any]] | None = None,
                 on_error: Callable[[Rule, BaseException], None] | None = None,
                 child_cache: dict[int, list[cst.CSTNode]] | None = None) -> None:
        super().__init__(child_cache)
        self.rules = rules
        self.file = file
        self.options = options or {}
        self.imports = ImportTable()
        self.ev = Evaluator(self.imports, file)
        self.scope = Scope("module", "<module>", cst.Module(body=[]))
        self.ev.scope = self.scope
        self.ctx = Context(self)
        self.findings: list[RawFinding] = []
        self.top: int | None = None
        self._seen: set[tuple[str, int]] = set()
        self._on_error = on_error
        self._broken: set[str] = set()
        self._handlers: dict[str, list[Rule]] = {}
        from padlint.static.rule import Rule as _Base

        for event in ("on_call", "on_subscript", "on_binop", "on_compare", "on_for", "on_return", "on_expr",
                      "on_scope_end", "on_assign", "on_module_end"):
            self._handlers[event] = [r for r in rules if getattr(type(r), event) is not getattr(_Base, event)]

    def dispose(self) -> None:
        """Drop the pass's references (the walker and its context refer to each other): reference
        counting then frees the pass at once, without a run of the cyclic garbage collector over
        the whole tree, which the checker pauses while it works on a file (see runner._work)."""
        self.ctx.__dict__.clear()
        self.ev.__dict__.clear()
        self.__dict__.clear()

    # -- plumbing -----------------------------------------------------------------------
    def report(self, rule: Rule, node: cst.CSTNode, message: str, fix: Any) -> None:
        key = (rule.code, id(node))
        if key in self._seen:
            return
        self._seen.add(key)
        if rule.code in _REDUCTION_CODES and id(node) in self._test_diagnostics():
            return
        self.findings.append(RawFinding(rule, node, message, fix, self.top))

    def _test_diagnostics(self) -> set[int]:
        """The nodes inside a ``print(...)`` or an ``assert`` of a test function (``def test_...``,
        pytest's): there a mean or max of ``(out - out_ref).abs()`` measures how far two
        implementations agree on the same padded batch, a tolerance check, not a result that a
        model trains on or reports (flash-attn's tests, review 42)."""
        found = self.file.memo.get("test-diagnostics")
        if found is None:
            found = set()
            module = self.file.module
            if module is not None:
                for function in nodes_of(module, cst.FunctionDef):
                    if not function.name.value.startswith("test"):
                        continue
                    regions = [n for n in nodes_of(function.body, cst.Assert)] + [
                        call for call in nodes_of(function.body, cst.Call)
                        if isinstance(call.func, cst.Name) and call.func.value == "print"]
                    for region in regions:
                        found.update(id(n) for n in nodes_under(region))
            self.file.memo["test-diagnostics"] = found
        return found

    def emit(self, event: str, *args: Any) -> None:
        for rule in self._handlers[event]:
            if rule.code in self._broken:
                continue
            try:
                getattr(rule, event)(*args, self.ctx)
            except Exception as exc:  # a bug in one rule must not stop the others
                self._broken.add(rule.code)
                if self._on_error is not None:
                    self._on_error(rule, exc)

    def _push(self, scope: Scope) -> None:
        self.scope = scope
        self.ev.scope = scope
        self.ev.invalidate()

    def _pop(self) -> None:
        self.emit("on_scope_end", self.scope)
        parent = self.scope.parent
        assert parent is not None
        self._push(parent)

    # -- imports ---------------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> bool:
        self.imports.add_import(node)
        self.ev.invalidate()
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        self.imports.add_import_from(node)
        self.ev.invalidate()
        return False

    # -- scopes ----------------------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        scope = Scope("class", node.name.value, node, parent=self.scope)
        self._push(scope)
        self._prescan_class(node, scope)
        return True

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._pop()

    def _prescan_class(self, node: cst.ClassDef, scope: Scope) -> None:
        """``self.x = ...`` in any method, so that ``forward`` knows what ``__init__`` built."""
        for statement in node.body.body:
            if not isinstance(statement, cst.FunctionDef):
                continue
            collector = self.file.memo.get(("self-assignments", id(statement)))
            if collector is None:
                collector = self.file.memo[("self-assignments", id(statement))] = _self_assignments(statement)
            method_scope = Scope("function", statement.name.value, statement, parent=scope, class_scope=scope)
            self._push(method_scope)
            self._bind_params(statement, method_scope)
            for target, value in collector:
                result = self.ev(value)
                if result is not None and result.kind in (V.MODULE, V.FUNC, V.INSTANCE, V.CONST) or (
                    result is not None and result.kind == V.TENSOR and result.padded is False
                ) or (result is not None and result.kind == V.SEQ and result.item is not None
                      and result.item.kind in (V.MODULE, V.INSTANCE)):  # self.layers = nn.ModuleList([...])
                    scope.env.setdefault(target, result)
                elif result is None and target not in scope.env:
                    if is_literal(value):
                        scope.env[target] = Val(V.CONST, value=literal(value))
            self.ev.invalidate()
            self._push(scope)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        class_scope = self.scope if self.scope.kind == "class" else self.scope.class_scope
        parent = self.scope
        scope = Scope("function", node.name.value, node, parent=parent, class_scope=class_scope)
        # a nested function sees its class through its parent
        if scope.class_scope is None and parent.class_scope is not None:
            scope.class_scope = parent.class_scope
        self._push(scope)
        self._bind_params(node, scope)
        scope.state["__none_names__"] = self.ev.none_names  # restored when the function ends
        self.ev.none_names = frozenset()
        return True

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.ev.none_names = self.scope.state.get("__none_names__", frozenset())
        self._record_instance_attributes(original_node)
        returns = self.scope.state.get("__returns__", [])
        only = returns[0] if len(returns) == 1 else None
        # (an RNN's result too: `return self.gru(emb)` hands its final state back)
        if only is not None and (only.kind == V.RNN_RESULT or _interesting(only) and only.kind in (
                V.TUPLE, V.TENSOR, V.MASK, V.LENGTHS, V.DICT, V.PACKED)):
            self.file.returns[id(original_node)] = only
        elif len(returns) > 1 and all(r is not None and r.kind == V.MASK for r in returns) \
                and len({r.polarity for r in returns}) == 1:
            # `return attention_mask.bool()` / `return ids != pad_id`: a mask either way
            self.file.returns[id(original_node)] = Val(V.MASK, polarity=returns[0].polarity,
                                                       named=all(r.named for r in returns) or None)
        elif returns and not any(_interesting(r) for r in returns):
            # Analysed, and nothing padded comes out: callers must not assume padding flows through.
            # (`seen_only`: no padding seen in, which is not "none can be": see _unpadded_tensor),
            # unless what comes out is known to hold none (the patches of an image, learned latents)
            fixed = len(returns) == 1 and (_unpadded_tensor(returns[0]) or (
                returns[0] is not None and returns[0].kind == V.TUPLE and returns[0].items
                and _unpadded_tensor(returns[0].items[0])))
            self.file.returns[id(original_node)] = returns[0] if fixed else Val(V.TENSOR, padded=False, seen_only=True)
        else:
            self.file.returns.pop(id(original_node), None)
        self._pop()
        if self.scope.kind != "class":
            kinds = {(r.kind, r.polarity) if r is not None else None for r in returns}
            result = returns[0] if len(kinds) == 1 and returns and returns[0] is not None and returns[0].kind in (
                V.MASK, V.LENGTHS) else None
            self.scope.env[original_node.name.value] = Val(V.FUNC, qualname=None, local=original_node, returns=result)

    def _record_instance_attributes(self, function: cst.FunctionDef) -> None:
        """``self.src = pad_sequence(...)`` in the ``__init__`` of a plain class (not a module):
        what its instances carry (``batch.src``), kept under the key ``-id(class)``."""
        cls = self.scope.class_scope.node if self.scope.class_scope is not None else None
        if function.name.value != "__init__" or not isinstance(cls, cst.ClassDef) \
                or V.module_class_bases([code_of(b.value) for b in cls.bases]):
            return
        items = {path[5:]: value for path, value in self.scope.env.items()
                 if path.startswith("self.") and "." not in path[5:] and _interesting(value)}
        if items:
            self.file.returns[-id(cls)] = Val(V.DICT, items=items)
        else:
            self.file.returns.pop(-id(cls), None)

    def _bind_params(self, node: cst.FunctionDef, scope: Scope) -> None:
        params = node.params
        all_params = [*params.posonly_params, *params.params, *params.kwonly_params]
        names = [p.name.value for p in all_params]
        scope.params = names
        # a causal / attention-shape mask (`attn_mask`, `causal_mask`) says nothing of padding
        # `forward(self, past, past_len)`: a length named after a tensor beside it
        paired = {n for n in names for suffix in ("_len", "_length") if n.endswith(suffix)
                  and n[:-len(suffix)] in names and n[:-len(suffix)] not in ("self", "cls", "max", "seq")}
        if "pack_padded_sequence" in self.file.text:
            paired |= _packed_with(node, names, self.ev)
        if "arange" in self.file.text:
            paired |= _compared_with_positions(node, names, self.ev)
        # (an observation mask, `past_observed_mask` or `missing_mask`, marks missing values in
        # fixed-length windows: no word that the batch is padded)
        evidence = tuple(n for n in names if V.looks_like_lengths(n) or n in paired
                         or (V.looks_like_mask(n) and not _CAUSAL_MASK.match(n)
                             and "observ" not in n.lower() and "missing" not in n.lower()))
        if any(V.looks_like_mask(n) for n in evidence):
            shapes = _attention_shape_masks(node, [n for n in evidence if V.looks_like_mask(n)], self.ev)
            evidence = tuple(n for n in evidence if n not in shapes)
            per_sample = _per_sample_masks(node, [n for n in evidence if V.looks_like_mask(n)])
            evidence = tuple(n for n in evidence if n not in per_sample)
            self.ev.invalidate()  # (those evaluated calls before the parameters were bound)
        has_lengths = has_mask = bool(evidence)
        passed = self.file.passed(id(node))
        for p in all_params:
            name = p.name.value
            if name in passed:
                value = passed[name]
                if value is not None and value.kind == V.TENSOR and value.padded and value.origin == "model" \
                        and _PER_TOKEN_NAME.match(name):
                    # mean_pooling(model_output[0], mask) into `token_embeddings`: item 0 of a model's
                    # output may be pooled logits, but this function calls it per-token states
                    value = value.but(origin="hidden")
                scope.env[name] = value
                continue
            default = literal(p.default) if p.default is not None else None
            if isinstance(default, (int, float, str)) and not isinstance(default, bool):
                scope.env[name] = Val(V.CONST, value=default)
                continue
            if V.BATCH_PARAM.match(name) and "collate" not in node.name.value.lower():
                collated = self._file_collate_return()  # train_step(model, batch): what collate builds
                if collated is None:
                    collated = self._file_batch_instance()  # or an instance of the file's Batch class
                if collated is not None:
                    scope.env[name] = collated
                    continue
            if "collate" not in node.name.value.lower() and name != "self":
                item = self._file_collate_item(name)  # forward(self, words, slots): `return words, slots`
                if item is not None:
                    scope.env[name] = item
                    continue
            if p.annotation is not None and self.ev.qualname(p.annotation.annotation) == CTC_CLASS:
                # `def ctc_step(model, batch, ctc: nn.CTCLoss)`: its settings do not matter here
                scope.env[name] = Val(V.MODULE, cls=CTC_CLASS, kwargs={}, star_kwargs=True)
                continue
            hinted = Val(V.LENGTHS) if name in paired else V.val_for_name(name)
            if hinted is not None and hinted.kind == V.MASK and f"{name}:opaque" in passed:
                hinted = Val(V.MASK, polarity=None)
            if hinted is not None:
                scope.env[name] = hinted.but(from_param=True) if hinted.kind == V.LENGTHS else hinted
                continue
            if V.looks_like_image(name) and not any("pixel" in n or "image" in n or "img" in n
                                                    for n in evidence):
                scope.env[name] = Val(V.TENSOR, padded=False, origin="weights")  # (a fixed grid)
                continue
            compared = _pad_compared_params(node, self.file.memo).get(name) if not V.looks_like_target(name) else None
            if compared is not None and p.default is None:
                # `mask = (src == self.pad_id)` in the body: src holds pad ids, a padded batch
                scope.env[name] = Val(V.TENSOR, padded=True, strong=True, batch_first=None, origin="param",
                                      pad=compared, evidence=evidence or None)
                continue
            if not (has_lengths or has_mask):
                continue
            if p.default is not None and (is_literal(p.default) or isinstance(p.default, cst.Name)):
                continue
            if _annotated_scalar(p):
                continue
            if V.looks_like_target(name) or not (V.looks_like_data(name) or name in _STATES_AS_DATA) \
                    or V.MODEL_PARAM.match(name):
                continue  # (train(x, lengths, encoder): the encoder is a module, not data)
            zero = passed.get(f"{name}:zero-pads")
            scope.env[name] = Val(V.TENSOR, padded=True, strong=False, batch_first=None, origin="param",
                                  evidence=evidence, zero_pads=zero.value if zero is not None else None)
        self._bind_step_batch(node, scope, names, passed)

    def _bind_step_batch(self, node: cst.FunctionDef, scope: Scope, names: list[str], passed: dict[str, Val]) -> None:
        """Lightning's ``training_step(self, batch, batch_idx)`` gets what the DataLoader built in
        the same class (``train_dataloader``) yields: the collate function's return value."""
        if node.name.value not in _STEP_METHODS or scope.class_scope is None or len(names) < 2:
            return
        batch = names[1]
        if batch in passed or scope.env.get(batch) is not None:
            return
        for item in nodes_of(scope.class_scope.node, cst.Call):
            if self.ev.qualname(item.func) == "torch.utils.data.DataLoader" \
                    and arg_value(item, "collate_fn", 4) is not None:
                loader = self.ev(item)
                if loader is not None and loader.kind == V.SEQ and loader.item is not None:
                    scope.env[batch] = loader.item
                    return

    # -- bindings --------------------------------------------------------------------------
    def leave_Assign(self, original_node: cst.Assign) -> None:
        if _builds_tokenizer(original_node.value):
            names = self.file.memo.setdefault("tokenizer-names", set())
            names.update(dotted(t.target) or "" for t in original_node.targets)
        value = self.ev(original_node.value)
        self.emit("on_assign", original_node, value)
        if value is not None and value.kind == V.MASK:
            self._compared_with_pad(original_node.value)
        elif isinstance(original_node.value, cst.Tuple):
            for element in original_node.value.elements:  # src_valid, tgt_valid = src.ne(pad), tgt.ne(pad)
                item = self.ev(element.value)
                if item is not None and item.kind == V.MASK:
                    self._compared_with_pad(element.value)
        for target in original_node.targets:
            if isinstance(target.target, cst.Subscript):
                self._assign_item(target.target, original_node.value)
            else:
                self.bind(target.target, value, original_node.value)
        self.ev.invalidate()

    def _filled_by_positions(self, path: str) -> bool:
        """Whether the current function writes into ``path[...]`` by position ranges or a
        condition (``mask[i, :l] = 1``, ``mask[i][l:] = 0``, ``mask[tokens == pad] = 0``): what
        makes a blank canvas a padding mask."""
        def by_positions(slices: list[cst.BaseSlice]) -> bool:
            return any(isinstance(sl, cst.Slice) and (sl.lower is not None or sl.upper is not None)
                       or isinstance(sl, cst.Index) and isinstance(sl.value, cst.Comparison) for sl in slices)

        return self._written_into(path, "filled-by-positions", True, by_positions)

    def _row_filled_canvas(self, path: str, call: cst.Call) -> Val | None:
        """``x = torch.zeros(len(seqs), max_len)`` (or ``new_zeros``, ``np.zeros((B, T))``)
        then ``x[i, :len(s)] = s`` in a loop: the hand-made padded batch, with zeros where no
        row reached.  The padded length's place (first or second) gives the layout."""
        name = last_name(call.func)
        if name not in _ROW_CANVASES:
            return None
        first = call.args[0].value if call.args and not call.args[0].keyword else None
        if isinstance(first, cst.BinaryOperation) and isinstance(first.operator, cst.Add) \
                and isinstance(first.left, (cst.Tuple, cst.List)) and len(first.left.elements) == 2:
            first = first.left  # new_zeros((B, T) + x.shape[1:]): the features' shape appended
        if isinstance(first, (cst.Tuple, cst.List)):
            dims = [el.value for el in first.elements]
        elif name in ("full", "new_full"):
            return None
        else:
            dims = [a.value for a in call.args if a.keyword is None and a.star == ""]
        if not 2 <= len(dims) <= 3:
            return None
        lead = [_padded_length_expr(d) for d in dims[:2]]
        if lead.count(True) != 1:
            return None
        if not self._filled_by_rows(path):
            if name in ("zeros", "new_zeros") and self._filled_at_row_ends(path):
                # seq[u, max_len - len(items):] = items: left-padded (SASRec's item histories); the
                # last column is real for every row, an RNN's final state follows the real tokens
                return Val(V.TENSOR, padded=True, strong=True, batch_first=lead[1], origin="canvas",
                           pad="0", zero_pads=True, left=True)
            fill = arg_value(call, "fill_value", 1) if name in ("full", "new_full") else None
            if fill is not None and is_literal(fill) and not _minus_infinity(fill) and self._filled_at_row_ends(path):
                # torch.full((B, T), 0); ids[i, T - len(s):] = s: Keras's padding="pre"
                return Val(V.TENSOR, padded=True, strong=True, batch_first=lead[1], origin="canvas",
                           pad=code_of(fill), zero_pads=literal(fill) == 0, left=True)
            return None
        if name in ("full", "new_full"):
            fill = arg_value(call, "fill_value", 1)
            if fill is None or _minus_infinity(fill):
                return None
            return Val(V.TENSOR, padded=True, strong=True, batch_first=lead[1], origin="canvas",
                       pad=code_of(fill), zero_pads=literal(fill) == 0)
        empty = name in ("empty", "new_empty")
        return Val(V.TENSOR, padded=True, strong=True, batch_first=lead[1], origin="canvas",
                   pad=None if empty else "0", zero_pads=not empty)

    def _filled_by_rows(self, path: str) -> bool:
        """Whether the current function writes one sample's values into the start of a row:
        ``path[i, :n] = ...`` / ``path[i][:len(s)] = ...`` / ``path[:n, i] = ...``."""
        def by_rows(slices: list[cst.BaseSlice]) -> bool:
            heads = slices[:2]
            return len(heads) == 2 and any(isinstance(sl, cst.Index) for sl in heads) and any(
                isinstance(sl, cst.Slice) and sl.upper is not None and sl.step is None
                and (sl.lower is None or _is_int_literal(sl.lower, 0)) for sl in heads)

        return self._written_into(path, "filled-by-rows", False, by_rows)

    def _filled_at_row_ends(self, path: str) -> bool:
        """``path[i, T - n:] = ...`` / ``path[i, -len(s):] = ...``: one sample's values written
        into the end of a row (left padding)."""
        def at_ends(slices: list[cst.BaseSlice]) -> bool:
            heads = slices[:2]
            return len(heads) == 2 and isinstance(heads[0], cst.Index) and isinstance(heads[1], cst.Slice) \
                and heads[1].upper is None and heads[1].step is None and heads[1].lower is not None \
                and not _is_int_literal(heads[1].lower, 0) and literal(heads[1].lower) is None

        return self._written_into(path, "filled-at-row-ends", False, at_ends)

    def _canvas_mask_polarity(self, path: str, call: cst.Call) -> str | None:
        """``mask = torch.zeros_like(ids); mask[i, :len(s)] = 1``: a blank canvas whose rows the
        function fills from their start (or from each length on) with the other value.  Ones
        written over the real tokens of zeros make a keep-mask; over the padding, a pad-mask; and
        the other way round for a canvas of ones.  None when the writes do not say one way."""
        blank = {"zeros": 0, "zeros_like": 0, "new_zeros": 0, "ones": 1, "ones_like": 1, "new_ones": 1}.get(
            last_name(call.func) or "")
        function = self.scope.node if self.scope is not None else None
        if blank is None or not isinstance(function, cst.FunctionDef):
            return None
        seen: set[str] = set()
        for item in nodes_of(function.body, cst.Assign):
            for t in item.targets:
                target = t.target
                if not isinstance(target, cst.Subscript) or dotted(_subscript_base(target)) != path:
                    continue
                written = literal(item.value)
                if written not in (0, 1, True, False) or int(written) == blank:
                    return None
                slices = _index_slices(target)
                if len(slices) != 2 or not isinstance(slices[0], cst.Index) or not isinstance(slices[1], cst.Slice) \
                        or slices[1].step is not None:
                    return None
                part = slices[1]
                if (part.lower is None or _is_int_literal(part.lower, 0)) and _a_length(part.upper, self.scope):
                    head = True  # mask[i, :len(s)]
                elif part.upper is None and _a_length(part.lower, self.scope):
                    head = False  # mask[i, lengths[i]:]
                else:
                    return None  # (mask[i, :n_pads] = True: a left-padded canvas says it otherwise)
                seen.add("keep" if head == (blank == 0) else "pad")
        return seen.pop() if len(seen) == 1 else None

    def _written_into(self, path: str, kind: str, at_module: bool,
                      test: Callable[[list[cst.BaseSlice]], bool]) -> bool:
        """Whether some assignment of the current function stores into ``path[...]`` with the
        index ``test`` accepts (all the indexes of ``path[a][b]``, outermost first). At module
        level there is no function to read: ``at_module``."""
        scope_node = self.scope.node if self.scope is not None else None
        if not isinstance(scope_node, cst.FunctionDef):
            return at_module
        key = (kind, id(scope_node), path)
        known = self.file.memo.get(key)
        if known is not None:
            return known
        found = False
        for item in nodes_under(scope_node.body):
            targets: list[cst.BaseExpression] = []
            if isinstance(item, cst.Assign):
                targets = [t.target for t in item.targets]
            elif isinstance(item, (cst.AugAssign, cst.AnnAssign)):
                targets = [item.target]
            for target in targets:
                if not isinstance(target, cst.Subscript) or dotted(_subscript_base(target)) != path:
                    continue
                if test(_index_slices(target)):
                    found = True
                    break
            if found:
                break
        self.file.memo[key] = found
        return found

    def _compared_with_pad(self, node: cst.BaseExpression) -> None:
        """``pad_mask = tokens == pad_idx`` / ``tokens.eq(self.pad_idx)``: a batch compared with
        the padding value is a padded batch, whatever its name (the mask says where)."""
        tensor = other = None
        if isinstance(node, cst.Comparison) and len(node.comparisons) == 1 \
                and isinstance(node.comparisons[0].operator, (cst.Equal, cst.NotEqual)):
            tensor, other = node.left, node.comparisons[0].comparator
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                and node.func.attr.value in ("eq", "ne") and len(node.args) == 1:
            tensor, other = node.func.value, node.args[0].value
        path = dotted(tensor) if tensor is not None else None
        if path is None or self.ev(tensor) is not None:
            return
        pv = dotted(other)
        if pv is None or not V.looks_like_pad_value(pv):
            return
        self.scope.env[path] = Val(V.TENSOR, padded=True, strong=True, batch_first=None, origin="compared",
                                   pad=code_of(other))

    def _assign_item(self, target: cst.Subscript, value: cst.BaseExpression) -> None:
        """``labels[labels == PAD] = -100``: the padded positions now hold another value."""
        path = dotted(target.value)
        base = self.ev(target.value)
        if path is None or len(target.slice) != 1:
            return
        if base is not None and base.kind != V.TENSOR:
            return
        index = target.slice[0].slice
        if isinstance(index, cst.Index):
            cond = self.ev(index.value)
            if cond is not None and cond.kind == V.MASK and cond.polarity == "pad" and is_literal(value) \
                    and not is_padded(base):
                # tags[arange(T) >= lengths[:, None]] = -100: the padded positions now hold -100;
                # emb[mask == 0] = -1e9: they can no longer win a max
                negative = _very_negative(value)
                self.scope.env[path] = Val(V.TENSOR, padded=True, strong=True, batch_first=None,
                                           origin="canvas", pad=code_of(value), zero_pads=literal(value) == 0,
                                           neg_pads=negative or None, masked_max=negative or None)
                return
            if not is_padded(base):
                return
            if _very_negative(value) and (
                    (cond is not None and cond.kind == V.MASK and cond.polarity == "pad")
                    or (base.zero_pads and _compares_with_zero(index.value, path))):
                # out[pad_mask] = -inf / out[out == 0] = -1e9 (zero pads): padding never wins a max
                self.scope.env[path] = base.but(neg_pads=True, masked_max=True)
                return
            if cond is not None and cond.kind == V.MASK and (cond.polarity == "pad" or cond.hint_only) \
                    and literal(value) == 0 and base.kind == V.TENSOR and not _compares_with_zero(index.value, path):
                # cce[arange(T) >= lengths[:, None]] = 0: zeroed where padded, as masked_fill(pad_mask, 0).
                # A mask known only by its name counts whatever its polarity: HF's wav2vec2 family calls
                # its keep-mask `padding_mask` and zeroes `x[~padding_mask] = 0.0`
                self.scope.env[path] = base.but(masked=True, zero_pads=True, pad="0")
                return
            if cond is not None and cond.kind == V.MASK and cond.polarity != "keep" and is_literal(value):
                self.scope.env[path] = base.but(pad=code_of(value))

    def leave_AnnAssign(self, original_node: cst.AnnAssign) -> None:
        if original_node.value is not None:
            value = self.ev(original_node.value)
            self.bind(original_node.target, value, original_node.value)
            self.ev.invalidate()

    def leave_AugAssign(self, original_node: cst.AugAssign) -> None:
        synthetic = cst.BinaryOperation(left=original_node.target, operator=_aug_to_bin(original_node.operator),
                                        right=original_node.value)
        value = _point_at(self.ev(synthetic), synthetic, original_node)  # scores *= mask
        self.bind(original_node.target, value, None)
        self.ev.invalidate()

    def visit_For(self, node: cst.For) -> bool:
        self.emit("on_for", node)
        iterable = self.ev(node.iter)
        item: Val | None = None
        if iterable is not None and iterable.kind == V.LENGTHS:
            item = Val(V.SCALAR_LEN)
        elif iterable is not None and iterable.kind == V.SEQ and iterable.item is not None:
            item = iterable.item
        elif iterable is None:
            item = self._collated(node.iter)
        target = node.target
        it = node.iter
        if isinstance(it, cst.Call) and isinstance(it.func, cst.Name) and it.func.value in ("enumerate", "zip"):
            inner = [self.ev(a.value) for a in it.args if a.keyword is None]
            if isinstance(target, cst.Tuple):
                offset = 1 if it.func.value == "enumerate" else 0
                items: list[Val | None] = [None] * offset + [
                    Val(V.SCALAR_LEN) if v is not None and v.kind == V.LENGTHS else None for v in inner
                ]
                self.bind(target, Val(V.TUPLE, items=items), None)
                self.ev.invalidate()
                return True
        self.bind(target, item, None)
        self.ev.invalidate()
        return True

    def _collated(self, iterable: cst.BaseExpression) -> Val | None:
        """``for inputs, targets in loader:`` over a loader handed in (a parameter, an attribute):
        what the file's one collate function returns, when it has exactly one."""
        name = last_name(iterable)
        if not name or not V.LOADER_NAME.search(name):
            return None
        return self._file_collate_return()

    def _file_collates(self) -> list[cst.FunctionDef]:
        """The file's module-level functions named ``*collate*``."""
        module = self.scope
        while module.parent is not None:
            module = module.parent
        return [value.local for key, value in module.env.items()
                if value is not None and value.kind == V.FUNC and isinstance(value.local, cst.FunctionDef)
                and "collate" in key.lower()]

    def _file_batch_instance(self) -> Val | None:
        """An instance of the file's one plain class named as a batch (``class Batch:`` whose
        ``__init__`` pads ``self.src``), for a parameter named ``batch``."""
        classes = [c for name, c in self.file.classes.items() if "batch" in name.lower()
                   and not V.module_class_bases([code_of(b.value) for b in c.bases])]
        if len(classes) != 1:
            return None
        attributes = self.file.returned(-id(classes[0]))
        if attributes is None or attributes.kind != V.DICT:
            return None
        return Val(V.INSTANCE, cls=classes[0], items=attributes.items)

    def _file_collate_return(self) -> Val | None:
        """What the file's one collate function (a module-level function named so) returns."""
        collates = self._file_collates()
        returned = [self.file.returned(id(c)) for c in collates]
        if len(returned) == 1 and returned[0] is not None and _interesting(returned[0]):
            return returned[0]
        return None

    def _file_collate_item(self, name: str) -> Val | None:
        """A parameter named as a padded tensor the file's one collate function returns by name
        (``return words, slots, intents``): that tensor. Only strongly padded ones (built by
        padding), which is what the name can add to what a parameter's name alone says."""
        collates = self._file_collates()
        if len(collates) != 1:
            return None
        returned = self.file.returned(id(collates[0]))
        if returned is not None and returned.kind == V.DICT and returned.items:
            # `return {"input_ids": ids, "labels": labels}`: the entry of that name (handed on as
            # `model(**batch)` or `model(batch["input_ids"], batch["labels"])`)
            item = returned.items.get(name)
            return item if V.is_strongly_padded(item) and item.kind == V.TENSOR else None
        key = ("collate-returned-names", id(collates[0]))
        if key not in self.file.memo:
            self.file.memo[key] = returned_names(collates[0])
        names = self.file.memo[key]
        if names is None or name not in names:
            return None
        returned = self.file.returned(id(collates[0]))
        if returned is None or returned.kind != V.TUPLE or len(returned.items or ()) != len(names):
            return None
        item = returned.items[names.index(name)]
        return item if V.is_strongly_padded(item) and item.kind == V.TENSOR else None

    def visit_Assert(self, node: cst.Assert) -> bool:
        """``assert mask is None, "masks not supported"``: from here on, as in the body of
        ``if mask is None:``, the padding evidence of ``mask`` is void."""
        in_body, _ = _none_tests(node.test)
        if in_body:
            self.ev.none_names = self.ev.none_names | in_body
            self.ev.invalidate()
        return True

    def visit_If(self, node: cst.If) -> bool:
        """``if lengths is None: ...`` -- in that branch the padding evidence of `lengths` is void."""
        self.walk(node.test)
        in_body, in_else = _none_tests(node.test)
        outer = self.ev.none_names
        env = self.scope.env
        before = dict(env)
        if self._never_true(node.test) or any(self._never_none(name) for name in in_body):
            # `if self.seq_aux:` with `self.seq_aux = False` the class's only word on it, or
            # `mask = ids != pad_id; if not exists(mask): ...`: dead code
            if node.orelse is not None:
                self._branch(node.orelse, outer | in_else)
                self.ev.none_names = outer
            self.ev.invalidate()
            return False
        self._branch(node.body, outer | in_body)
        if node.orelse is None:
            for name in in_body:
                old = before.get(name)
                if old is not None and old.kind in (V.MASK, V.LENGTHS) and env.get(name) is not old:
                    # `if mask is None: mask = torch.ones_like(y)`: a default for callers without
                    # padding; below the `if`, a caller's mask is still the mask
                    env[name] = old
        if node.orelse is not None:
            # The other branch starts from what held before the `if`, not from the body; after
            # the `if`, what either branch bound holds (the other branch's when both did).
            after_body = dict(env)
            env.clear()
            env.update(before)
            self._branch(node.orelse, outer | in_else)
            in_orelse = dict(env)
            env.clear()
            env.update(after_body)
            for name, value in in_orelse.items():
                if before.get(name, _MISSING) is not value:
                    env[name] = value
            for name in before:
                if name not in in_orelse:
                    env.pop(name, None)
        self.ev.none_names = outer
        if node.orelse is None and in_else and _always_exits(node.body):
            # `if mask is not None: return masked_mean(...)`: below it, the mask is None
            self.ev.none_names = outer | in_else
        self.ev.invalidate()
        return False

    def _never_none(self, name: str) -> bool:
        """Whether the local ``name`` is never None: every binding of it in this function is a
        plain assignment of a comparison (`mask = token_ids != pad_id`)."""
        function = self.scope.node if self.scope is not None else None
        if "." in name or not isinstance(function, cst.FunctionDef) or name in self.scope.params:
            return False

        def names(node: cst.CSTNode | None) -> bool:
            return node is not None and any(isinstance(n, cst.Name) and n.value == name for n in iter_nodes(node))

        found = False
        for item in nodes_of(function.body, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.For, cst.With,
                             cst.NamedExpr, cst.Global, cst.Nonlocal):
            if isinstance(item, cst.Assign):
                if not any(names(t.target) for t in item.targets):
                    continue
                if len(item.targets) != 1 or not isinstance(item.targets[0].target, cst.Name):
                    return False
                value = item.value
                if isinstance(value, cst.Comparison) and not any(
                        isinstance(c.operator, (cst.Is, cst.IsNot, cst.In, cst.NotIn)) for c in value.comparisons):
                    found = True
                    continue
                # `mask = mask[:, 1:].unsqueeze(-1)`, `rearrange(mask, "b n -> b n 1")`: made from
                # the name itself, a tensor if it was
                while isinstance(value, (cst.Attribute, cst.Subscript, cst.Call)):
                    if isinstance(value, cst.Call) and value.args and not value.args[0].keyword \
                            and (self.ev.qualname(value.func) or "").split(".")[0] in ("torch", "einops"):
                        value = value.args[0].value
                        continue
                    value = value.func if isinstance(value, cst.Call) else value.value
                if not (isinstance(value, cst.Name) and value.value == name):
                    return False
            elif isinstance(item, cst.For):
                if names(item.target):
                    return False
            elif isinstance(item, cst.With):
                if any(names(w.asname.name) for w in item.items if w.asname is not None):
                    return False
            elif isinstance(item, (cst.AnnAssign, cst.AugAssign, cst.NamedExpr)):
                if names(item.target):
                    return False
            elif any(n.name.value == name for n in item.names):
                return False
        return found

    def _never_true(self, test: cst.BaseExpression) -> bool:
        """``False`` written out, or ``self.flag`` that every assignment in its class sets to
        ``False`` (a switch hard-coded off, as HiDream's ``self.seq_aux = False``)."""
        if isinstance(test, cst.Name) and test.value == "False":
            return True
        if not (isinstance(test, cst.Attribute) and isinstance(test.value, cst.Name) and test.value.value == "self"):
            return False
        cls = self.scope.class_scope.node if self.scope.class_scope is not None else None
        if not isinstance(cls, cst.ClassDef):
            return False
        flags = self.file.memo.get(("false-flags", id(cls)))
        if flags is None:
            values: dict[str, set[str]] = {}
            for item in nodes_of(cls.body, cst.Assign, cst.AnnAssign, cst.AugAssign):
                targets = []
                if isinstance(item, cst.Assign):
                    targets = [(t.target, item.value) for t in item.targets]
                elif isinstance(item, (cst.AnnAssign, cst.AugAssign)) and item.value is not None:
                    targets = [(item.target, item.value)]
                for target, value in targets:
                    for t in (target.elements if isinstance(target, cst.Tuple) else [target]):
                        t = t.value if isinstance(t, cst.Element) else t
                        if isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name) and t.value.value == "self":
                            values.setdefault(t.attr.value, set()).add(
                                code_of(value) if isinstance(value, cst.Name) and not isinstance(target, cst.Tuple)
                                else "?")
            flags = self.file.memo[("false-flags", id(cls))] = frozenset(
                name for name, seen in values.items() if seen == {"False"})
        return test.attr.value in flags

    def _branch(self, part: cst.CSTNode, none_names: frozenset[str]) -> None:
        self.ev.none_names = none_names
        self.ev.invalidate()
        self.walk(part)

    def visit_WithItem(self, node: cst.WithItem) -> bool:
        if node.asname is not None:
            self.bind(node.asname.name, None, None)
        return True

    def visit_Call(self, node: cst.Call) -> bool:
        if isinstance(node.func, (cst.Name, cst.Attribute)) and self.ev.qualname(node.func) is None:
            # a call of this file's code passes facts to it whatever the selected rules evaluate
            # (the findings must not depend on which other rules run)
            self.ev(node)
        self.emit("on_call", node)
        return True

    def visit_Subscript(self, node: cst.Subscript) -> bool:
        self.emit("on_subscript", node)
        return True

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> bool:
        self.emit("on_binop", node)
        return True

    def visit_Comparison(self, node: cst.Comparison) -> bool:
        self.emit("on_compare", node)
        return True

    def visit_Expr(self, node: cst.Expr) -> bool:
        if self._handlers["on_expr"]:
            self.emit("on_expr", node)
        return True

    def visit_Return(self, node: cst.Return) -> bool:
        if self.scope.kind == "function" and not (isinstance(node.value, cst.Name) and node.value.value == "None"):
            # (`return None` on a path without a result says nothing of the result on the others)
            self.scope.state.setdefault("__returns__", []).append(self.ev(node.value))
        self.emit("on_return", node)
        return True

    def visit_Module(self, node: cst.Module) -> bool:
        self.file.module = node
        for statement in node.body:
            if isinstance(statement, cst.ClassDef):
                self.file.classes.setdefault(statement.name.value, statement)
            elif isinstance(statement, cst.FunctionDef):
                self.file.functions.setdefault(statement.name.value, statement)
                self.scope.env.setdefault(statement.name.value, Val(V.FUNC, qualname=None, local=statement))
        for index, statement in enumerate(node.body):
            self.top = index
            self.walk(statement)
        self.top = None
        return False

    def leave_Expr(self, original_node: cst.Expr) -> None:
        # A call made for its effect (`model.fit(x, lengths)`) still tells what it is passed.
        if isinstance(original_node.value, cst.Call):
            call = original_node.value
            self.ev(call)
            func = call.func
            # `out.masked_fill_(pad_mask, 0.0)` rebinds `out` as `out.masked_fill(pad_mask, 0.0)` would.
            if isinstance(func, cst.Attribute) and func.attr.value == "masked_fill_" and dotted(func.value):
                synthetic = call.with_changes(func=func.with_changes(attr=cst.Name("masked_fill")))
                value = _point_at(self.ev(synthetic), synthetic, call)
                if value is not None:
                    self.bind(func.value, value, None)
                self.ev.invalidate()  # the synthetic call must leave nothing cached under its id
            elif isinstance(func, cst.Attribute) and func.attr.value == "masked_fill" and isinstance(func.value, cst.Name):
                # `hidden.masked_fill(pad, 0.0)` thrown away is PAD404's finding; below it the tensor
                # is read as the fix would leave it, so that one bug gives one finding
                value = self.ev(call)
                if value is not None and value.kind == V.TENSOR and value.masked:
                    self.bind(func.value, value, None)
                    self.ev.invalidate()

    def leave_Module(self, original_node: cst.Module) -> None:
        self.emit("on_scope_end", self.scope)
        self.emit("on_module_end", original_node)

    def bind(self, target: cst.BaseExpression, value: Val | None, value_node: cst.BaseExpression | None) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            elements = [el for el in target.elements]
            names = [dotted(el.value) or "" for el in elements]
            items: list[Val | None]
            if value is not None and value.kind == V.TUPLE:
                items = list(value.items or [])
            elif value is not None and value.kind == V.RNN_RESULT:
                items = [value.output, value.state]
            elif value is not None and value.kind == V.MODEL_OUTPUT:
                # hidden, pooled = encoder(x, attention_mask=m): the sequence output comes first
                items = [value.item] + [V.val_for_name(n.rsplit(".", 1)[-1]) if n else None for n in names[1:]]
            elif value is not None and value.kind == V.SHAPE:
                start = value.start or 0
                items = [Val(V.DIM, of=value.of, dim=start + i) for i in range(len(elements))]
            elif (value is not None and value.kind == V.SEQ) or _moves_every_item(value_node):
                # [t.to(device) for t in batch], tuple(t.cuda() for t in batch), map(...)
                items = []
                for name in names:
                    hinted = V.val_for_name(name.rsplit(".", 1)[-1]) if name else None
                    items.append(hinted.but(on_device=True) if hinted is not None and hinted.kind == V.LENGTHS else hinted)
            else:
                # An unpacked batch: a name that reads as lengths or a mask tells that the
                # other tensors in it are padded.
                short = [n.rsplit(".", 1)[-1] for n in names]
                batchy = any(V.looks_like_lengths(n) or V.looks_like_mask(n) for n in short if n)
                items = []
                for n in short:
                    hinted = V.val_for_name(n) if n else None
                    if hinted is None and batchy and n and V.looks_like_data(n) and not V.looks_like_target(n):
                        hinted = Val(V.TENSOR, padded=True, strong=False, batch_first=None, origin="batch")
                    items.append(hinted)
            parts = None  # x, lengths = batch[0].to(device), batch[1].to(device): element by element
            if isinstance(value_node, (cst.Tuple, cst.List)) and len(value_node.elements) == len(elements) \
                    and not any(isinstance(e, cst.StarredElement) for e in value_node.elements):
                parts = [e.value for e in value_node.elements]
            for index, el in enumerate(elements):
                item = items[index] if index < len(items) else None
                if isinstance(el, cst.StarredElement):
                    continue
                if value is not None and value.kind == V.RNN_RESULT and index == 1 and isinstance(el.value, (cst.Tuple, cst.List)):
                    self.bind(el.value, Val(V.TUPLE, items=[value.state, value.state]), None)
                    continue
                self.bind(el.value, item, parts[index] if parts is not None and item is None else None)
            return
        path = dotted(target)
        if path is None:
            return
        if value is not None and value.kind == V.TENSOR and value.origin == "canvas" and not value.left \
                and isinstance(value_node, cst.Call) and last_name(value_node.func) in ("full", "new_full") \
                and self._filled_at_row_ends(path) and not self._filled_by_rows(path):
            # ids = torch.full((B, T), pad_id); ids[i, T - len(s):] = s: the rows end-aligned
            value = value.but(left=True)
        if value is not None and value.kind == V.TENSOR and value.strong and value.origin in ("canvas", "pad_sequence"):
            # which side the batches this file builds are padded on (PAD405 reads it where a
            # batch arrives as a parameter)
            self.file.memo["left-padded-batches" if value.left else "right-padded-batches"] = True
        if value is None and value_node is not None and is_literal(value_node):
            value = Val(V.CONST, value=literal(value_node))
        if value is None and _created_on_device(value_node):
            hinted = V.val_for_name(path.rsplit(".", 1)[-1])
            if hinted is not None and hinted.kind == V.LENGTHS:
                # lens = torch.tensor([...], device=self.device): lengths made on the GPU
                value = hinted.but(on_device=True, moved=value_node)
        if value is None:
            hinted = V.val_for_name(path.rsplit(".", 1)[-1])
            if hinted is None and isinstance(value_node, cst.Call):
                value = self._row_filled_canvas(path, value_node)
                if value is not None:
                    self.scope.env[path] = value
                    if value.strong:  # (which side this file pads on: see above)
                        self.file.memo["left-padded-batches" if value.left else "right-padded-batches"] = True
                    return
            if hinted is not None and hinted.kind == V.LENGTHS and _device_move(value_node):
                value = hinted.but(on_device=True, moved=value_node)  # lens = batch[1].cuda()
            elif hinted is not None:
                # Only the name says so: `mask = quantizer_dropout(...)` may be any mask; so may a
                # blank canvas that is never filled by positions (`mask = torch.ones_like(sim);
                # mask[idx, idx] = 0` hides pairs of a similarity matrix, not padding).
                weak = _opaque(value_node) or (hinted.kind == V.MASK and isinstance(value_node, cst.Call)
                                               and not self._filled_by_positions(path))
                value = hinted.but(hint_only=True) if weak else hinted
                if not weak and hinted.kind == V.MASK and hinted.polarity is None and isinstance(value_node, cst.Call):
                    polarity = self._canvas_mask_polarity(path, value_node)
                    if polarity is not None:
                        value = hinted.but(polarity=polarity)
        if value is None:
            self.scope.env.pop(path, None)
            if self.scope.lookup(path) is not None:
                self.scope.env[path] = None  # type: ignore[assignment]  # shadows an outer value
            return
        self.scope.env[path] = value


def _self_assignments(function: cst.FunctionDef) -> list[tuple[str, cst.BaseExpression]]:
    """``self.x = ...`` statements anywhere in a method's statement tree (expressions are not entered)."""
    found: list[tuple[str, cst.BaseExpression]] = []
    stack: list[cst.CSTNode] = [function.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        path = dotted(target.target)
                        if path is not None and path.startswith("self."):
                            found.append((path, small.value))
                        elif isinstance(target.target, (cst.Tuple, cst.List)) and isinstance(
                                small.value, (cst.Tuple, cst.List)) and len(target.target.elements) == len(
                                small.value.elements) and not any(isinstance(e, cst.StarredElement) for e in (
                                *target.target.elements, *small.value.elements)):
                            # self.emb, self.pos = nn.Embedding(...), nn.Embedding(...)
                            for name_el, value_el in zip(target.target.elements, small.value.elements):
                                path = dotted(name_el.value)
                                if path is not None and path.startswith("self."):
                                    found.append((path, value_el.value))
        elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            continue
        elif isinstance(node, (cst.BaseSuite, cst.BaseCompoundStatement, cst.Else, cst.ExceptHandler, cst.Finally)):
            stack.extend(reversed([c for c in children(node) if isinstance(c, (
                cst.BaseSuite, cst.BaseStatement, cst.Else, cst.ExceptHandler, cst.Finally))]))
    return found


def _always_exits(body: cst.BaseSuite) -> bool:
    """The block ends in ``return`` or ``raise``."""
    statements = getattr(body, "body", ())
    if not statements:
        return False
    last = statements[-1]
    if isinstance(last, cst.SimpleStatementLine):
        return any(isinstance(small, (cst.Return, cst.Raise)) for small in last.body)
    return False


def _none_tests(test: cst.BaseExpression) -> tuple[frozenset[str], frozenset[str]]:
    """(names that are None in the body, names that are None in the else branch).

    ``if lengths is not None and not packed: ... else: ...``: the else branch is taken to be
    the one without lengths (it may also be the packed one; either way no padding is run
    over), and likewise the body of ``if lengths is None or ...``."""
    if isinstance(test, cst.BooleanOperation):
        left, right = _none_tests(test.left), _none_tests(test.right)
        return left[0] | right[0], left[1] | right[1]
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = _none_tests(test.expression)
        return inner[1], inner[0]
    if isinstance(test, cst.Call) and isinstance(test.func, cst.Name) and test.func.value in ("exists", "is_not_none") \
            and len(test.args) == 1:
        name = dotted(test.args[0].value)  # lucidrains' `exists(mask)`: mask is not None
        if name is not None:
            return frozenset(), frozenset({name})
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        if isinstance(target.comparator, cst.Name) and target.comparator.value == "None":
            name = dotted(test.left)
            names = frozenset({name}) if name is not None else frozenset()
            if name is None and isinstance(test.left, cst.Call):
                # `if self._non_pad_mask(ids, attention_mask) is None:` -- a mask made from
                # `attention_mask` is missing: so, for this branch, is `attention_mask`
                names = frozenset(n for a in test.left.args if (n := dotted(a.value)) is not None
                                  and V.looks_like_mask(n.rsplit(".", 1)[-1]))
            if names:
                if isinstance(target.operator, cst.Is):
                    return names, frozenset()
                if isinstance(target.operator, cst.IsNot):
                    return frozenset(), names
    return frozenset(), frozenset()


def _annotated_scalar(param: cst.Param) -> bool:
    if param.annotation is None:
        return False
    annotation = dotted(param.annotation.annotation) or ""
    return annotation in ("int", "float", "bool", "str")


def _aug_to_bin(op: cst.BaseAugOp) -> cst.BaseBinaryOp:
    table = {
        cst.AddAssign: cst.Add, cst.SubtractAssign: cst.Subtract, cst.MultiplyAssign: cst.Multiply,
        cst.DivideAssign: cst.Divide, cst.MatrixMultiplyAssign: cst.MatrixMultiply,
        cst.FloorDivideAssign: cst.FloorDivide, cst.ModuloAssign: cst.Modulo, cst.PowerAssign: cst.Power,
        cst.BitAndAssign: cst.BitAnd, cst.BitOrAssign: cst.BitOr, cst.BitXorAssign: cst.BitXor,
    }
    for aug, binop in table.items():
        if isinstance(op, aug):
            return binop()
    return cst.Add()
