"""Chapter: source/a2_nonlinearity/xor.ipynb — no line solves XOR; one ReLU layer does."""
from course.authoring.cells import assignments_of, code, given, hidden_check, markdown, notebook, \
    solution, solution_values, tests
from solutions.a2_nonlinearity import xor as ref

GRADERS = "graders.a2_nonlinearity.xor"
WEIGHT_NAMES = ("W1", "b1", "W2", "b2")


def build():
    return notebook([
        markdown("""
            # XOR: what one hidden ReLU layer can do and no straight line can

            XOR (exclusive or) of two bits is 1 when exactly one of them is 1:

            | x₁ | x₂ | XOR |
            | --- | --- | --- |
            | 0 | 0 | 0 |
            | 0 | 1 | 1 |
            | 1 | 0 | 1 |
            | 1 | 1 | 0 |

            In the plane, the two points of class 1 sit on one diagonal of the unit
            square and the two of class 0 on the other. This notebook shows that no
            linear model separates them (section 1), and then you build a network with
            one hidden ReLU layer that computes XOR exactly, choosing its four weights by
            hand (section 2). The last two sections look inside your network.

            **How you are graded.** `fit_affine` and `count_correct` are checked on random
            data when your notebook is graded. Your XOR weights are graded by what they
            do: any weights whose network outputs XOR (within 10⁻⁶) on the four inputs
            earn full points.
        """),
        given("setup", """
            %matplotlib inline
            import matplotlib.pyplot as plt
            import numpy as np
            from matplotlib.colors import ListedColormap
            from matplotlib.patches import Patch

            XOR_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
            XOR_TARGETS = np.array([0.0, 1.0, 1.0, 0.0])
            CLASS_COLOURS = np.array(["tab:red", "tab:blue"])  # class 0, class 1


            def network(W1, b1, W2, b2, x):
                \"\"\"One hidden ReLU layer and a linear output: W2 @ relu(W1 @ x + b1) + b2.\"\"\"
                return W2 @ np.maximum(W1 @ x + b1, 0.0) + b2


            def weights_as_arrays(W1, b1, W2, b2):
                \"\"\"The weights as float arrays W1 (2, 2), b1 (2,), the output row (2,) and
                the output bias (a number), or ValueError while they are not set or not
                of those shapes.\"\"\"
                if any(weight is None for weight in (W1, b1, W2, b2)):
                    raise ValueError("W1, b1, W2 and b2 are not set yet")
                W1, b1, W2, b2 = (np.asarray(weight, dtype=float) for weight in (W1, b1, W2, b2))
                if (W1.shape, b1.shape, W2.shape, b2.shape) != ((2, 2), (2,), (1, 2), (1,)):
                    raise ValueError("the shapes must be W1 (2, 2), b1 (2,), W2 (1, 2), b2 (1,)")
                return W1, b1, W2[0], b2[0]
        """),
        code("""
            fig, ax = plt.subplots(figsize=(4, 4))
            ax.scatter(XOR_INPUTS[:, 0], XOR_INPUTS[:, 1], c=CLASS_COLOURS[XOR_TARGETS.astype(int)],
                       s=200, edgecolors="black", zorder=3)
            for (x1, x2), target in zip(XOR_INPUTS, XOR_TARGETS):
                ax.annotate(f"XOR = {target:g}", (x1, x2), textcoords="offset points", xytext=(0, 14),
                            ha="center")
            ax.set_xlim(-0.5, 1.5); ax.set_ylim(-0.5, 1.6); ax.set_aspect("equal")
            ax.set_xlabel("x₁"); ax.set_ylabel("x₂"); ax.grid(alpha=0.3)
            ax.set_title("XOR: class 1 in blue, class 0 in red")
            plt.show()
        """),

        markdown("""
            ## 1. No straight line separates XOR

            A linear model scores an input with s(x) = w·x + c and predicts class 1 where
            s(x) > 0.5: its decision boundary is the straight line w·x + c = 0.5. For it to
            get all four XOR points right, it would need

            1. at (0, 0): c ≤ 0.5,
            2. at (1, 1): w₁ + w₂ + c ≤ 0.5,
            3. at (0, 1): w₂ + c > 0.5,
            4. at (1, 0): w₁ + c > 0.5.

            Adding 3 and 4 gives w₁ + w₂ + 2c > 1; adding 1 and 2 gives
            w₁ + w₂ + 2c ≤ 1. Both cannot hold, so every linear model gets at least one
            of the four points wrong. You check it two ways: with the best least-squares
            fit, and by trying many lines.

            ### Your turn: `fit_affine(X, y)`

            Least squares with an intercept: append a column of ones to X, so that c
            becomes one more coefficient, and solve with `np.linalg.lstsq(A, y,
            rcond=None)`. Return the pair `(w, c)`, with c a number.
        """),
        solution("fit_affine", ref.fit_affine),
        tests("test_fit_affine", 2, visible="""
            plane_inputs = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 3.0], [-1.0, 4.0], [3.0, -2.0]])
            w, c = fit_affine(plane_inputs, plane_inputs @ np.array([2.0, -1.0]) + 3.0)
            assert np.shape(w) == (2,) and np.ndim(c) == 0, "return w of shape (n_features,) and c a number"
            assert np.allclose(w, [2.0, -1.0]) and np.isclose(c, 3.0), "points on a plane give back its w and c"
        """, hidden=f"""
            from {GRADERS} import check_fit_affine_values
            check_fit_affine_values(fit_affine)
        """),
        markdown("The best affine fit to XOR, and what it predicts for the four points:"),
        code("""
            try:
                w_xor, c_xor = fit_affine(XOR_INPUTS, XOR_TARGETS)
                print("w =", np.round(w_xor, 12) + 0.0, "  c =", np.round(c_xor, 12) + 0.0)  # + 0.0: no -0
                for x, target in zip(XOR_INPUTS, XOR_TARGETS):
                    print(f"x = {x}: score {x @ w_xor + c_xor:.6f}, XOR {target:g}")
            except NotImplementedError:
                print("Implement fit_affine above to fit a line to XOR.")
        """),
        markdown("""
            The best line in the least-squares sense ignores the inputs altogether and
            scores every point the same: it sits on the threshold, undecided about all
            four. The inequalities above say no other line does better than 3 of 4.

            ### Your turn: `count_correct(X, y, w, c)`

            The number of rows of X that the linear classifier gets right, where it
            predicts 1 for s = X @ w + c > 0.5 and 0 otherwise (y holds the labels, 0 or 1).
        """),
        solution("count_correct", ref.count_correct),
        tests("test_count_correct", 1, visible="""
            assert count_correct(XOR_INPUTS, XOR_TARGETS, np.array([1.0, 1.0]), 0.0) == 3, \\
                "x₁ + x₂ > 0.5 (that is OR) gets 3 of the 4 XOR points right"
            assert count_correct(XOR_INPUTS, XOR_TARGETS, np.zeros(2), 0.0) == 2, "predicting 0 everywhere gets 2"
        """, hidden=f"""
            from {GRADERS} import check_count_correct
            check_count_correct(count_correct)
        """),
        markdown("Twenty thousand random lines, scored with your `count_correct`:"),
        code("""
            try:
                rng = np.random.default_rng(5)
                lines = [(rng.normal(0, 2, size=2), rng.normal(0, 2)) for _ in range(20_000)]
                counts = np.array([count_correct(XOR_INPUTS, XOR_TARGETS, w, c) for w, c in lines])
                best = int(np.argmax(counts))
                print(f"best of {len(lines)} random lines: {counts[best]:g} of 4 right "
                      f"(w = {np.round(lines[best][0], 2)}, c = {lines[best][1]:.2f})")
                fig, ax = plt.subplots(figsize=(6, 3))
                ax.bar(range(5), np.bincount(counts.astype(int), minlength=5))
                ax.set_xticks(range(5)); ax.set_xlabel("points right, of 4"); ax.set_ylabel("lines")
                ax.set_title("How many XOR points random lines get right"); ax.grid(alpha=0.3)
                plt.show()
            except NotImplementedError:
                print("Implement count_correct above to score random lines.")
        """),

        markdown("""
            ## 2. One hidden ReLU layer solves it

            Insert a layer of two ReLU units between the input and the output:

            $$h = \\mathrm{relu}(W_1 x + b_1), \\qquad y = W_2 h + b_2,$$

            with W1 of shape `(2, 2)` (a row per hidden unit), b1 `(2,)`, W2 `(1, 2)` and
            b2 `(1,)`. Each hidden unit is 0 on one side of its own line
            W1[j] @ x + b1[j] = 0 and grows linearly on the other side; the output adds
            the units up with the weights W2. Unlike a stack of linear layers, this does
            not collapse into one line.

            ### Your turn: choose `W1, b1, W2, b2` so that the network computes XOR

            No training: reason it out. One way: let both hidden units look at
            x₁ + x₂ (which is 0, 1 or 2), with biases chosen so that the second unit stays
            at 0 unless both inputs are 1; then choose W2 so that the output is 0, 1, 1, 0.
            Any weights that work earn full points.
        """),
        solution_values("xor_weights", "W1 = b1 = W2 = b2 = None  # set all four below",
                        assignments_of(ref, WEIGHT_NAMES)),
        tests("test_xor_shapes", 1, visible="""
            assert all(weight is not None for weight in (W1, b1, W2, b2)), "set W1, b1, W2 and b2 in the cell above"
            for name, weight, shape in [("W1", W1, (2, 2)), ("b1", b1, (2,)), ("W2", W2, (1, 2)), ("b2", b2, (1,))]:
                assert np.shape(weight) == shape, f"{name} has shape {np.shape(weight)}; it must have shape {shape}"
        """, hidden=f"""
            from {GRADERS} import check_xor_shapes
            check_xor_shapes(W1, b1, W2, b2)
        """),
        markdown("""
            Your network, step by step, on the four inputs. Every row needs a ✓ (the
            output within 10⁻⁶ of XOR); the test cell after the table checks the same,
            and its message at grading time says what your network computes instead.
        """),
        code("""
            try:
                hidden_weights, hidden_bias, output_weights, output_bias = weights_as_arrays(W1, b1, W2, b2)
                print(f"{'x':>10} {'W1 @ x + b1':>16} {'h = relu(...)':>16} {'output':>8} {'XOR':>4}")
                for x, target in zip(XOR_INPUTS, XOR_TARGETS):
                    pre_activation = hidden_weights @ x + hidden_bias
                    hidden = np.maximum(pre_activation, 0.0)
                    output = output_weights @ hidden + output_bias
                    mark = "✓" if abs(output - target) <= 1e-6 else "✗"
                    print(f"{str(x):>10} {str(pre_activation):>16} {str(hidden):>16} {output:>8.3f} "
                          f"{target:>4g} {mark}")
            except ValueError as problem:
                print(f"Set the weights above to see your network at work ({problem}).")
        """),
        hidden_check("test_xor_outputs", 3,
                     "W2 @ relu(W1 @ x + b1) + b2 equals XOR(x) within 1e-6 at each of the four inputs.",
                     GRADERS, "check_xor_outputs", "W1, b1, W2, b2"),

        markdown("""
            ## 3. The hidden space

            The hidden layer moves the four points to new places, h = relu(W1 @ x + b1).
            There the output is a linear function of h, so the points with output above
            0.5 and those below are split by a straight line: the set where
            W2 @ h + b2 = 0.5. The class-0 points give output 0, so the line passes
            between the classes, not through the class-0 points. The cell computes the
            line from your weights.
        """),
        code("""
            try:
                hidden_weights, hidden_bias, output_weights, output_bias = weights_as_arrays(W1, b1, W2, b2)
                hidden_points = np.maximum(XOR_INPUTS @ hidden_weights.T + hidden_bias, 0.0)
                low, high = hidden_points.min() - 0.75, hidden_points.max() + 0.75
                h1_grid, h2_grid = np.meshgrid(np.linspace(low, high, 301), np.linspace(low, high, 301))
                output_grid = output_weights[0] * h1_grid + output_weights[1] * h2_grid + output_bias
                fig, ax = plt.subplots(figsize=(5, 5))
                if output_grid.min() < 0.5 < output_grid.max():
                    ax.contourf(h1_grid, h2_grid, (output_grid > 0.5).astype(float), levels=[-0.5, 0.5, 1.5],
                                colors=["mistyrose", "aliceblue"])
                    ax.contour(h1_grid, h2_grid, output_grid, levels=[0.5], colors="green",
                               linestyles="--")
                ax.scatter(hidden_points[:, 0], hidden_points[:, 1], s=200, edgecolors="black",
                           c=CLASS_COLOURS[XOR_TARGETS.astype(int)], zorder=3)
                inputs_at = {}  # hidden point -> the inputs that land on it
                for x, h in zip(XOR_INPUTS, hidden_points):
                    inputs_at.setdefault(tuple(h), []).append(f"({x[0]:g}, {x[1]:g})")
                for h, inputs in inputs_at.items():
                    ax.annotate("x = " + " and ".join(inputs), h, textcoords="offset points",
                                xytext=(8, -16))
                ax.set_xlabel("h₁ (hidden unit 1)"); ax.set_ylabel("h₂ (hidden unit 2)")
                ax.set_title("Hidden space; dashed: output = 0.5"); ax.grid(alpha=0.3)
                plt.show()
                if output_weights[1] != 0:
                    slope = -output_weights[0] / output_weights[1]
                    offset = (0.5 - output_bias) / output_weights[1]
                    print(f"decision boundary: h₂ = {slope:.4g}·h₁ {'+' if offset >= 0 else '−'} {abs(offset):.4g}")
                elif output_weights[0] != 0:
                    print(f"decision boundary: h₁ = {(0.5 - output_bias) / output_weights[0]:.4g}")
                for x, h in zip(XOR_INPUTS, hidden_points):
                    print(f"x = {x} -> h = {h}, output {output_weights @ h + output_bias:.3f}")
            except ValueError as problem:
                print(f"Set the weights above to see your hidden space ({problem}).")
        """),

        markdown("""
            ## 4. The regions the ReLUs cut

            Each hidden unit is switched on (positive) on one side of its line
            W1[j] @ x + b1[j] = 0 and off on the other. The lines cut the input plane into
            regions, and inside each region the same units are on, so there the network
            is an ordinary linear function of x. The network is **piecewise linear**:
            the cell below colours the regions, prints the linear function of each, and
            dashes the output's 0.5 boundary: straight inside each region, it can only
            bend where it crosses a unit's line.
        """),
        code("""
            try:
                hidden_weights, hidden_bias, output_weights, output_bias = weights_as_arrays(W1, b1, W2, b2)
                x1_grid, x2_grid = np.meshgrid(np.linspace(-0.5, 1.5, 401), np.linspace(-0.5, 1.5, 401))
                grid = np.column_stack([x1_grid.ravel(), x2_grid.ravel()])
                pre_activations = grid @ hidden_weights.T + hidden_bias
                # which units are on, as a number: 0 none, 1 unit 1, 2 unit 2, 3 both
                patterns = (pre_activations[:, 0] > 0) + 2 * (pre_activations[:, 1] > 0)
                outputs = np.maximum(pre_activations, 0.0) @ output_weights + output_bias
                names = ["no unit on", "unit 1 on", "unit 2 on", "both units on"]
                colours = ["whitesmoke", "khaki", "lightblue", "palegreen"]
                fig, ax = plt.subplots(figsize=(5.5, 5))
                ax.imshow(patterns.reshape(x1_grid.shape), origin="lower", extent=(-0.5, 1.5, -0.5, 1.5),
                          cmap=ListedColormap(colours), vmin=-0.5, vmax=3.5)
                for unit in range(2):
                    values = pre_activations[:, unit].reshape(x1_grid.shape)
                    if values.min() < 0 < values.max():
                        ax.contour(x1_grid, x2_grid, values, levels=[0], colors="black", linewidths=1)
                if outputs.min() < 0.5 < outputs.max():
                    ax.contour(x1_grid, x2_grid, outputs.reshape(x1_grid.shape), levels=[0.5],
                               colors="green", linestyles="--")
                ax.scatter(XOR_INPUTS[:, 0], XOR_INPUTS[:, 1], s=150, edgecolors="black",
                           c=CLASS_COLOURS[XOR_TARGETS.astype(int)], zorder=3)
                present = np.unique(patterns)
                ax.legend(handles=[Patch(color=colours[p], label=names[p]) for p in present],
                          loc="upper right", fontsize=8)
                ax.set_xlabel("x₁"); ax.set_ylabel("x₂")
                ax.set_title("Regions of the input plane (black: units' lines)")
                plt.show()
                print(f"{len(present)} regions in this window; the network in each:")
                for pattern in present:
                    on = np.array([pattern & 1, pattern & 2], dtype=bool)
                    slope = output_weights[on] @ hidden_weights[on]
                    offset = output_weights[on] @ hidden_bias[on] + output_bias
                    print(f"  {names[pattern]:>13}: y = {slope[0]:+.3g}·x₁ {slope[1]:+.3g}·x₂ {offset:+.3g}")
            except ValueError as problem:
                print(f"Set the weights above to see the regions ({problem}).")
        """),
        markdown("""
            ## Summary

            - No linear model classifies XOR: the four inequalities contradict each
              other, the best least-squares line is undecided everywhere, and random lines
              never get all four points.
            - One hidden layer of two ReLU units computes XOR exactly. In the hidden space
              the classes are split by a straight line, the one where the output is 0.5.
            - In the input plane, the units' lines cut out regions in each of which the
              network is linear: a ReLU network is a piecewise-linear function, and more
              units (or more layers) make more pieces.
        """),
    ])
