"""A progress bar for long management commands, drawn only when a person watches."""

from contextlib import contextmanager


@contextmanager
def progress_bar(stream, *, description: str, unit: str = "case"):
    """Yield `update(done, total)`; a tqdm bar on a terminal, nothing otherwise (cron, CI
    and pipes get clean output)."""
    if not getattr(stream, "isatty", lambda: False)():
        yield lambda done, total: None
        return
    from tqdm import tqdm

    bar = tqdm(desc=description, unit=unit, file=stream, total=0, dynamic_ncols=True)

    def update(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()
