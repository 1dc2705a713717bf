"""Sample students of a1_activations. Their mistakes are ones students really make."""
from course.sample_class import EVERY_CELL, Student, changed, complete, untouched


def partial(reference):
    """Overflowing sigmoid, tanh′ without the square, clipped softplus, per-channel
    grad_alpha summed to one number."""
    prelu = reference["prelu"]["prelu"].replace(
        "return grad_z, contribution.reshape(-1, np.shape(self.alpha)[0]).sum(axis=0)",
        "return grad_z, contribution.sum()")
    return changed(reference, {
        "activations": {
            "sigmoid": "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))",
            "tanh_derivative": "def tanh_derivative(z):\n    return 1 - np.tanh(z)",
            "softplus": "def softplus(z):\n    return np.log1p(np.exp(np.clip(z, -500, 20)))",
        },
        "prelu": {"prelu": prelu},
    })


def selu_overflow(reference):
    """All correct but SELU, whose np.where evaluates exp(z) for large positive z: the
    RuntimeWarning costs the edge-case check only."""
    return changed(reference, {"activations": {"selu": (
        "def selu(z):\n"
        "    z = np.asarray(z, dtype=float)\n"
        "    return SELU_LAMBDA * np.where(z > 0, z, SELU_ALPHA * (np.exp(z) - 1))")}})


def runaway(reference):
    """A loop that never ends in the first solution cell of prelu.ipynb."""
    return changed(reference, {"prelu": {"numerical_gradient": "while True:\n    pass"}})


# a `graders` package that passes everything, submitted beside the notebooks
FAKE_GRADERS = {
    "graders/__init__.py": "",
    "graders/a1_activations/__init__.py": "",
    **{f"graders/a1_activations/{module}.py": (
        "def __getattr__(name):\n    return lambda *args, **kwargs: None\n")
       for module in ("activations", "prelu")},
}

DEMO = {
    "ada": Student(complete),
    "ben": Student(partial, fails={
        "activations": {"test_sigmoid_edge_cases", "test_sigmoid_derivative_edge_cases",
                        "test_tanh_derivative_values", "test_tanh_derivative_edge_cases",
                        "test_softplus_values", "test_softplus_edge_cases"},
        "prelu": {"test_prelu_grad_alpha_channels", "test_prelu_backward_numerically"}}),
    "cy": Student(untouched, fails={"activations": EVERY_CELL, "prelu": EVERY_CELL}),
    "dee": Student(selu_overflow, fails={"activations": {"test_selu_edge_cases"}}),
}

TESTS = {
    "runaway": Student(runaway, fails={"prelu": {
        "test_numerical_gradient_values", "test_numerical_gradient_eps"}}),
    "faker": Student(untouched, fails={"activations": EVERY_CELL, "prelu": EVERY_CELL},
                     extra_files=FAKE_GRADERS),
}
