"""CSV cells that a spreadsheet shows as text and never runs as a formula."""

# A cell starting with one of these would run as a formula (or start one) in a spreadsheet.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value):
    """``value`` as a CSV cell: empty for None, and quoted if it could start a formula."""
    value = "" if value is None else str(value)
    return "'" + value if value.startswith(FORMULA_START) else value
