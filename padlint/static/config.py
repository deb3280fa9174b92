"""``[tool.padlint]`` in pyproject.toml, or padlint.toml: read, validated, merged with the CLI."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from padlint.static.registry import SelectionError, resolve_selection

KNOWN_KEYS = {
    "select", "ignore", "extend-select", "per-file-ignores", "exclude", "extend-exclude", "preview",
    "lengths-names", "mask-names", "output-format", "cache-dir", "force-exclude",
}
DEFAULT_EXCLUDE: list[str] = []


class ConfigError(Exception):
    """A configuration problem: the message names the file and the key."""


@dataclass
class Config:
    path: Path | None = None
    root: Path = field(default_factory=Path.cwd)
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    extend_exclude: list[str] = field(default_factory=list)
    preview: bool = False
    lengths_names: list[str] = field(default_factory=list)
    mask_names: list[str] = field(default_factory=list)
    output_format: str | None = None
    cache_dir: str | None = None
    force_exclude: bool = False


def find_config(start: Path) -> Path | None:
    """The nearest padlint.toml, or pyproject.toml with a [tool.padlint] table, at or above ``start``."""
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        own = candidate / "padlint.toml"
        if own.is_file():
            return own
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            try:
                data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
                return pyproject  # reported as a broken config when loaded
            if "padlint" in data.get("tool", {}):
                return pyproject
    return None


# How each key's value is read (the Config attribute is the key with `-` as `_`).
_LIST_KEYS = {"select", "ignore", "extend-select", "exclude", "extend-exclude", "lengths-names", "mask-names"}
_BOOL_KEYS = {"preview", "force-exclude"}
_STRING_KEYS = {"output-format", "cache-dir"}


def _strings(value: Any, path: Path, key: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: `{key}` must be a list of strings, got {value!r}")
    return value


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: the configuration is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    table = data.get("tool", {}).get("padlint", {}) if path.name == "pyproject.toml" else data.get("tool", {}).get("padlint", data)
    where = "[tool.padlint]" if path.name == "pyproject.toml" else "padlint.toml"
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where} must be a table")
    config = Config(path=path, root=path.parent.resolve())
    for key, value in table.items():
        if key not in KNOWN_KEYS:
            close = [k for k in KNOWN_KEYS if k.replace("-", "_") == key or k == key.replace("_", "-")]
            hint = f" (did you mean `{close[0]}`?)" if close else f"; known keys: {', '.join(sorted(KNOWN_KEYS))}"
            raise ConfigError(f"{path}: unknown key `{key}` in {where}{hint}")
        attribute = key.replace("-", "_")
        if key in _LIST_KEYS:
            setattr(config, attribute, _strings(value, path, key))
        elif key in _BOOL_KEYS:
            if not isinstance(value, bool):
                raise ConfigError(f"{path}: `{key}` must be true or false, got {value!r}")
            setattr(config, attribute, value)
        elif key in _STRING_KEYS:
            if not isinstance(value, str):
                raise ConfigError(f"{path}: `{key}` must be a string")
            setattr(config, attribute, value)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: `per-file-ignores` must be a table of glob = [codes]")
            config.per_file_ignores = {glob: _strings(codes, path, f"per-file-ignores.{glob}") for glob, codes in value.items()}
    # Codes are checked now, so a typo is an error before any file is read; the message
    # names the key that holds it.
    lists = [("select", config.select or []), ("ignore", config.ignore), ("extend-select", config.extend_select)]
    lists += [(f"per-file-ignores.{glob}", codes) for glob, codes in config.per_file_ignores.items()]
    for key, selectors in lists:
        try:
            resolve_selection(selectors)
        except SelectionError as exc:
            raise ConfigError(f"{path}: `{key}` in {where}: {exc}") from None
    return config
