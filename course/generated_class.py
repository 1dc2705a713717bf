"""A generated class of a1_activations for the class report's tests and benchmark.

Each student has an ability; each answer cell is solved with a probability that grows
with it (some cells are harder than others). A solved cell is written one of several
correct ways students write it; an unsolved one is a wrong answer students really write,
or left as the release's stub. So students who solve independently share the starter
code and, by chance, some ways of writing an answer, as a real class does. One student
hands in another's notebooks with the local names changed and comments and docstrings
removed: the pair the similarity check must find.

Bodies are written without indentation; each replaces a stub's `raise NotImplementedError()`
(the PReLU cell has two: forward, then backward).
"""
import ast
import io
import math
import random
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course.submissions import Answers

ASSIGNMENT = "a1_activations"
STUB = re.compile(r"^( *)# YOUR CODE HERE\n\1raise NotImplementedError\(\)", re.MULTILINE)

# {notebook: {answer cell: [bodies]}}: each is right; a student picks one way
CORRECT = {"activations": {
    "sigmoid": [
        "z = np.asarray(z, dtype=float)\ne = np.exp(-np.abs(z))\n"
        "return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
        "from scipy.special import expit\nreturn expit(np.asarray(z, dtype=float))",
        "z = np.array(z, dtype=float)\nout = np.empty_like(z)\npos = z >= 0\n"
        "out[pos] = 1 / (1 + np.exp(-z[pos]))\nexp_z = np.exp(z[~pos])\n"
        "out[~pos] = exp_z / (1 + exp_z)\nreturn out",
        "z = np.asarray(z, dtype=float)\nreturn 0.5 * (1.0 + np.tanh(0.5 * z))"],
    "sigmoid_derivative": [
        "s = sigmoid(z)\nreturn s * (1.0 - s)",
        "return sigmoid(z) * sigmoid(-np.asarray(z, dtype=float))",
        "decay = np.exp(-np.abs(np.asarray(z, dtype=float)))\nreturn decay / (1.0 + decay) ** 2"],
    "tanh_derivative": [
        "return 1.0 - np.tanh(np.asarray(z, dtype=float)) ** 2",
        "t = np.tanh(np.asarray(z, dtype=float))\nreturn 1 - t * t",
        "t = np.tanh(np.asarray(z, dtype=float))\nreturn (1 - t) * (1 + t)"],
    "relu": [
        "return np.maximum(np.asarray(z, dtype=float), 0.0)",
        "z = np.asarray(z, dtype=float)\nreturn np.where(z > 0, z, 0.0)",
        "z = np.array(z, dtype=float)\nz[z < 0] = 0\nreturn z"],
    "relu_derivative": [
        "return (np.asarray(z, dtype=float) > 0).astype(float)",
        "return np.where(np.asarray(z) > 0, 1.0, 0.0)",
        "return np.heaviside(np.asarray(z, dtype=float), 0.0)"],
    "leaky_relu": [
        "z = np.asarray(z, dtype=float)\nreturn np.where(z > 0, z, alpha * z)",
        "z = np.asarray(z, dtype=float)\nreturn z * np.where(z > 0, 1.0, alpha)",
        "z = np.array(z, dtype=float)\nz[z <= 0] *= alpha\nreturn z"],
    "leaky_relu_derivative": [
        "z = np.asarray(z, dtype=float)\nreturn np.where(z > 0, 1.0, alpha)",
        "z = np.asarray(z, dtype=float)\nslopes = np.ones_like(z)\nslopes[z <= 0] = alpha\n"
        "return slopes",
        "z = np.asarray(z, dtype=float)\nreturn (z > 0) + alpha * (z <= 0)"],
    "softplus": [
        "z = np.asarray(z, dtype=float)\n"
        "return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))",
        "return np.logaddexp(0.0, np.asarray(z, dtype=float))",
        "z = np.asarray(z, dtype=float)\n"
        "return np.where(z > 30, z, np.log1p(np.exp(np.minimum(z, 30))))"],
    "softmax": [
        "z = np.asarray(z, dtype=float)\ne = np.exp(z - np.max(z, axis=axis, keepdims=True))\n"
        "return e / np.sum(e, axis=axis, keepdims=True)",
        "z = np.asarray(z, dtype=float)\nshifted = z - z.max(axis=axis, keepdims=True)\n"
        "exps = np.exp(shifted)\nreturn exps / exps.sum(axis=axis, keepdims=True)",
        "from scipy.special import softmax as scipy_softmax\n"
        "return scipy_softmax(np.asarray(z, dtype=float), axis=axis)"],
    "gelu": [
        "from scipy.special import ndtr\nz = np.asarray(z, dtype=float)\nreturn z * ndtr(z)",
        "from scipy.special import erf\nz = np.asarray(z, dtype=float)\n"
        "return 0.5 * z * (1.0 + erf(z / np.sqrt(2.0)))",
        "from scipy.stats import norm\nz = np.asarray(z, dtype=float)\nreturn z * norm.cdf(z)"],
    "selu": [
        "z = np.asarray(z, dtype=float)\n"
        "negative_part = SELU_ALPHA * np.expm1(np.minimum(z, 0.0))\n"
        "return SELU_LAMBDA * np.where(z > 0, z, negative_part)",
        "z = np.asarray(z, dtype=float)\nout = np.zeros_like(z)\npos = z > 0\n"
        "out[pos] = SELU_LAMBDA * z[pos]\n"
        "out[~pos] = SELU_LAMBDA * SELU_ALPHA * np.expm1(z[~pos])\nreturn out",
        "z = np.asarray(z, dtype=float)\nreturn SELU_LAMBDA * (np.maximum(z, 0) + "
        "SELU_ALPHA * (np.exp(np.minimum(z, 0)) - 1))"],
}, "prelu": {
    "numerical_gradient": [
        "x = np.array(x, dtype=float)\ngrad = np.zeros_like(x)\n"
        "for index in np.ndindex(x.shape):\n    original = x[index]\n"
        "    x[index] = original + eps\n    f_plus = f(x)\n    x[index] = original - eps\n"
        "    f_minus = f(x)\n    x[index] = original\n"
        "    grad[index] = (f_plus - f_minus) / (2 * eps)\nreturn grad",
        "x = np.array(x, dtype=float)\nflat = x.reshape(-1)\ngrad = np.zeros(flat.size)\n"
        "for i in range(flat.size):\n    step = np.zeros(flat.size)\n    step[i] = eps\n"
        "    grad[i] = (f((flat + step).reshape(x.shape)) - f((flat - step).reshape(x.shape)))"
        " / (2 * eps)\nreturn grad.reshape(x.shape)",
        "x = np.asarray(x, dtype=float)\ngrad = np.empty(x.shape)\n"
        "for idx in np.ndindex(*x.shape):\n    e = np.zeros(x.shape)\n    e[idx] = eps\n"
        "    grad[idx] = (f(x + e) - f(x - e)) / (2 * eps)\nreturn grad"],
    "prelu": [
        ("z = np.asarray(z, dtype=float)\nreturn np.where(z > 0, z, self.alpha * z)",
         "z = np.asarray(z, dtype=float)\ngrad_output = np.asarray(grad_output, dtype=float)\n"
         "grad_z = np.where(z > 0, grad_output, self.alpha * grad_output)\n"
         "contribution = np.where(z > 0, 0.0, z * grad_output)\n"
         "if np.ndim(self.alpha) == 0:\n    return grad_z, float(contribution.sum())\n"
         "return grad_z, contribution.reshape(-1, np.shape(self.alpha)[0]).sum(axis=0)"),
        ("z = np.asarray(z, dtype=float)\n"
         "return np.maximum(z, 0) + self.alpha * np.minimum(z, 0)",
         "z = np.asarray(z, dtype=float)\ng = np.asarray(grad_output, dtype=float)\n"
         "negative = z <= 0\ngrad_z = g * np.where(negative, self.alpha, 1.0)\n"
         "per_position = np.where(negative, z * g, 0.0)\nif np.ndim(self.alpha) == 0:\n"
         "    return grad_z, float(per_position.sum())\n"
         "return grad_z, per_position.reshape(-1, len(self.alpha)).sum(axis=0)"),
        ("z = np.asarray(z, dtype=float)\nslope = np.where(z > 0, 1.0, self.alpha)\n"
         "return slope * z",
         "z = np.asarray(z, dtype=float)\ngrad_output = np.asarray(grad_output, dtype=float)\n"
         "mask = z > 0\ngrad_z = grad_output * (mask + ~mask * self.alpha)\n"
         "contrib = z * grad_output * ~mask\nif np.asarray(self.alpha).ndim == 0:\n"
         "    return grad_z, float(np.sum(contrib))\n"
         "return grad_z, contrib.sum(axis=tuple(range(contrib.ndim - 1)))"),
    ],
}}

