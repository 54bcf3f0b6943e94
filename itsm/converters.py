"""URL converters: a ticket number is three letters and digits, nothing else.

Matching it in the URL keeps bytes no database accepts (a NUL, say) from ever reaching
a query: such a URL is a plain 404.
"""

TICKET_NUMBER_REGEX = r"[A-Za-z]{3}[0-9]{1,18}"


class TicketNumberConverter:
    regex = TICKET_NUMBER_REGEX

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value


class SmallNumberConverter:
    """A counter in a URL (a revision number): at most nine digits, so it always fits
    the database's integer column; longer is a 404, not an overflow."""

    regex = r"[0-9]{1,9}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
