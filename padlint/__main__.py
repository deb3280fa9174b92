"""``python -m padlint``: the same command as ``padlint`` (as ``python -m ruff`` is ruff)."""

from padlint.cli import main

if __name__ == "__main__":
    main(prog_name="padlint")
