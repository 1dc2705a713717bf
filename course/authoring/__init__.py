"""Authoring: the notebooks are built from the chapters in notebooks/ (build_source),
with the cell markers of cells.py."""
