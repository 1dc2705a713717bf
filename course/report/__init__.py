"""The class report: the page an instructor opens first after grading, for any assignment,
built from what grading already wrote (`python -m course report <assignment>`, and at the
end of every `python -m course grade`).

gather.py reads the gradebook, the autograded notebooks and the grading records;
items.py (item analysis), misconceptions.py and similarity.py compute; page.py writes
reports/<assignment>/index.html with a figure and a CSV per section. Thresholds are
ClassReport's settings in nbgrader_config.py (course/settings.py).
"""
import shutil
import time
from pathlib import Path

from course.report.gather import gather
from course.report.items import analyse_items
from course.report.misconceptions import misconceptions
from course.report.page import (items_section, misconceptions_section, needs_action, page,
                                scores_section, similarity_section, times_section)
from course.report.similarity import side_by_side, similar_pairs
from course.settings import report_settings


def build_report(root: Path, assignment: str, timings: dict | None = None) -> Path:
    """Write reports/<assignment>/index.html with its figures and CSV files. `timings`,
    if given, receives the seconds each stage took."""
    timings = {} if timings is None else timings
    settings = report_settings(root)
    final = root / "reports" / assignment
    # written beside the last report, which it then replaces whole: no file of an older
    # report is left next to the new one, and a failed build leaves the last one intact
    folder = final.with_name(f".{assignment}.new")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)

    started = time.perf_counter()
    data = gather(root, assignment)
    timings["gather"] = time.perf_counter() - started

    started = time.perf_counter()
    pairs, views = [], []
    for notebook in data.notebooks:
        found, prints = similar_pairs(data.answers[notebook], data.starter[notebook], notebook,
                                      settings.similarity_min_fingerprints)
        pairs += found
        views += [side_by_side(p, prints) for p in found
                  if p.similarity >= settings.similarity_threshold]
    pairs.sort(key=lambda p: (-p.similarity, p.notebook, p.student_a, p.student_b))
    views.sort(key=lambda v: -v.pair.similarity)
    timings["similarity"] = time.perf_counter() - started

    started = time.perf_counter()
    items = analyse_items(data, settings.hard_below, settings.discrimination_below)
    sections = [
        ("action", "Needs action", needs_action(data, items, [v.pair for v in views])),
        ("scores", "Scores", scores_section(data, folder)),
        ("items", "Item analysis", items_section(items, folder, settings.hard_below,
                                                 settings.discrimination_below)),
        ("misconceptions", "Misconceptions",
         misconceptions_section(misconceptions(data.failures), folder)),
        ("similarity", "Similarity", similarity_section(pairs, views, folder,
                                                        settings.similarity_threshold)),
        ("time", "Time per submission", times_section(data, folder)),
    ]
    (folder / "index.html").write_text(page(data, sections), encoding="utf-8")
    timings["page"] = time.perf_counter() - started
    old = final.with_name(f".{assignment}.old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    folder.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    return final / "index.html"
