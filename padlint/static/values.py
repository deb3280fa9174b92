"""What padlint knows about a value: the abstract facts the rules read.

A :class:`Val` is a small bag of facts about one expression: its *kind* (a tensor, the
lengths of a batch, a mask, a PackedSequence, an RNN module, ...) and a few attributes.
Tensors carry whether they are padded and how (``batch_first``, the pad value, where the
padding came from, whether a mask has already zeroed the padded positions).

Facts are immutable: ``v.but(padded=False)`` returns a changed copy.
"""

from __future__ import annotations

import re
from typing import Any

# Kinds of values.
TENSOR = "tensor"  # a tensor; see the attributes below
PACKED = "packed"  # a PackedSequence
LENGTHS = "lengths"  # per-sample lengths (tensor or list)
MASK = "mask"  # a mask; attribute `polarity`: "keep" (True = real), "pad" (True = padding) or None
MODULE = "module"  # an nn.Module instance whose class padlint knows (`cls`)
RNN_RESULT = "rnn_result"  # what an RNN module returns: (output, h_n) / (output, (h_n, c_n))
RNN_STATE = "rnn_state"  # h_n / c_n
SHAPE = "shape"  # x.shape / x.size()
DIM = "dim"  # one entry of a shape: x.size(1), x.shape[0]
TUPLE = "tuple"  # a tuple whose items are known (`items`)
SEQ = "seq"  # a list/generator of like items, e.g. [t.to(device) for t in batch]
PERM = "perm"  # a permutation from a length sort (`node`: the sort call)
LAST_INDEX = "last_index"  # lengths - 1
TOKENIZED = "tokenized"  # the dict a Hugging Face tokenizer returns with padding on
MODEL_OUTPUT = "model_output"  # what a model called on padded inputs returns
FUNC = "func"  # a function object padlint knows by qualified name (`qualname`)
SCALAR_LEN = "scalar_len"  # one sample's length (loop variable over lengths)
INSTANCE = "instance"  # an instance of a class defined in this file (`cls`: its ClassDef)
CLASS = "class"  # a class defined in this file
DICT = "dict"  # a dict / SimpleNamespace whose entries are known (`items`: key -> Val)
CONST = "const"  # a name bound to a literal (`PAD_IDX = 0`); attribute `value`


class Val:
    """Facts about one value.  Unknown attributes read as None."""

    __slots__ = ("kind", "attrs")

    def __init__(self, kind: str, **attrs: Any) -> None:
        self.kind = kind
        self.attrs = attrs

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.attrs.get(name)

    def but(self, **changes: Any) -> Val:
        attrs = dict(self.attrs)
        attrs.update(changes)
        return Val(self.kind, **attrs)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        inner = ", ".join(f"{k}={v!r}" for k, v in self.attrs.items() if not hasattr(v, "_visit_and_replace_children"))
        return f"Val({self.kind}{', ' if inner else ''}{inner})"


def is_padded(v: Val | None) -> bool:
    return v is not None and v.kind == TENSOR and bool(v.padded)


def is_strongly_padded(v: Val | None) -> bool:
    return is_padded(v) and bool(v.strong)


# --------------------------------------------------------------------------- names
# How a name hints at what it holds, used only where no assignment says more
# (parameters, loop variables, items unpacked from a batch).  Rule options may extend
# these lists (`lengths-names`, `mask-names` in the configuration).

# a tokenizer set to pad on one side (`tokenizer.padding_side = "left"`, or the keyword)
LEFT_PADDING_SIDE = re.compile(r"""padding_side\s*=\s*["']left["']""")
RIGHT_PADDING_SIDE = re.compile(r"""padding_side\s*=\s*["']right["']""")
_LENGTHS_NAME = re.compile(
    r"^(?:.*_)?(?:lengths|lens|lengths_list|seq_lens|seqlens|seq_lengths|lengths_tensor)$"
    r"|^(?:src|tgt|sent|sen|text|input|x|feat|wav|audio|speech|utt|token|char|word|seq)_?lens?$"
    r"|^(?:src|tgt|sent|text|input|x|feat|wav|audio|speech|utt|token|char|word)_length$"
    r"|^(?:n|num)_(?:frames|tokens|words|chars|phones|valid)$"
    r"|^[ioh]lens$",  # ESPnet: ilens / olens / hlens
    re.IGNORECASE,
)
_MAX_LEN_NAME = re.compile(
    r"^(?:max_?(?:seq_?)?len(?:gth)?|max_?(?:time|steps|frames|t)|seq_len|seq_length|num_steps"
    r"|time_steps|padded_len(?:gth)?|T)$",
    re.IGNORECASE,
)
_PAD_MASK_NAME = re.compile(r"(?:^|_)(?:key_)?pad(?:ding)?_?masks?$|^is_pad|^pad_positions$", re.I)
_KEEP_MASK_NAME = re.compile(
    r"^(?:(?:\w+_)?attention_masks?|attn_masks?_keep|input_mask|non_?pad_?mask|valid_?mask|src_valid_mask"
    r"|src_mask_keep|keep_?mask|real_?mask|token_keep_mask)$",
    re.I,
)
# Usually True at real tokens, but not everywhere (trankit's `word_mask`, FastSpeech 2's
# `mel_mask` are True at padding): a *guessed* polarity, which a mask's use may overrule.
_USUALLY_KEEP_MASK_NAME = re.compile(
    r"^(?:token_mask|length_mask|seq_mask|sequence_mask|word_mask|text_mask|mel_mask|x_mask)$", re.I)
