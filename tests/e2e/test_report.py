"""The class report on a generated class of 60 (course/generated_class.py), graded for real
by `python -m course grade`: students who solved a1_activations independently from the same
starter code, one who handed in another's notebooks with names changed and comments
removed, and two planted checks (one every student fails, one that gives its point to
everyone). The page is also opened in headless Chromium, offline, wide and narrow.
"""
import csv
import re

import pytest
from nbgrader.api import Gradebook

from course.generated_class import ASSIGNMENT, PLANTED_CHECKS, make_generated_course
from course.pipeline import grade_command
from course.settings import report_settings
from course.submissions import copy_course

STUDENTS = 60


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    root = copy_course(tmp_path_factory.mktemp("report") / "course")
    generated = make_generated_course(root, STUDENTS, plant_checks=True)
    assert grade_command.main(root, ASSIGNMENT, workers=2) == 0
    return root, generated, root / "reports" / ASSIGNMENT


def rows(path):
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_the_copied_pair_is_the_most_similar_and_flagged(reported):
    root, generated, folder = reported
    threshold = report_settings(root).similarity_threshold
    pairs = rows(folder / "similarity.csv")
    assert list(pairs[0]) == ["student_a", "student_b", "notebook", "similarity"]
    similarities = [float(p["similarity"]) for p in pairs]
    assert similarities == sorted(similarities, reverse=True)
    copied = set(generated.copied)
    top = pairs[0]
    assert {top["student_a"], top["student_b"]} == copied
    assert float(top["similarity"]) >= threshold
    # independent students, same starter code: none reaches the threshold
    independent = [p for p in pairs if {p["student_a"], p["student_b"]} != copied]
    assert independent and max(float(p["similarity"]) for p in independent) < threshold
    page = (folder / "index.html").read_text()
    action = page[page.index("id='action'"):page.index("id='scores'")]
    owner, copier = sorted(copied)
    assert f"{owner} and {copier}" in action and "#pair-1" in action
    pair_view = page[page.index("id='pair-1'"):]
    assert "<mark>" in pair_view and "my_" in pair_view  # the copier's renamed code, marked


def test_item_analysis_singles_out_the_planted_checks(reported):
    _, _, folder = reported
    items = {row["check"]: row for row in rows(folder / "items.csv")}
    flagged = {check: row["flag"] for check, row in items.items() if row["flag"]}
    assert float(items["planted_broken_check"]["difficulty"]) == 0
    assert "nobody" in flagged["planted_broken_check"]
    assert float(items["planted_free_point"]["difficulty"]) == 1
    assert "everyone" in flagged["planted_free_point"]
    # no real check is flagged as broken or as a gift; the easiest may be flagged for a
    # weak discrimination, and each of them does discriminate a little (r > 0)
    real = {check: row for check, row in items.items() if check not in PLANTED_CHECKS}
    for check, row in real.items():
        assert not flagged.get(check) or flagged[check].startswith("does not discriminate")
        assert float(row["discrimination"]) > 0, check
    page = (folder / "index.html").read_text()
    action = page[page.index("id='action'"):page.index("id='scores'")]
    assert "activations: planted_broken_check" in action
    assert "activations: planted_free_point" in action


def test_named_mistakes_are_counted_per_check(reported):
    """The students caught by a named mistake are exactly those who wrote it."""
    root, generated, folder = reported
    wrote_clip = {s for s, answers in generated.answers.items()
                  if "np.clip(z, -500, 20)" in answers["activations"].get("softplus", "")}
    named = [row for row in rows(folder / "misconceptions.csv") if row["named"] == "yes"]
    capped = [row for row in named if row["check"] == "test_softplus_edge_cases"
              and "caps the input" in row["message"]]
    assert wrote_clip and len(capped) == 1 and int(capped[0]["students"]) == len(wrote_clip)
    assert not any("grader seed" in row["message"] for row in named)  # grouped, not per run


def test_scores_agree_with_the_gradebook(reported):
    root, _, folder = reported
    scores = {row["student"]: float(row["total"]) for row in rows(folder / "scores.csv")}
    assert len(scores) == STUDENTS
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for student, total in scores.items():
            assert gradebook.find_submission(ASSIGNMENT, student).score == pytest.approx(total)


def test_every_figure_has_its_data_and_nothing_is_fetched(reported):
    _, _, folder = reported
    page = (folder / "index.html").read_text()
    figures = sorted(p.name for p in folder.glob("*.png"))
    assert figures == ["items.png", "scores.png", "similarity.png", "submissions.png"]
    for name in figures:
        assert f"src='{name}'" in page
        assert (folder / name.replace(".png", ".csv")).exists()
        assert f"href='{name.replace('.png', '.csv')}'" in page
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", page)


@pytest.mark.parametrize("width", [1400, 390])
def test_the_page_reads_well_in_chromium_offline(reported, width, chromium, request):
    """Every figure loads, nothing is requested from the network, and nothing is wider than
    the window, in a desktop window and a phone-width one; screenshots are kept."""
    _, _, folder = reported
    from tests.browser.conftest import OUTPUT
    page = chromium.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto((folder / "index.html").as_uri())
    page.wait_for_load_state("load")
    shots = OUTPUT / "report"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=shots / f"page_{width}.png", full_page=True)
    page.locator("#pair-1").screenshot(path=shots / f"pair_{width}.png")
    images = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
    assert len(images) == 4 and all(w > 0 for w in images)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    assert all(url.startswith("file://") for url in requested), requested
    page.close()
