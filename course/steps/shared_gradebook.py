"""nbgrader's gradebook steps, on one open gradebook per grading process.

Each of nbgrader's steps opens `Gradebook(db_url)` for every notebook: a new SQLAlchemy
engine, which connects, lists and creates the tables, and compiles every query afresh
(SQLAlchemy keeps compiled queries per engine): ~75 ms of a worker per notebook here.
The steps below are nbgrader's own functions, their code unchanged, run with the name
`Gradebook` meaning `shared_gradebook`: this process's gradebook for that database, kept
open between steps. Each step's `with` block still ends its session (the step's
transaction committed by the step or rolled back), so the next step reads what other
workers wrote, and no read of ours holds up a SQLite writer.
"""
import os
import types

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.converters import Autograde
from nbgrader.preprocessors import AssignLatePenalties, OverwriteCells, OverwriteKernelspec
from sqlalchemy.engine import make_url


class OpenGradebook(Gradebook):
    """A Gradebook whose `with` block ends its session but keeps the engine. A block
    that raises closes it for good (its connection may be broken): the next step opens
    a new one."""

    def __exit__(self, exc_type, exc_value, traceback):
        if exc_type is None:
            self.db.remove()
        else:
            _forget(self)


# (process, database URL, course) -> (the open gradebook, its database file's identity)
_open: dict = {}


def shared_gradebook(db_url: str, course_id: str = "default_course",
                     authenticator=None) -> OpenGradebook:
    """This process's open gradebook for `db_url` (nbgrader's Gradebook arguments). A
    SQLite file replaced since it was opened (a new gradebook.db) is opened afresh."""
    key = (os.getpid(), db_url, course_id)  # a forked process opens its own connection
    gradebook, identity = _open.get(key, (None, None))
    if gradebook is None or identity != _file_identity(db_url):
        if gradebook is not None:
            _forget(gradebook)
        gradebook = OpenGradebook(db_url, course_id, authenticator)
        _open[key] = (gradebook, _file_identity(db_url))
    return gradebook


def _forget(gradebook: OpenGradebook) -> None:
    for key, (entry, _) in list(_open.items()):
        if entry is gradebook:
            del _open[key]
    Gradebook.close(gradebook)


def _file_identity(db_url: str):
    """(device, inode) of a SQLite gradebook's file, None for any other database."""
    url = make_url(db_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        return None
    try:
        status = os.stat(url.database)
    except OSError:
        return None
    return status.st_dev, status.st_ino


def nbgraders_own(function, **names):
    """nbgrader's `function`, its code unchanged, with the global `names` meaning ours."""
    copy = types.FunctionType(function.__code__, {**function.__globals__, **names},
                              function.__name__, function.__defaults__, function.__closure__)
    copy.__qualname__, copy.__doc__ = function.__qualname__, function.__doc__
    return copy


def on_shared_gradebook(function):
    return nbgraders_own(function, Gradebook=shared_gradebook)


class OverwriteCellsShared(OverwriteCells):
    """nbgrader's OverwriteCells, whose lookup of each cell's source and graded cell (one
    query each, for every cell) is answered from the notebook's cells, loaded once."""
    preprocess = on_shared_gradebook(OverwriteCells.preprocess)

    @property
    def gradebook(self):
        return self._cells_loaded

    @gradebook.setter
    def gradebook(self, gradebook):  # set by nbgrader's preprocess, once per notebook
        self._cells_loaded = _CellsLoadedOnce(gradebook)


class _CellsLoadedOnce:
    """A gradebook whose find_source_cell and find_graded_cell, for one notebook, come
    from two queries made on the first call; the rest is the gradebook's own."""

    def __init__(self, gradebook):
        self._gradebook, self._cells = gradebook, None

    def __getattr__(self, name):
        return getattr(self._gradebook, name)

    def __enter__(self):
        self._gradebook.__enter__()
        return self

    def __exit__(self, *error):
        return self._gradebook.__exit__(*error)

    def _cell(self, kind, name, notebook, assignment):
        if self._cells is None or self._cells[0] != (notebook, assignment):
            found = self._gradebook.find_notebook(notebook, assignment)
            # a grade cell before a task cell of the same name, as find_graded_cell looks
            self._cells = ((notebook, assignment),
                           {"source": {cell.name: cell for cell in found.source_cells},
                            "grade": {cell.name: cell
                                      for cell in [*found.task_cells, *found.grade_cells]}})
        cells = self._cells[1][kind]
        if name not in cells:  # as nbgrader's own lookups raise
            raise MissingEntry(f"No such {kind} cell: {assignment}/{notebook}/{name}")
        return cells[name]

    def find_source_cell(self, name, notebook, assignment):
        return self._cell("source", name, notebook, assignment)

    def find_graded_cell(self, name, notebook, assignment):
        return self._cell("grade", name, notebook, assignment)


class OverwriteKernelspecShared(OverwriteKernelspec):
    preprocess = on_shared_gradebook(OverwriteKernelspec.preprocess)


class AssignLatePenaltiesShared(AssignLatePenalties):
    preprocess = on_shared_gradebook(AssignLatePenalties.preprocess)


init_assignment = on_shared_gradebook(Autograde.init_assignment)
