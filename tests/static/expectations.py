"""Reading `# expect: PADnnn` markers from fixture files (a comment, read with tokenize)."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

_EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>PAD\d{3}(?:\s*,\s*PAD\d{3})*)")


def expected_findings(path: Path) -> set[tuple[int, str]]:
    out: set[tuple[int, str]] = set()
    text = path.read_text(encoding="utf-8")
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            match = _EXPECT.search(tok.string)
            if match:
                for code in re.split(r"\s*,\s*", match.group("codes")):
                    out.add((tok.start[0], code))
    return out
