"""Maths in the pages nbgrader renders (feedback, formgrader) as MathML, with no script.

nbconvert leaves `$...$` in the HTML for MathJax, which nbgrader's feedback and formgrade
templates load from a public CDN: offline, or behind a proxy that blocks it, a student
reads raw TeX. Here the TeX is turned into MathML when the page is written, by the pinned
latex2mathml, and the browser draws it itself (MathML Core: Chromium, Firefox, Safari);
a feedback page stays one self-contained file that works anywhere.

nbgrader_config.py installs `markdown2html` below in place of nbconvert's filter, and
page_templates/base/mathjax.html.j2 in place of the macro that adds the CDN script.
"""
import html
import re

from jinja2 import pass_context
from latex2mathml.converter import convert
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

_ESCAPED_UNDERSCORE_IN_TEXT = re.compile(r"(\\text\{[^{}]*?)\\_")
LONGEST_FORMULA = 5000  # characters; a longer "formula" in a student's answer is shown as text


def mathml(tex: str, display: str = "inline") -> str:
    """TeX as a MathML element; TeX the converter cannot read is shown as written."""
    if len(tex) > LONGEST_FORMULA:
        return f'<code class="tex">{html.escape(tex)}</code>'
    while _ESCAPED_UNDERSCORE_IN_TEXT.search(tex):  # \text{fan\_in} reads fan_in
        tex = _ESCAPED_UNDERSCORE_IN_TEXT.sub(r"\1_", tex)
    try:
        return convert(tex, display=display)
    except Exception:  # a student's malformed TeX must not stop the page
        return f'<code class="tex">{html.escape(tex)}</code>'


class MathMLRenderer(IPythonRenderer):
    """nbconvert's markdown renderer, with maths written as MathML (the parser hands
    over the TeX as written; the converter escapes what it puts in the page)."""

    def block_math(self, body: str) -> str:
        return mathml(body, "block")

    def inline_math(self, body: str) -> str:
        return mathml(body, "inline")

    def latex_environment(self, name: str, body: str) -> str:
        return mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", "block")


@pass_context
def markdown2html(context, source: str) -> str:
    """nbconvert's HTMLExporter.markdown2html (its default settings) with MathML maths."""
    cell = context.get("cell", {})
    renderer = MathMLRenderer(
        escape=False, attachments=cell.get("attachments", {}),
        path=context.get("resources", {}).get("metadata", {}).get("path", ""))
    return MarkdownWithMath(renderer=renderer).render(source)
