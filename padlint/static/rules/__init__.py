"""One module per rule.  Each module holds one :class:`padlint.static.rule.Rule` subclass."""