# {notebook: {answer cell: [bodies]}}: wrong answers students really write
WRONG = {"activations": {
    "sigmoid": ["return 1 / (1 + np.exp(-z))", "return 1 / (1 + np.exp(z))"],
    "sigmoid_derivative": ["return sigmoid(z) * (1 - z)", "return sigmoid(z) ** 2"],
    "tanh_derivative": ["return 1 - np.tanh(z)", "return 1 - z ** 2",
                        "return 1 / np.cosh(np.asarray(z, dtype=float)) ** 2"],
    "relu": ["return np.abs(z)", "return max(0, z)"],
    "relu_derivative": ["return (np.asarray(z) >= 0).astype(float)",
                        "return np.asarray(z) > 0"],
    "leaky_relu": ["z = np.asarray(z, dtype=float)\nreturn np.where(z > 0, z, 0.01 * z)",
                   "return np.where(z > 0, z, alpha)"],
    "leaky_relu_derivative": ["return np.where(np.asarray(z) > 0, 1.0, 0.0)",
                              "return np.where(np.asarray(z) >= 0, 1.0, alpha)"],
    "softplus": ["return np.log(1 + np.exp(z))",
                 "return np.log1p(np.exp(np.clip(z, -500, 20)))"],
    "softmax": ["e = np.exp(z)\nreturn e / e.sum()",
                "e = np.exp(z - np.max(z))\nreturn e / np.sum(e, axis=axis)"],
    "gelu": ["z = np.asarray(z, dtype=float)\n"
             "return 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z ** 3)))",
             "return z * sigmoid(1.702 * np.asarray(z, dtype=float))"],
    "selu": ["z = np.asarray(z, dtype=float)\n"
             "return SELU_LAMBDA * np.where(z > 0, z, SELU_ALPHA * (np.exp(z) - 1))",
             "z = np.asarray(z, dtype=float)\n"
             "return SELU_LAMBDA * np.where(z > 0, z, SELU_ALPHA * np.exp(z))"],
}, "prelu": {
    "numerical_gradient": [
        "x = np.array(x, dtype=float)\ngrad = np.zeros_like(x)\n"
        "for i in np.ndindex(x.shape):\n    step = np.zeros_like(x)\n    step[i] = eps\n"
        "    grad[i] = (f(x + step) - f(x)) / eps\nreturn grad",
        "grad = np.zeros_like(x)\nfor i in np.ndindex(x.shape):\n    x[i] += 1e-6\n"
        "    up = f(x)\n    x[i] -= 2e-6\n    down = f(x)\n    grad[i] = (up - down) / 2e-6\n"
        "return grad",
        "x = np.asarray(x, dtype=float)\ngrad = np.zeros(x.shape)\nbase = f(x)\n"
        "for i in range(x.size):\n    shifted = x.copy().ravel()\n    shifted[i] -= eps\n"
        "    grad.flat[i] = (base - f(shifted.reshape(x.shape))) / eps\nreturn grad",
        "x = np.array(x, dtype=float)\ngrad = np.zeros_like(x)\nh = 1e-5\n"
        "it = np.nditer(x, flags=['multi_index'])\nwhile not it.finished:\n"
        "    i = it.multi_index\n    old = x[i]\n    x[i] = old + h\n    fp = f(x)\n"
        "    x[i] = old - h\n    fm = f(x)\n    x[i] = old\n    grad[i] = (fp - fm) / (2 * h)\n"
        "    it.iternext()\nreturn grad"],
    "prelu": [
        ("z = np.asarray(z, dtype=float)\nreturn np.where(z > 0, z, self.alpha * z)",
         "z = np.asarray(z, dtype=float)\n"
         "grad_z = np.where(z > 0, grad_output, self.alpha * grad_output)\n"
         "return grad_z, np.sum(np.where(z > 0, 0.0, z * grad_output))"),
        ("z = np.asarray(z, dtype=float)\nreturn np.where(z > 0, z, self.alpha * z)",
         "return grad_output, np.sum(z * grad_output)"),
        ("z = np.asarray(z, dtype=float)\nreturn z * np.where(z > 0, 1.0, self.alpha)",
         "z = np.asarray(z, dtype=float)\nslope = np.where(z > 0, 1.0, self.alpha)\n"
         "grad_z = slope * grad_output\nif np.ndim(self.alpha) == 0:\n"
         "    return grad_z, float(np.mean(np.minimum(z, 0) * grad_output))\n"
         "return grad_z, np.mean(np.minimum(z, 0) * grad_output, axis=0)"),
        ("z = np.asarray(z, dtype=float)\nreturn np.maximum(0, z) + self.alpha * np.minimum(0, z)",
         "z = np.asarray(z, dtype=float)\ngrad_z = grad_output * np.where(z >= 0, 1, self.alpha)\n"
         "if np.ndim(self.alpha):\n    return grad_z, (z * grad_output).sum(axis=tuple(range(z.ndim - 1)))\n"
         "return grad_z, (z * grad_output).sum()"),
    ],
}}

