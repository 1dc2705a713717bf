"""course/steps/maths.py: maths in feedback and formgrader pages as MathML."""
from course.steps.maths import LONGEST_FORMULA, MathMLRenderer, mathml
from nbconvert.filters.markdown_mistune import MarkdownWithMath


def render(markdown: str) -> str:
    return MarkdownWithMath(renderer=MathMLRenderer(escape=False)).render(markdown)


def test_inline_and_display_maths_become_mathml():
    page = render("The sigmoid $\\sigma(z)$ is\n\n$$\\sigma(z) = \\frac{1}{1 + e^{-z}}$$\n")
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in page
    assert 'display="block"' in page and "<mfrac>" in page
    assert "$" not in page


def test_text_with_an_escaped_underscore_reads_as_written():
    assert "<mtext>fan_in</mtext>" in mathml(r"\text{fan\_in}")


def test_tex_that_cannot_be_drawn_is_shown_escaped_not_dropped():
    assert mathml(r"\frac{1}{").startswith('<code class="tex">')
    huge = "x+" * LONGEST_FORMULA
    assert mathml(huge) == f'<code class="tex">{huge}</code>'
    # whatever a student writes between dollars, no tag of theirs reaches the page
    assert "<script>" not in mathml("<script>alert(1)</script>")
