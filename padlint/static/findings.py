"""A finding: one reported problem, in the shape every output format reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Edit:
    content: str
    row: int
    column: int  # 1-based
    end_row: int
    end_column: int


@dataclass
class Finding:
    filename: str
    code: str
    name: str
    message: str
    row: int  # 1-based
    column: int  # 1-based
    end_row: int
    end_column: int
    severity: str = "error"
    fix_message: str | None = None
    fix_applicability: str | None = None
    edits: list[Edit] = field(default_factory=list)
    hint: str = ""
    url: str | None = None
    source_line: str = ""

    def sort_key(self) -> tuple[Any, ...]:
        return (self.filename, self.row, self.column, self.code)

    def to_json(self) -> dict[str, Any]:
        """The keys of ruff's JSON output (plus `severity`)."""
        fix = None
        if self.edits:
            fix = {
                "applicability": self.fix_applicability,
                "message": self.fix_message,
                "edits": [
                    {
                        "content": e.content,
                        "location": {"row": e.row, "column": e.column},
                        "end_location": {"row": e.end_row, "column": e.end_column},
                    }
                    for e in self.edits
                ],
            }
        return {
            "filename": self.filename,
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "location": {"row": self.row, "column": self.column},
            "end_location": {"row": self.end_row, "column": self.end_column},
            "fix": fix,
            "url": self.url,
            "severity": self.severity,
            "noqa_row": self.row,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        fix = data.get("fix") or {}
        return cls(
            filename=data["filename"],
            code=data["code"],
            name=data["name"],
            message=data["message"],
            row=data["location"]["row"],
            column=data["location"]["column"],
            end_row=data["end_location"]["row"],
            end_column=data["end_location"]["column"],
            severity=data.get("severity", "error"),
            fix_message=fix.get("message"),
            fix_applicability=fix.get("applicability"),
            edits=[
                Edit(e["content"], e["location"]["row"], e["location"]["column"],
                     e["end_location"]["row"], e["end_location"]["column"])
                for e in fix.get("edits", [])
            ],
            hint=data.get("hint", ""),
            url=data.get("url"),
            source_line=data.get("source_line", ""),
        )