# Small habits that make two students' code differ even where they chose the same way;
# none changes what the code computes. A student has each one with probability 1/2 per cell.
def _named_result(body: str) -> str:
    """`return <expression>` at the end becomes `result = <expression>; return result`."""
    *rest, last = body.splitlines()
    if last.startswith("return ") and "," not in last:
        return "\n".join([*rest, f"result = {last[len('return '):]}", "return result"])
    return body


HABITS = [
    _named_result,
    lambda body: body.replace("/ (2 * eps)", "/ 2 / eps"),
    lambda body: re.sub(r"np\.asarray\((\w+), dtype=float\)", r"np.asarray(\1).astype(float)", body),
    lambda body: re.sub(r"> 0\b(?!\.)", "> 0.0", body),
    lambda body: body.replace("dtype=float", "dtype=np.float64"),
    lambda body: re.sub(r"\b1\.0 ([-+/])", r"1 \1", body),
    lambda body: re.sub(r"\b(self\.alpha|alpha) \* (\w+)\b(?![.(\w])", r"\2 * \1", body),
    lambda body: body.replace("2 * eps", "eps * 2").replace("x.shape", "np.shape(x)"),
    lambda body: re.sub(r"np\.sum\((\w+)\)", r"\1.sum()", body),
    lambda body: body.replace("np.zeros_like(x)", "np.zeros(np.shape(x))"),
    lambda body: re.sub(r"float\((\w+)\.sum\(\)\)", r"\1.sum().item()", body),
    lambda body: re.sub(r"\b(\w+) <= 0\b", r"~(\1 > 0)", body),
    lambda body: re.sub(r"^( *)return (\w+), (.+)$", r"\1return (\2, \3)", body, flags=re.M),
    lambda body: re.sub(r"^( *)return (\w+), (?!\()(.+)$", r"\1grad_alpha = \3\n\1return \2, grad_alpha",
                        body, flags=re.M) if "grad_output" in body else body,
    lambda body: re.sub(r"^( *)(\w+) = np\.asarray\(\2, dtype=float\)$",
                        r"\1\2 = np.asarray(\2)\n\1\2 = \2.astype(float)", body, flags=re.M),
    lambda body: body.replace("np.ndindex(x.shape)", "np.ndindex(*x.shape)"),
    lambda body: body.replace("if np.ndim(self.alpha) == 0:", "if not np.ndim(self.alpha):"),
]