_TARGET_NAME = re.compile(
    r"^(?:y|ys|labels?|targets?|tags?|gold|golds|tgt_out|y_true|truth|.*_labels?|.*_targets?|.*_tags)$",
    re.I,
)
_PAD_VALUE_NAME = re.compile(
    r"(?:^|[._])(?:pad|padding|pad_idx|pad_id|pad_index|padding_idx|padding_value|pad_token_id|pad_token|pad_value)$",
    re.I,
)
_NOT_DATA = re.compile(
    r"^(?:images?|imgs?|pixel_values|pixels|patches|image_\w+|img_\w+|numeric\w*|tabular\w*"  # not sequences
    r"|self|cls|hidden|hx|h0|c0|h_0|c_0|state|states|device|dtype|epoch|step|batch_idx|i|j|k|n|b|bs|bsz"
    r"|training|train|mode|return_.*|.*_size|.*_dim|num_.*|n_.*|max_.*|config|cfg|args|kwargs|model|opt.*"
    r"|stride|strides|.*_stride|dilation|padding|kernel|groups|.*_factor)$",  # (a convolution's settings)
    re.I,
)

# A data loader handed in by name (`for x, y in loader:`) yields what the file's collate
# function returns, and a parameter named for one collated batch (`def train_step(model, batch)`)
# holds it (the analysis binds both; segments keeps them with the collate function).
LOADER_NAME = re.compile(r"(?:^|_)(?:data)?loader$|(?:^|_)dl$", re.IGNORECASE)
BATCH_PARAM = re.compile(r"^(?:mini_?)?batch$", re.IGNORECASE)

# A model handed to a training function (`def train(model, loader)`): when the file defines at
# most MODEL_CLASSES_AT_MOST nn.Module classes, a call of it runs the one whose forward fits.
MODEL_PARAM = re.compile(r"^(?:model|net|network|classifier|tagger|encoder|\w+_model)$")
MODEL_CLASSES_AT_MOST = 3


def module_class_bases(bases: list[str]) -> bool:
    """Whether a class with these base classes (as written) is a torch module."""
    return any(b.rsplit(".", 1)[-1] in ("Module", "LightningModule") for b in bases)


_extra_lengths: set[str] = set()
_extra_masks: set[str] = set()


def configure_names(lengths_names: list[str] | None = None, mask_names: list[str] | None = None) -> None:
    """Extra names that mean "lengths" or "a padding mask" (rule options from the config)."""
    _extra_lengths.clear()
    _extra_masks.clear()
    _extra_lengths.update(lengths_names or ())
    _extra_masks.update(mask_names or ())


def looks_like_lengths(name: str) -> bool:
    return name in _extra_lengths or bool(_LENGTHS_NAME.match(name))


def looks_like_max_len(name: str) -> bool:
    return bool(_MAX_LEN_NAME.match(name))


# num_masks, num_masked_tokens, mask_count, masks_per_image: how many, a count, not a mask
_MASK_COUNT = re.compile(r"^(?:num|n|number_of|total|count)_\w*mask\w*$|^\w*masks?_(?:count|num|number|per_\w+)$", re.I)


# (a transformer's head_mask switches whole attention heads off: never a padding mask)
_NOT_A_PADDING_MASK = re.compile(r"head_masks?$", re.I)


def looks_like_mask(name: str) -> bool:
    return name in _extra_masks or ("mask" in name.lower() and not _MASK_COUNT.match(name)
                                    and not _NOT_A_PADDING_MASK.search(name))


_NOT_PAD = re.compile(r"(?:^|_)(?:non|not|no)_?pad", re.I)


def mask_polarity_of_name(name: str) -> str | None:
    if _NOT_PAD.search(name):  # non_pad_mask, not_pad_mask: True = real token
        return "keep"
    if _PAD_MASK_NAME.search(name):
        return "pad"
    if _KEEP_MASK_NAME.match(name) or _USUALLY_KEEP_MASK_NAME.match(name):
        return "keep"
    return None


def polarity_guessed(name: str) -> bool:
    """The polarity of this mask name is a habit, not a meaning (see _USUALLY_KEEP_MASK_NAME)."""
    return bool(_USUALLY_KEEP_MASK_NAME.match(name)) and not _NOT_PAD.search(name)


# pixel_values, images, patches: a fixed-size grid, not a padded sequence (unless the function
# also takes a mask for them, as DETR's pixel_mask for images padded to the largest in the batch)
_IMAGE_NAME = re.compile(r"^(?:pixel_values|images?|imgs?|image_tensors?|patches|image_patches)$", re.I)


def looks_like_image(name: str) -> bool:
    return bool(_IMAGE_NAME.match(name))


def looks_like_target(name: str) -> bool:
    return bool(_TARGET_NAME.match(name))


# `last_non_pad_token`, `num_pad_tokens`, `first_pad_index`: positions and counts, not pad ids.
_NOT_PAD_VALUE = re.compile(r"non_?pad|not_?pad|(?:^|[._])(?:last|first|num|n|count|is)_", re.I)


def looks_like_pad_value(name: str) -> bool:
    return bool(_PAD_VALUE_NAME.search(name)) and not _NOT_PAD_VALUE.search(name)


def looks_like_data(name: str) -> bool:
    return not _NOT_DATA.match(name) and not looks_like_lengths(name) and not looks_like_mask(name)


def val_for_name(name: str) -> Val | None:
    """What a bare name suggests, when nothing else is known."""
    if looks_like_lengths(name):
        return Val(LENGTHS)
    if looks_like_mask(name):
        polarity = mask_polarity_of_name(name)
        return Val(MASK, polarity=polarity, guessed=polarity_guessed(name) or None, named=polarity is not None or None)
    return None
