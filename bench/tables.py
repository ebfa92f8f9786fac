"""The bench commands' plain-text tables and verdicts: a table's header with the dashed
line under it, and the budget's last line (`bench`, `loadtest`)."""


def header_write(stdout, header: str) -> str:
    """Write a table's header and the dashed line as long as it under it; answer the
    dashed line (for a rule before a table's totals)."""
    rule = "-" * len(header)
    stdout.write(header)
    stdout.write(rule)
    return rule


def budget_line(over: list[str], sep: str = ", ") -> str:
    """The last line other scripts read: `budget: all within` or `budget: over: …`."""
    return "budget: all within" if not over else "budget: over: " + sep.join(over)
