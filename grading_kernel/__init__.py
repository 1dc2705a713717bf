"""The code that runs inside the grading sandbox, and nothing else of the host's tooling.

The sandbox (course/steps/sandbox.py) shows this package, graders/, solutions/ and the Python
environment, and none of course/: `zygote` is the fast engine's warm parent and the child
that runs a notebook, `startup` what every Jupyter grading kernel runs first, and
`protocol` the names the host and the grading process agree on.
"""
