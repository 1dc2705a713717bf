"""The steps nbgrader runs for this course, each one job, named in nbgrader_config.py:
the two engines that execute a notebook (sandbox: a Jupyter kernel under bubblewrap;
fast_engine: a child of a warm zygote), the one-pass autograde converter, the output
budget, the check that every hidden check ran, grades saved in one transaction, the
feedback filter and the CSV export. Plain `nbgrader` commands load them as the class
grader does."""
