"""Errors a person can act on: the CLI prints their message in one line, the GUI in a dialog."""


class UserError(Exception):
    """A mistake or a bad input the user can fix; never shown with a traceback."""


class WorkspaceError(UserError):
    """A workspace file that cannot be read: damaged, foreign, or from a newer version."""


class WorkspaceChangedError(UserError):
    """A save would replace a workspace file that another program saved since it was opened (or
    last saved) here: nothing was written. ``path``: the file; ``modified``: when it changed
    (seconds since the epoch). Save elsewhere, or save again with ``force=True`` to replace it."""

    def __init__(self, path: str, modified: float) -> None:
        import time

        self.path, self.modified = path, modified
        self.when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(modified))
        super().__init__(f"{path} was changed on disk by another program since it was read here "
                         f"(at {self.when}); nothing was saved: read it again, or save under another "
                         "name (in Python, save(..., force=True) overwrites it)")
