"""What a person does in JupyterLab, as Playwright steps: open a notebook, type into a
cell, run it, read its output, press a toolbar button; and the screenshots of each step."""
import re
from pathlib import Path

import nbformat
from playwright.sync_api import Locator, Page, expect

KERNEL_START_MS = 60_000
CELL_RUN_MS = 60_000


def menu(page: Page, *labels: str) -> None:
    """Click through JupyterLab's main menu: menu(page, "Run", "Run All Cells")."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(
        f"^{re.escape(labels[0])}$")).click()
    for label in labels[1:]:
        page.locator(".lm-Menu:visible .lm-Menu-itemLabel",
                     has_text=re.compile(f"^{re.escape(label)}$")).click()


class Screenshots:
    """Numbered PNGs in one folder: 01_<step>.png, 02_<step>.png, ..."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.taken: list[Path] = []

    def take(self, target: Page | Locator, step: str) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}_{step}.png"
        self.folder.mkdir(parents=True, exist_ok=True)
        target.screenshot(path=path)
        self.taken.append(path)
        return path


class Notebook:
    """A notebook open in JupyterLab. Cells are found by their id in the notebook file
    (nbgrader's grade_id for graded cells): JupyterLab shows them in the same order."""

    def __init__(self, page: Page, root: Path, path: str):
        self.page = page
        self.path = path
        self.cell_ids = [cell.id for cell in nbformat.read(root / path, as_version=4).cells]
        self.panel = page.locator(".jp-NotebookPanel:visible")

    def open(self, url: str) -> None:
        """Open the notebook at `url` and wait until its kernel has started."""
        self.page.goto(url)
        expect(self.panel.locator(".jp-Cell")).to_have_count(len(self.cell_ids),
                                                             timeout=KERNEL_START_MS)
        self.wait_for_idle_kernel(KERNEL_START_MS)

    def wait_for_idle_kernel(self, timeout: int = CELL_RUN_MS) -> None:
        expect(self.page.locator(".jp-StatusBar-Widget")).to_contain_text(
            re.compile(r"\| Idle"), timeout=timeout)

    def cell(self, cell_id: str) -> Locator:
        return self.panel.locator(".jp-Notebook .jp-Cell").nth(self.cell_ids.index(cell_id))

    def output(self, cell_id: str) -> Locator:
        return self.cell(cell_id).locator(".jp-OutputArea")

    def errors(self, cell_id: str) -> Locator:
        """A cell's tracebacks and stderr, as JupyterLab shows them (on red)."""
        return self.output(cell_id).locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")

    def code_is_wider_than_its_cell(self, cell_id: str) -> bool:
        """Does a line of the cell's code run past its right edge (JupyterLab does not
        wrap code, so its end shows only when the student scrolls sideways)?"""
        return self.cell(cell_id).locator(".cm-scroller").evaluate(
            "scroller => scroller.scrollWidth > scroller.clientWidth")

    def select(self, cell_id: str) -> Locator:
        """Click a cell's prompt, as a person does to select it without editing it."""
        cell = self.cell(cell_id)
        cell.scroll_into_view_if_needed()
        cell.locator(".jp-InputPrompt").click()
        return cell

    def run(self, cell_id: str) -> Locator:
        """Shift+Enter on a cell; returns once it has an execution count again."""
        cell = self.select(cell_id)
        self.page.keyboard.press("Shift+Enter")
        expect(cell.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]:"),
                                                              timeout=CELL_RUN_MS)
        return cell

    def replace_code(self, cell_id: str, code: str) -> None:
        """Select all of a cell's code and type `code` over it, key by key.

        As for a person typing, the editor indents each new line (one level more after
        a line ending in a colon), so each line is typed without its leading spaces;
        Backspace takes a level back off where the code dedents."""
        editor = self.cell(cell_id).locator(".cm-content")
        editor.click()
        self.page.keyboard.press("Control+A")
        self.page.keyboard.press("Delete")
        indent = 0
        for number, line in enumerate(code.strip("\n").splitlines()):
            wanted = len(line) - len(line.lstrip(" "))
            if number:
                self.page.keyboard.press("Enter")
                for _ in range((indent - wanted) // 4):
                    self.page.keyboard.press("Backspace")
            else:
                self.page.keyboard.type(" " * wanted)
            self.page.keyboard.type(line.lstrip(" "))
            indent = wanted + (4 if line.rstrip().endswith(":") else 0)
        expect(editor).to_have_text(code.strip("\n").replace("\n", ""), use_inner_text=False)

    def toolbar_button(self, label: str) -> Locator:
        return self.panel.locator(".jp-Toolbar").get_by_role("button", name=label, exact=True)
