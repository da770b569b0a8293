"""The question a save asks when another program saved over the workspace file since it was
opened here: overwrite the other program's version, save beside it, or cancel."""
from __future__ import annotations

import os

from PySide6.QtWidgets import QMessageBox, QWidget

from latent_explorer.errors import WorkspaceChangedError
from latent_explorer.gui.dialogs.about import APP_TITLE

OVERWRITE, BESIDE, CANCEL = "overwrite", "beside", "cancel"


def question_text(error: WorkspaceChangedError, beside: str) -> str:
    return (f"{os.path.basename(error.path)} was changed on disk by another program since you "
            f"opened it ({error.when}). Overwrite it, save beside it as "
            f"{os.path.basename(beside)}, or cancel?")


def ask_changed_on_disk(parent: QWidget | None, error: WorkspaceChangedError, beside: str) -> str:
    """OVERWRITE, BESIDE (save as ``beside``) or CANCEL; saving beside is the default: it loses
    nobody's work."""
    buttons = QMessageBox.StandardButton
    box = QMessageBox(QMessageBox.Icon.Warning, APP_TITLE, question_text(error, beside),
                      buttons.Yes | buttons.Save | buttons.Cancel, parent)
    box.button(buttons.Yes).setText("Overwrite")
    box.button(buttons.Save).setText(f"Save beside as {os.path.basename(beside)}")
    box.setDefaultButton(buttons.Save)
    box.setEscapeButton(buttons.Cancel)
    answer = buttons(box.exec())
    return {buttons.Yes: OVERWRITE, buttons.Save: BESIDE}.get(answer, CANCEL)


__all__ = ["BESIDE", "CANCEL", "OVERWRITE", "ask_changed_on_disk", "question_text"]
