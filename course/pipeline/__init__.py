"""The class grader: `python -m course grade`. It stages each submission (staging),
runs the grading steps of worker.py for each student on a backend (grading: local
processes; distributed: a Dask cluster), stops on a fault of ours (course/faults.py) and records
what happened to each student (grading.StudentResult)."""
