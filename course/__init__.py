"""The course's own tooling: building source notebooks, the demo class, feedback."""
