"""Errors a person can act on: the CLI prints their message in one line, the GUI in a dialog."""


class UserError(Exception):
    """A mistake or a bad input the user can fix; never shown with a traceback."""


class WorkspaceError(UserError):
    """A workspace file that cannot be read: damaged, foreign, or from a newer version."""
