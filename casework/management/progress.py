"""A progress bar for long management commands, drawn only when a person watches."""

from contextlib import contextmanager


@contextmanager
def progress_bar(stream, *, description: str, unit: str = "case", timed: bool = True):
    """Yield `update(done, total)`; a tqdm bar on a terminal, nothing otherwise (cron, CI
    and pipes get clean output). `timed=False` leaves out the rate and time left, for work
    that moves the clock."""
    if not getattr(stream, "isatty", lambda: False)():
        yield lambda done, total: None
        return
    from tqdm import tqdm

    untimed = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} " + unit
    bar = tqdm(
        desc=description, unit=unit, file=stream, total=0, dynamic_ncols=True,
        bar_format=None if timed else untimed,
    )  # fmt: skip

    def update(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()
