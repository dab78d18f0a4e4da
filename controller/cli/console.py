"""Shared terminal output: results on stdout, progress and problems on stderr."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sites.errors import InventoryError

out = Console(highlight=False, soft_wrap=True)  # never break a token or a URL
err = Console(stderr=True, highlight=False, soft_wrap=True)


@contextmanager
def progress_bar(description: str, total: int) -> Iterator[Callable[[int], None]]:
    """Yields `advance_to(n)`. Draws a bar on a terminal; silent when stderr is a pipe or file."""
    if not err.is_terminal:
        yield lambda _n: None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.update(task, completed=n)


def print_problems(error: InventoryError) -> None:
    for p in error.problems:
        where = p.source or "<inventory>"
        if p.line is not None:
            where += f":{p.line}"
        err.print(f"[bold]{where}[/]: [cyan]{p.field}[/]: {p.message}", soft_wrap=True)
    count = len(error.problems)
    err.print(f"[red]{count} problem{'s' if count != 1 else ''}[/]; nothing was loaded.")
