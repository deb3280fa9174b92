"""The ``padlint`` command: ``check``, ``rule``, ``clean``.

Exit codes follow ruff: 0 no findings, 1 findings, 2 a usage error, a broken
configuration, a file that could not be read, or an internal error.  This module never
imports torch.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import click

from padlint import __version__


def _split(values: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for value in values:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def _split_globs(values: tuple[str, ...]) -> list[str]:
    """``--exclude a,b`` as ruff reads it (comma-separated), keeping ``*.{py,pyi}`` whole."""
    out: list[str] = []
    for value in values:
        depth, start = 0, 0
        for i, ch in enumerate(value):
            depth += ch == "{"
            depth -= ch == "}" and depth > 0
            if ch == "," and depth == 0:
                out.append(value[start:i].strip())
                start = i + 1
        out.append(value[start:].strip())
    return [v for v in out if v]


class _Group(click.Group):
    def main(self, *args, **kwargs):  # type: ignore[override]
        # Usage errors exit 2 (click's default); keep it, but never show a traceback.
        try:
            return super().main(*args, **kwargs)
        except KeyboardInterrupt:  # pragma: no cover
            click.echo("padlint: interrupted", err=True)
            sys.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="padlint")
def main() -> None:
    """padlint: find padding bugs in PyTorch sequence code."""


@main.command()
@click.argument("paths", nargs=-1, type=str)
@click.option("--select", multiple=True, help="Codes or prefixes to check (PAD, PAD2, PAD202); comma-separated.")
@click.option("--ignore", multiple=True, help="Codes or prefixes to skip.")
@click.option("--extend-select", multiple=True, help="Codes or prefixes to add to the selection.")
@click.option("--output-format", type=click.Choice(["concise", "full", "json", "json-lines", "github", "sarif", "junit"]),
              default=None, help="How findings are written (default: concise).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="A pyproject.toml or padlint.toml to use instead of the nearest one.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("--preview", is_flag=True, default=None, help="Also run opt-in rules that a prefix selects.")
@click.option("--fix", is_flag=True, help="Apply safe automatic fixes.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that may change behaviour (with --fix or --diff).")
@click.option("--diff", is_flag=True, help="Show the fixes as a unified diff; change no file.")
@click.option("--ignore-noqa", is_flag=True, help="Report findings even where a suppression comment is.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Count findings per rule instead of listing them.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary.")
@click.option("--stdin-filename", default=None, help="The name to report for code read from stdin (`-`).")
@click.option("--jobs", "-j", type=int, default=None, help="Worker processes (default: all cores).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache.")
@click.option("--cache-dir", default=None, help="Where the result cache lives (default: .padlint_cache).")
@click.option("--exclude", multiple=True, help="Globs of files and folders to skip (replaces the config's); comma-separated.")
@click.option("--extend-exclude", multiple=True, help="Globs to skip, in addition to the config's; comma-separated.")
@click.option("--force-exclude", is_flag=True, default=None,
              help="Apply the excludes to files named on the command line too (for pre-commit).")
@click.option("--no-prefilter", is_flag=True, hidden=True, help="Parse every file (for testing the prefilter).")
def check(paths, select, ignore, extend_select, output_format, config_path, isolated, preview, fix, unsafe_fixes,
          diff, ignore_noqa, exit_zero, statistics, quiet, stdin_filename, jobs, no_cache, cache_dir, exclude,
          extend_exclude, force_exclude, no_prefilter) -> None:
    """Check PATHS (files or folders; default: the current folder) for padding bugs."""
    from padlint.static.config import Config, ConfigError, find_config, load_config
    from padlint.static.output import statistics as stats_text
    from padlint.static.output import write
    from padlint.static.registry import SelectionError, resolve_selection
    from padlint.static.runner import Job, run

    paths = list(paths) or ["."]
    try:
        if isolated:
            config = Config()
        elif config_path is not None:
            if not Path(config_path).is_file():
                raise ConfigError(f"{config_path}: no such configuration file")
            config = load_config(Path(config_path))
        else:
            # For stdin, the configuration is the one the named file would get (editors run from anywhere).
            start = Path(paths[0]) if paths[0] != "-" else Path(stdin_filename or ".")
            while not start.exists() and start != start.parent:
                start = start.parent
            config = load_config(find_config(start if start.exists() else Path.cwd()))
    except ConfigError as exc:
        click.echo(f"padlint: error: {exc}", err=True)
        sys.exit(2)

    use_preview = config.preview if preview is None else preview
    cli_select = _split(select) or None
    try:
        selected = resolve_selection(
            cli_select if cli_select is not None else config.select,
            [*config.ignore, *_split(ignore)],
            [*config.extend_select, *_split(extend_select)],
            use_preview,
        )
        per_file = {glob: resolve_selection(codes) for glob, codes in config.per_file_ignores.items()}
    except SelectionError as exc:
        click.echo(f"padlint: error: {exc}", err=True)
        sys.exit(2)
    fmt = output_format or config.output_format or "concise"
    if fmt not in ("concise", "full", "json", "json-lines", "github", "sarif", "junit"):
        click.echo(f"padlint: error: {config.path}: unknown output-format {fmt!r}", err=True)
        sys.exit(2)
    if unsafe_fixes and not (fix or diff):
        fix_level = None
    else:
        fix_level = ("unsafe" if unsafe_fixes else "safe") if (fix or diff) else None

    options = {"names": {"lengths": config.lengths_names, "mask": config.mask_names}}
    job = Job(
        paths=paths,
        selected=frozenset(selected),
        per_file_ignores=per_file,
        exclude=_split_globs(exclude) if exclude else config.exclude,
        extend_exclude=[*config.extend_exclude, *_split_globs(extend_exclude)],
        root=config.root,
        options=options,
        ignore_noqa=ignore_noqa,
        prefilter=not no_prefilter,
        fix=fix_level,
        write_fixes=fix and not diff,
        jobs=jobs,
        cache_dir=None if no_cache or fix or diff or "-" in paths else (cache_dir or config.cache_dir
                                                                        or str(config.root / ".padlint_cache")),
        stdin_filename=stdin_filename,
        force_exclude=config.force_exclude if force_exclude is None else force_exclude,
    )
    result = run(job)

    for message in result.messages:
        click.echo(f"padlint: error: {message}", err=True)
    for message in result.warnings:
        click.echo(f"padlint: warning: {message}", err=True)
    if diff:
        for name, old, new in result.diffs:
            sys.stdout.write("".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), name, name)))
    if result.fixed_stdin is not None:
        sys.stdout.write(result.fixed_stdin)
    findings = result.findings
    if statistics:
        text = stats_text(findings)
        if text:
            click.echo(text)
    elif not diff and result.fixed_stdin is None:  # with --diff, stdout is the diff alone (any format)
        write(findings, fmt, sys.stdout, files_checked=result.files_checked, checked_files=result.checked_files)
    elif result.fixed_stdin is not None and findings:
        # stdout carries the fixed source; what is left goes to stderr (as ruff does).
        write(findings, "concise", sys.stderr)
    if not quiet and fmt in ("concise", "full") and not diff and result.fixed_stdin is None:
        fixable = sum(1 for f in findings if f.edits and (f.fix_applicability == "safe" or unsafe_fixes))
        if findings:
            summary = f"Found {len(findings)} error{'s' if len(findings) != 1 else ''}"
            if result.fixed:
                summary += f" ({result.fixed} fixed, {len(findings)} remaining)"
            summary += "."
            click.echo(summary, err=False)
            if fixable and not fix:
                click.echo(f"[*] {fixable} fixable with the `--fix` option.")
        elif result.fixed:
            click.echo(f"Found {result.fixed} error{'s' if result.fixed != 1 else ''} ({result.fixed} fixed, 0 remaining).")
        elif result.messages or result.warnings:
            unchecked = len(result.messages) + len(result.warnings)
            click.echo(f"No findings in the files checked; {unchecked} could not be checked (see above).")
        elif result.files_checked:
            click.echo("All checks passed!")
        else:
            click.echo("padlint: warning: no Python files found under the given paths", err=True)
    if result.usage_error or result.internal_error or result.unreadable:
        sys.exit(2)
    if findings and not exit_zero:
        sys.exit(1)
    if diff and result.diffs and not exit_zero:
        sys.exit(1)  # like ruff: a non-empty diff fails, so `--diff` works as a CI gate
    sys.exit(0)


@main.command()
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="List every rule: code, name, summary.")
def rule(code: str | None, show_all: bool) -> None:
    """Print the document of rule CODE (a code like PAD202 or a name like last-step-of-padded-output)."""
    from padlint.static.docs import read_doc
    from padlint.static.registry import catalogue, code_for

    from padlint.runtime.codes import CODES  # plain data: no torch

    if show_all or code is None:
        if code is None and not show_all:
            click.echo("padlint rule: give a rule code (e.g. `padlint rule PAD202`) or --all", err=True)
            sys.exit(2)
        for rule_code, name, summary, opt_in in catalogue():
            flag = " (opt-in)" if opt_in else ""
            click.echo(f"{rule_code}  {name:<34} {summary}{flag}")
        click.echo("\nFound only at run time by padlint.guard():")
        for rule_code, (name, summary) in CODES.items():
            if rule_code.startswith("PAD-R"):
                click.echo(f"{rule_code}  {name:<34} {summary}")
        return
    for rule_code, (name, summary) in CODES.items():
        if rule_code.startswith("PAD-R") and code.upper() in (rule_code, name.upper()):
            click.echo(f"# {rule_code} {name}\n\n{summary}\n\nReported at run time by `padlint.guard()`; "
                       "see the README's section on the runtime guard.")
            return
    resolved = code_for(code)
    if resolved is None:
        click.echo(f"padlint rule: unknown rule {code!r}; `padlint rule --all` lists them", err=True)
        sys.exit(2)
    rows = {c: (n, s) for c, n, s, _ in catalogue()}
    name, summary = rows[resolved]
    doc = read_doc(resolved, name)
    if doc is None:
        click.echo(f"# {resolved} {name}\n\n{summary}")
    else:
        click.echo(doc.rstrip("\n"))


@main.command()
@click.option("--cache-dir", default=None, help="The cache folder to remove (default: .padlint_cache).")
def clean(cache_dir: str | None) -> None:
    """Remove padlint's result cache."""
    from padlint.static.cache import remove_cache
    from padlint.static.config import ConfigError, find_config, load_config

    try:
        config = load_config(find_config(Path.cwd()))
    except ConfigError as exc:
        click.echo(f"padlint: error: {exc}", err=True)
        sys.exit(2)
    target = Path(cache_dir or config.cache_dir or config.root / ".padlint_cache")
    removed = remove_cache(target)
    click.echo(f"Removed {target}" if removed else f"No cache at {target}")


if __name__ == "__main__":  # pragma: no cover
    main()