# how much harder than average each cell is (0: average), so items differ in difficulty
DIFFICULTY = {"sigmoid": 0.6, "softplus": 0.8, "softmax": 0.5, "gelu": 0.3, "selu": 0.7,
              "numerical_gradient": 0.4, "prelu": 1.0, "relu": -1.0, "relu_derivative": -0.8,
              "leaky_relu": -0.6}
UNANSWERED = 0.3  # of the cells a student does not solve, the share left as the stub


@dataclass(frozen=True)
class GeneratedClass:
    answers: dict[str, Answers]   # {student: answers}
    copied: tuple[str, str]       # (the student copied from, the one who copied)


def generate_class(release_dir: Path, students: int, seed: int = 2026) -> GeneratedClass:
    """`students` students (ids student001, ...) of whom the last copied another."""
    rng = random.Random(seed)
    stubs = release_stubs(release_dir)
    ids = [f"student{number:03d}" for number in range(1, students + 1)]
    answers = {}
    for student in ids[:-1]:
        ability = rng.gauss(0.0, 1.0)
        answers[student] = {}
        for notebook, cells in CORRECT.items():
            answers[student][notebook] = {}
            for cell, ways in cells.items():
                solved = rng.random() < chance_to_solve(ability, cell)
                if not solved and rng.random() < UNANSWERED:
                    continue  # the stub stays
                body = rng.choice(ways if solved else WRONG[notebook][cell])
                body = with_habits(body, [rng.random() < 0.5 for _ in HABITS])
                answers[student][notebook][cell] = fill_stub(stubs[notebook][cell], body)
    # the copier takes the notebooks of a student who solved most cells
    owner = max(ids[:-1], key=lambda s: (sum(map(len, answers[s].values())), s))
    answers[ids[-1]] = {notebook: {cell: disguised(code) for cell, code in cells.items()}
                        for notebook, cells in answers[owner].items()}
    return GeneratedClass(answers, (owner, ids[-1]))


