"""What the host (course/) and the grading process (zygote, kernel, graders) agree on."""

# The environment variable that hands the grading process its per-run token; each check
# that passes displays a marker carrying it (graders/integrity.py), which the host looks
# for (course/steps/checks_ran.py) and keeps out of what students see (course/steps/feedback.py).
TOKEN_VARIABLE = "COURSE_GRADING_TOKEN"
MARKER_MIME = "application/vnd.activations-course.check+json"
# The environment variable that hands a Jupyter grading kernel its per-cell CPU limit
CPU_LIMIT_VARIABLE = "COURSE_CELL_CPU_SECONDS"
