"""The demo class: a few students whose submissions show every kind of outcome.

Each student is a function of the reference answers (what a perfect student writes)
returning that student's answers. Wrong answers are mistakes students really make.
"""
from course.submissions import Answers


def complete(reference: Answers) -> Answers:
    return reference


def untouched(reference: Answers) -> Answers:
    return {}


def _with(reference: Answers, changes: Answers) -> Answers:
    return {notebook: {**cells, **changes.get(notebook, {})}
            for notebook, cells in reference.items()}


def partial_a1(reference: Answers) -> Answers:
    """Overflowing sigmoid, tanh′ without the square, clipped softplus, per-channel
    grad_alpha summed to one number."""
    prelu = reference["prelu"]["prelu"].replace(
        "return grad_z, contribution.reshape(-1, np.shape(self.alpha)[0]).sum(axis=0)",
        "return grad_z, contribution.sum()")
    return _with(reference, {
        "activations": {
            "sigmoid": "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))",
            "tanh_derivative": "def tanh_derivative(z):\n    return 1 - np.tanh(z)",
            "softplus": "def softplus(z):\n    return np.log1p(np.exp(np.clip(z, -500, 20)))",
        },
        "prelu": {"prelu": prelu},
    })


def selu_overflow_a1(reference: Answers) -> Answers:
    """All correct but SELU, whose np.where evaluates exp(z) for large positive z."""
    return _with(reference, {"activations": {"selu": (
        "def selu(z):\n"
        "    z = np.asarray(z, dtype=float)\n"
        "    return SELU_LAMBDA * np.where(z > 0, z, SELU_ALPHA * (np.exp(z) - 1))")}})


# {assignment: {student id: how that student answers}}
CLASS = {
    "a1_activations": {
        "ada": complete,
        "ben": partial_a1,
        "cy": untouched,
        "dee": selu_overflow_a1,
    },
}
