"""The progress bar of management commands that stream long work."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.management.base import BaseCommand
from tqdm import tqdm


@contextmanager
def progress_bar(command: BaseCommand, unit: str, verbosity: int
                 ) -> Iterator[Callable[[int, int], None]]:
    """A bar on the command's stderr (none at verbosity 0), as a `(done, total)`
    callback for the work to call as it goes."""
    with tqdm(total=0, unit=unit, disable=verbosity == 0, file=command.stderr._out) as bar:
        def report(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        yield report