def release_stubs(release_dir: Path) -> dict[str, dict[str, str]]:
    """{notebook: {answer cell: its stub as released}}"""
    return {path.stem: {cell.metadata["nbgrader"]["grade_id"]: cell.source
                        for cell in nbformat.read(path, as_version=4).cells
                        if cell.metadata.get("nbgrader", {}).get("solution")}
            for path in sorted(release_dir.glob("*.ipynb"))}


def with_habits(bodies, chosen: list[bool]):
    """A body (or the PReLU cell's pair of bodies) written with the chosen habits."""
    if not isinstance(bodies, str):
        return tuple(with_habits(body, chosen) for body in bodies)
    for habit, has_it in zip(HABITS, chosen):
        bodies = habit(bodies) if has_it else bodies
    return bodies


def chance_to_solve(ability: float, cell: str) -> float:
    """A logistic item response: an average student solves an average cell 73 % of the time."""
    return 1 / (1 + math.exp(-(1.7 * (ability - DIFFICULTY.get(cell, 0.0)) + 1.0)))


def fill_stub(stub: str, bodies) -> str:
    """The stub with each `raise NotImplementedError()` replaced by the next body."""
    bodies = iter([bodies] if isinstance(bodies, str) else bodies)

    def body(match):
        indent = match.group(1)
        return "\n".join(indent + line if line else line for line in next(bodies).splitlines())
    return STUB.sub(body, stub)


def disguised(code: str) -> str:
    """What a copier hands in: the same program, laid out the same, with each function's
    local names changed and the comments and docstrings removed."""
    tree = ast.parse(code)
    edits = []  # ((row, column), (row, column), replacement), rows counted from 1
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and len(node.body) > 1 \
                and isinstance(node.body[0], ast.Expr) \
                and isinstance(node.body[0].value, ast.Constant) \
                and isinstance(node.body[0].value.value, str):
            docstring = node.body[0]
            edits.append(((docstring.lineno, docstring.col_offset),
                          (docstring.end_lineno, docstring.end_col_offset), ""))
        if isinstance(node, ast.FunctionDef):
            parameters = {a.arg for a in node.args.args}
            local = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
                     and isinstance(n.ctx, ast.Store) and n.id not in parameters}
            edits += [((n.lineno, n.col_offset), (n.end_lineno, n.end_col_offset), f"my_{n.id}")
                      for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in local]
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.COMMENT:
            edits.append((token.start, token.end, ""))
    lines = code.splitlines()
    for (row, column), (end_row, end_column), text in sorted(edits, reverse=True):
        lines[row - 1:end_row] = [lines[row - 1][:column] + text + lines[end_row - 1][end_column:]]
    return "\n".join(line.rstrip() for line in lines if line.strip())


# Two test cells planted in activations.ipynb when a course is made for the report's item
# analysis: one every student fails (a broken check), one that gives its point to everyone.
PLANTED_CHECKS = {"planted_broken_check": "assert False, 'this check is broken'",
                  "planted_free_point": "pass  # nothing checked: a free point"}


def make_generated_course(root: Path, students: int, seed: int = 2026,
                          plant_checks: bool = False) -> GeneratedClass:
    """Turn the course copy at `root` into one with a generated class of a1_activations
    submitted (and, with `plant_checks`, the two planted checks in its assignment)."""
    from course.authoring.cells import tests
    from course.nbgrader_commands import nbgrader
    from course.submissions import write_submission

    if plant_checks:
        path = root / "source" / ASSIGNMENT / "activations.ipynb"
        notebook = nbformat.read(path, as_version=4)
        notebook.cells += [tests(grade_id, 1, visible=source)
                           for grade_id, source in PLANTED_CHECKS.items()]
        nbformat.write(notebook, path)
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force", echo=False)
    generated = generate_class(root / "release" / ASSIGNMENT, students, seed)
    for student, answers in generated.answers.items():
        write_submission(root / "release" / ASSIGNMENT,
                         root / "submitted" / student / ASSIGNMENT, answers)
    return generated
