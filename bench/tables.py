"""The bench commands' plain-text tables and verdicts: a table's header with the dashed
line under it, the budget's last line and the one percentile they print (`bench`,
`loadtest`)."""

import math


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


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of `values`, nearest rank: the smallest value that at
    least q % of them are at or under (`round(x + 0.5)` rounded half to even, so it took
    the next value where q % of the count is whole for some counts and not for others)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]
