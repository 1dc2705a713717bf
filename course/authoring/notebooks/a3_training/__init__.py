"""Chapters of assignment a3_training: initialisation, the dying ReLU, sigmoid vs ReLU."""
import inspect


def sources(*objects):
    """The source of functions from solutions/, for a given cell: the code the student
    reads is the code the graders and the reference use."""
    return "\n\n\n".join(inspect.getsource(obj).strip() for obj in objects)
