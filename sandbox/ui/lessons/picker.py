"""Help ▸ Lessons: the bundled lessons (``resources/lessons``), each with its claim; pick one and
start. A lesson file that cannot be read is listed with its one sentence, not started."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...session.lessons import Lesson, LessonError, load_lessons


class LessonPicker(QDialog):
    chosen = Signal(object)  # Lesson

    def __init__(self, parent: QWidget | None = None, folder: str | None = None):
        super().__init__(parent)
        self.setObjectName("lessonPicker")
        self.setWindowTitle("Lessons")
        self.setModal(False)
        self.setMinimumSize(460, 320)
        self.resize(560, 380)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Three short lessons on real prices. Each asks you to predict before it plays, then "
            "shows what the engine did, as traded, all cross and all isolated.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.list = QListWidget(self)
        self.list.setObjectName("lessonList")
        self.list.setWordWrap(True)
        self.list.itemDoubleClicked.connect(lambda _item: self._start())
        layout.addWidget(self.list, 1)
        self.problem = QLabel(self)
        self.problem.setObjectName("lessonProblem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.start_button = QPushButton("Start", self)
        self.start_button.setObjectName("startLesson")
        self.start_button.setDefault(True)
        buttons.addButton(self.start_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.start_button.clicked.connect(self._start)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        self.lessons: list[Lesson] = []
        self.load(folder)

    def load(self, folder: str | None = None) -> None:
        self.list.clear()
        self.problem.hide()
        try:
            self.lessons = load_lessons() if folder is None else load_lessons(folder)
        except LessonError as exc:
            self.lessons = []
            self.problem.setText(str(exc))
            self.problem.show()
        for n, lesson in enumerate(self.lessons, start=1):
            item = QListWidgetItem(f"{n}. {lesson.title}\n{lesson.claim}")
            self.list.addItem(item)
        if self.lessons:
            self.list.setCurrentRow(0)
        self.start_button.setEnabled(bool(self.lessons))

    def _start(self) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.lessons):
            return
        self.chosen.emit(self.lessons[row])
        self.close()
