"""Chapter: source/a1_activations/activations.ipynb — the activation functions themselves."""
from course.authoring.cells import code, given, hidden_check, markdown, notebook, solution, tests
from solutions.a1_activations import activations as ref

GRADERS = "graders.a1_activations.activations"


def exercise(name, values_check_visible, edge_description):
    """The solution cell of `name` and its two graded test cells (2 + 1 points)."""
    return [
        solution(name, getattr(ref, name)),
        tests(f"test_{name}_values", 2, visible=values_check_visible,
              hidden=f"from {GRADERS} import check_{name}_values\n"
                     f"check_{name}_values({name})"),
        hidden_check(f"test_{name}_edge_cases", 1, edge_description, GRADERS,
                     f"check_{name}_edge_cases", name),
    ]


def build():
    return notebook([
        markdown("""
            # Activation functions, implemented and checked

            A neuron computes a weighted sum `z = w·x + b` and passes it through an
            **activation function**. Without that non-linear step, a network of any depth
            computes an affine map (assignment 2 proves it). This notebook builds the
            activations used in practice, with their derivatives, in NumPy.

            **How you are graded.** Each exercise has a cell to complete (replace
            `raise NotImplementedError()`), followed by test cells. The visible asserts
            you can run now; hidden checks run when your notebook is graded, on random
            inputs drawn then. Every function must:

            - accept a Python float, a 0-d array or an array of any shape, and return a
              `float64` array of the same shape;
            - leave its input unchanged;
            - stay finite and silent (no `RuntimeWarning`) for |z| up to 10⁴;
            - match the exact formula to about 9 significant digits (approximations fail).

            A test cell that passes prints nothing. *Run All* stops at the first test
            that fails, so while you work, run the cells below it with Shift+Enter. Before
            you submit, restart the kernel and run the notebook top to bottom.
        """),
        given("setup", """
            %matplotlib inline
            import math

            import matplotlib.pyplot as plt
            import numpy as np

            z_grid = np.linspace(-6, 6, 601)  # where the curves below are drawn
        """),

        markdown("""
            ## 1. Sigmoid

            The sigmoid squashes any real number into (0, 1), which makes it the output of
            a binary classifier: σ(z) is read as the probability of the positive class.

            $$\\sigma(z) = \\frac{1}{1 + e^{-z}}, \\qquad \\sigma(-z) = 1 - \\sigma(z).$$

            Far from 0 the curve is flat: the function **saturates**, and so its slope,
            which backpropagation multiplies into every gradient, is nearly 0 there.
        """),
        code("""
            naive_sigmoid = 1 / (1 + np.exp(-z_grid))  # fine on this grid, |z| <= 6
            fig, ax = plt.subplots(figsize=(7, 3.5))
            ax.plot(z_grid, naive_sigmoid, label="σ(z)")
            ax.plot(z_grid, naive_sigmoid * (1 - naive_sigmoid), "--", label="σ′(z)")
            slope = naive_sigmoid * (1 - naive_sigmoid)
            ax.fill_between(z_grid, 0, 1, where=slope < 0.02, color="grey", alpha=0.2,
                            transform=ax.get_xaxis_transform(), label="saturated: slope < 0.02")
            ax.set_xlabel("z"); ax.legend(); ax.grid(alpha=0.3)
            ax.set_title("Sigmoid and its derivative")
            plt.show()
            for z in (-3.0, 0.0, 3.0):
                print(f"σ({z:+.0f}) = {1 / (1 + math.exp(-z)):.3f}")
        """),
        markdown("""
            **The overflow trap.** `np.exp` overflows float64 a little above z = 709, so
            the textbook formula `1 / (1 + np.exp(-z))` warns for z below about −709 (it
            still returns 0 there, but a `RuntimeWarning` in a graded cell costs the
            check). The cell below measures where the trouble starts, and where float64
            can no longer tell σ(z) from 1.
        """),
        code("""
            print("largest z with a finite exp(z):", np.log(np.finfo(float).max))
            with np.errstate(over="raise"):
                try:
                    np.exp(800.0)
                except FloatingPointError as error:
                    print("np.exp(800.0) ->", error)
            z_values = np.linspace(30, 40, 100_001)
            rounds_to_one = z_values[1 / (1 + np.exp(-z_values)) == 1.0]
            print(f"in float64, σ(z) == 1.0 exactly from z ≈ {rounds_to_one[0]:.2f}")
        """),
        markdown("""
            ### Your turn: `sigmoid(z)`

            Compute it so that `exp` never sees a large positive number: with
            `e = np.exp(-np.abs(z))`, σ(z) is `1 / (1 + e)` for z ≥ 0 and `e / (1 + e)`
            for z < 0.
        """),
        *exercise("sigmoid", """
            assert np.isclose(sigmoid(0.0), 0.5), "sigmoid(0) must be 0.5"
            assert np.allclose(sigmoid(np.array([-3.0, 0.0, 3.0])), [0.0474, 0.5, 0.9526],
                               atol=1e-4), "sigmoid(-3), sigmoid(0), sigmoid(3) should be 0.047, 0.5, 0.953"
            assert sigmoid(np.zeros((2, 3))).shape == (2, 3), "sigmoid must keep the input's shape"
        """, "sigmoid at z = 0 exactly and at |z| up to 1e4, with no RuntimeWarning."),

        markdown("""
            ## 2. The sigmoid's derivative

            Differentiating $1/(1 + e^{-z})$ with respect to z gives

            $$\\sigma'(z) = \\frac{e^{-z}}{(1+e^{-z})^2} = \\sigma(z)\\,\\bigl(1 - \\sigma(z)\\bigr).$$

            The right-hand side is in terms of σ(z), not z: a common slip is to write
            `s * (1 - z)`. The largest slope is σ′(0) = 1/4: backpropagation multiplies
            the gradient reaching each sigmoid unit by σ′(z), so by at most 1/4, and by far
            less where the unit saturates. (The weights of the next layer are a separate
            factor: the gradient of a whole layer can still grow if they are large.)
            The slope at a few inputs:
        """),
        code("""
            def naive_sigmoid_slope(z):
                s = 1 / (1 + math.exp(-z))
                return s * (1 - s)

            for z in (0.0, 2.0, 5.0, 10.0):
                print(f"σ′({z:>4}) = {naive_sigmoid_slope(z):.2e}")
            print("ten saturated layers at z = 10 multiply a gradient by",
                  f"{naive_sigmoid_slope(10.0) ** 10:.1e}")
        """),
        markdown("### Your turn: `sigmoid_derivative(z)` (you may call your `sigmoid`)"),
        *exercise("sigmoid_derivative", """
            assert np.isclose(sigmoid_derivative(0.0), 0.25), "the slope at 0 is 1/4"
            assert np.allclose(sigmoid_derivative(np.array([-2.0, 2.0])), 0.104994, atol=1e-6), \\
                "σ′ is symmetric: σ′(±2) = 0.105"
        """, "sigmoid_derivative at z = 0 and at |z| up to 1e4, with no RuntimeWarning."),

        markdown("""
            ## 3. Tanh and its derivative

            tanh(z) = 2σ(2z) − 1 is a sigmoid stretched to (−1, 1) and centred on 0, so
            its outputs do not all share one sign. Its derivative

            $$\\tanh'(z) = 1 - \\tanh^2(z)$$

            peaks at 1, four times the sigmoid's peak. NumPy has `np.tanh`; you write the
            derivative. (`1/np.cosh(z)**2` is the same function on paper, but `cosh`
            overflows for |z| above about 710.)
        """),
        code("""
            fig, ax = plt.subplots(figsize=(7, 3.5))
            ax.plot(z_grid, np.tanh(z_grid), label="tanh(z)")
            ax.plot(z_grid, 1 - np.tanh(z_grid) ** 2, "--", label="tanh′(z)")
            ax.plot(z_grid, naive_sigmoid * (1 - naive_sigmoid), ":", label="σ′(z), for comparison")
            ax.set_xlabel("z"); ax.legend(); ax.grid(alpha=0.3)
            ax.set_title("tanh and its derivative")
            plt.show()
            print("peak slopes: tanh′(0) =", 1 - np.tanh(0.0) ** 2,
                  " σ′(0) =", naive_sigmoid_slope(0.0))
        """),
        markdown("### Your turn: `tanh_derivative(z)`"),
        *exercise("tanh_derivative", """
            assert np.isclose(tanh_derivative(0.0), 1.0), "tanh′(0) = 1"
            assert np.isclose(tanh_derivative(1.0), 1 - np.tanh(1.0) ** 2), "tanh′(1) = 1 − tanh²(1)"
        """, "tanh_derivative at z = 0 and at |z| up to 1e4, with no RuntimeWarning."),

        markdown("""
            ## 4. ReLU and its derivative

            The rectified linear unit keeps positive inputs and zeroes the rest:
            relu(z) = max(0, z). Its slope is exactly 1 for z > 0, so it does not shrink
            gradients there, and exactly 0 for z < 0. At z = 0 it has no derivative; we
            use the convention relu′(0) = 0, as the deep-learning libraries do.
        """),
        code("""
            fig, ax = plt.subplots(figsize=(7, 3.5))
            ax.plot(z_grid, np.maximum(z_grid, 0), label="relu(z)")
            ax.plot(z_grid, (z_grid > 0).astype(float), "--", label="relu′(z)")
            ax.set_xlabel("z"); ax.legend(); ax.grid(alpha=0.3); ax.set_title("ReLU")
            plt.show()
            pre_activations = np.random.default_rng(0).standard_normal((1000, 64))
            print(f"share of zeros after ReLU on N(0, 1) inputs: "
                  f"{np.mean(np.maximum(pre_activations, 0) == 0):.1%}")
        """),
        markdown("""
            ### Your turn: `relu(z)` and `relu_derivative(z)`

            Return new float arrays: assigning into `z` (`z[z < 0] = 0`) would change the
            caller's data.
        """),
        *exercise("relu", """
            assert np.array_equal(relu(np.array([-2.0, 0.0, 3.0])), [0.0, 0.0, 3.0]), \\
                "relu keeps positive values and turns the rest into 0"
        """, "relu at z = 0 and at |z| up to 1e4; float64 out, input unchanged."),
        *exercise("relu_derivative", """
            assert np.array_equal(relu_derivative(np.array([-2.0, 0.0, 3.0])), [0.0, 0.0, 1.0]), \\
                "relu′ is 1 where z > 0 and 0 elsewhere, including z = 0"
        """, "relu_derivative at z = 0 exactly (0.0) and at |z| up to 1e4; float64 out."),

        markdown("""
            ## 5. Leaky ReLU

            A ReLU unit whose input is negative for every example outputs 0 and passes a
            zero gradient: it cannot recover, it is **dead**. Leaky ReLU keeps a small
            slope α on the negative side, so the gradient never vanishes completely:

            $$\\text{leaky\\_relu}(z) = \\begin{cases} z & z > 0 \\\\ \\alpha z & z \\le 0 \\end{cases}
            \\qquad \\text{leaky\\_relu}'(z) = \\begin{cases} 1 & z > 0 \\\\ \\alpha & z \\le 0 \\end{cases}$$

            The cell below shifts standard normal pre-activations down by 1.5 (a bad
            initialisation) and counts the outputs that carry no gradient.
        """),
        code("""
            shifted = np.random.default_rng(0).standard_normal(10_000) - 1.5
            no_gradient_relu = np.mean((shifted > 0) == 0)
            print(f"ReLU: {no_gradient_relu:.1%} of inputs get zero gradient "
                  f"(theory: Φ(1.5) = {0.5 * (1 + math.erf(1.5 / math.sqrt(2))):.1%})")
            print("leaky ReLU: 0.0% — its slope is α > 0 everywhere on the negative side")
            normal = np.random.default_rng(1).standard_normal(1_000_000)
            print(f"mean output on N(0, 1): ReLU {np.maximum(normal, 0).mean():.3f}, "
                  f"leaky ReLU (α = 0.01) {np.where(normal > 0, normal, 0.01 * normal).mean():.3f}"
                  " — neither is zero-centred")
            fig, ax = plt.subplots(figsize=(7, 3.5))
            for alpha in (0.01, 0.1, 0.3):
                ax.plot(z_grid, np.where(z_grid > 0, z_grid, alpha * z_grid), label=f"α = {alpha}")
            ax.set_xlabel("z"); ax.legend(); ax.grid(alpha=0.3); ax.set_title("Leaky ReLU")
            plt.show()
        """),
        markdown("### Your turn: `leaky_relu(z, alpha=0.01)` and `leaky_relu_derivative(z, alpha=0.01)`"),
        *exercise("leaky_relu", """
            assert np.allclose(leaky_relu(np.array([-2.0, 0.0, 3.0]), 0.1), [-0.2, 0.0, 3.0]), \\
                "with alpha = 0.1: -2 -> -0.2, 0 -> 0, 3 -> 3"
            assert np.isclose(leaky_relu(-1.0), -0.01), "the default alpha is 0.01"
        """, "leaky_relu at z = 0 and at |z| up to 1e4; float64 out, input unchanged."),
        *exercise("leaky_relu_derivative", """
            assert np.allclose(leaky_relu_derivative(np.array([-2.0, 3.0]), 0.1), [0.1, 1.0]), \\
                "the slope is alpha for z <= 0 and 1 for z > 0"
            assert np.isclose(leaky_relu_derivative(-1.0), 0.01), "the default alpha is 0.01"
        """, "leaky_relu_derivative at z = 0 exactly (alpha) and at |z| up to 1e4."),

        markdown("""
            ## 6. Softplus

            softplus(z) = log(1 + e^z) is a smooth ReLU: always positive, ≈ e^z far
            left, ≈ z far right. Written as is, `e^z` overflows past z ≈ 709. Clipping z
            at 20 before `exp` avoids the overflow but is wrong: softplus(100) is 100,
            not 20. The identity

            $$\\log(1 + e^z) = \\max(z, 0) + \\log\\bigl(1 + e^{-|z|}\\bigr)$$

            keeps the exponent ≤ 0; `np.log1p` computes log(1 + small) accurately.
        """),
        code("""
            clipped_softplus = lambda z: np.log1p(np.exp(np.clip(z, -500, 20)))
            print("clipped formula at z = 100:", clipped_softplus(100.0), "(the true value is 100)")
            fig, ax = plt.subplots(figsize=(7, 3.5))
            ax.plot(z_grid, np.log1p(np.exp(z_grid)), label="softplus(z)")
            ax.plot(z_grid, np.maximum(z_grid, 0), "--", label="relu(z)")
            ax.set_xlabel("z"); ax.legend(); ax.grid(alpha=0.3); ax.set_title("Softplus vs ReLU")
            plt.show()
        """),
        markdown("### Your turn: `softplus(z)`"),
        *exercise("softplus", """
            assert np.isclose(softplus(0.0), np.log(2.0)), "softplus(0) = log 2"
            assert np.isclose(softplus(30.0), 30.0), "softplus(z) ≈ z for large z"
        """, "softplus at z = 0 and at |z| up to 1e4 (softplus(1e4) = 1e4), no RuntimeWarning."),

        markdown("""
            ## 7. Softmax

            Softmax turns a vector of scores (logits) into probabilities:
            $\\mathrm{softmax}(z)_i = e^{z_i} / \\sum_j e^{z_j}$. Adding the same constant to every logit
            changes nothing, so subtract the largest one first: then every exponent is
            ≤ 0 and nothing overflows. For a batch, the sum runs along `axis` only:
            use `keepdims=True` so the division broadcasts slice by slice.
        """),
        code("""
            logits = np.array([2.0, 1.0, 0.1, -0.5, 3.5])
            shifted_exp = np.exp(logits - logits.max())
            print("probabilities:", np.round(shifted_exp / shifted_exp.sum(), 3),
                  " sum:", (shifted_exp / shifted_exp.sum()).sum())
            with np.errstate(over="ignore", invalid="ignore"):
                big = np.array([1000.0, 1001.0])
                print("naive softmax of [1000, 1001]:", np.exp(big) / np.exp(big).sum())
            print("shifted softmax of [1000, 1001]:", np.exp(big - big.max()) / np.exp(big - big.max()).sum())
        """),
        markdown("### Your turn: `softmax(z, axis=-1)`"),
        *exercise("softmax", """
            probabilities = softmax(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]))
            assert probabilities.shape == (2, 3), "softmax keeps the input's shape"
            assert np.allclose(probabilities.sum(axis=-1), 1.0), "each row must sum to 1"
            assert np.allclose(probabilities[1], 1 / 3), "equal logits give equal probabilities"
        """, "softmax along axis -1 and 0 on logits in the thousands and rows far apart."),

        markdown("""
            ## 8. GELU

            GELU weights its input by the probability that a standard normal variable is
            below it: GELU(z) = z·Φ(z), with Φ(z) = ½(1 + erf(z/√2)). Transformers such
            as BERT and GPT-2 use it. The often-quoted tanh formula is an approximation,
            not GELU; PyTorch's default `gelu` is the exact erf form. Use
            `scipy.special.erf` (vectorised) or `math.erf` (one number at a time).
        """),
        code("""
            exact_gelu = np.vectorize(lambda z: z * 0.5 * (1 + math.erf(z / math.sqrt(2))))
            tanh_gelu = lambda z: 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z ** 3)))
            fine_grid = np.linspace(-6, 6, 120_001)
            print(f"largest gap between the tanh approximation and GELU: "
                  f"{np.max(np.abs(tanh_gelu(fine_grid) - exact_gelu(fine_grid))):.2e}")
            print(f"GELU(-0.5) = {exact_gelu(-0.5):+.4f}, GELU(+0.5) = {exact_gelu(0.5):+.4f}")
            print(f"minimum of GELU: {exact_gelu(fine_grid).min():.4f} "
                  f"at z = {fine_grid[np.argmin(exact_gelu(fine_grid))]:.3f}")
            near_zero = np.linspace(-4, 2, 601)
            lowest = near_zero[np.argmin(exact_gelu(near_zero))]
            fig, ax = plt.subplots(figsize=(7, 3.5))
            ax.plot(near_zero, exact_gelu(near_zero), label="GELU(z) = z·Φ(z)")
            ax.plot(near_zero, np.maximum(near_zero, 0), ":", label="relu(z)")
            ax.axhline(0, color="black", linewidth=0.5)
            ax.annotate(f"minimum {exact_gelu(lowest):.3f}", (lowest, exact_gelu(lowest)),
                        xytext=(-3.8, 0.6), arrowprops={"arrowstyle": "->"})
            ax.set_xlabel("z"); ax.legend(); ax.grid(alpha=0.3); ax.set_title("GELU")
            plt.show()
        """),
        markdown("### Your turn: `gelu(z)` (exact)"),
        *exercise("gelu", """
            assert np.isclose(gelu(0.0), 0.0), "GELU(0) = 0·Φ(0) = 0"
            assert np.isclose(gelu(0.5), 0.34573123), "GELU(0.5) = 0.5·Φ(0.5) = 0.3457"
            assert np.isclose(gelu(-0.5), -0.15426877), "GELU(-0.5) = -0.5·Φ(-0.5) = -0.1543"
        """, "gelu at z = 0 and at |z| up to 1e4, with no RuntimeWarning."),

        markdown("""
            ## 9. SELU

            SELU scales an exponential linear unit by two constants chosen (Klambauer et
            al., 2017) so that activations with mean 0 and variance 1 keep mean 0 and
            variance 1 through a layer:

            $$\\text{selu}(z) = \\lambda \\begin{cases} z & z > 0 \\\\ \\alpha\\,(e^{z} - 1) & z \\le 0 \\end{cases}$$

            `np.where(z > 0, z, alpha * (np.exp(z) - 1))` evaluates **both** branches
            for every z, so `np.exp(z)` overflows for large positive z even though that
            value is thrown away. Exponentiate `np.minimum(z, 0)` instead (`np.expm1`
            computes e^z − 1 accurately near 0).
        """),
        given("selu_constants", f"""
            SELU_LAMBDA = {ref.SELU_LAMBDA!r}
            SELU_ALPHA = {ref.SELU_ALPHA!r}
        """),
        markdown("### Your turn: `selu(z)`"),
        *exercise("selu", """
            assert np.isclose(selu(1.0), SELU_LAMBDA), "selu(1) = λ"
            assert np.isclose(selu(-1.0), SELU_LAMBDA * SELU_ALPHA * (np.exp(-1.0) - 1)), \\
                "selu(-1) = λ·α·(e^-1 − 1)"
        """, "selu at z = 0 and at |z| up to 1e4, with no RuntimeWarning."),
        markdown("With your `selu`, the self-normalising property on a million N(0, 1) samples:"),
        code("""
            try:
                samples = np.random.default_rng(0).standard_normal(1_000_000)
                outputs = selu(samples)
                print(f"input mean {samples.mean():+.4f}, std {samples.std():.4f}")
                print(f"SELU  mean {outputs.mean():+.4f}, std {outputs.std():.4f}")
            except (NameError, NotImplementedError):
                print("Implement selu above (and run its cell) to see its output statistics.")
        """),
        markdown("""
            ## Summary

            | function | range | slope at 0 | watch out for |
            | --- | --- | --- | --- |
            | sigmoid | (0, 1) | 1/4 | overflow of $e^{-z}$; saturation |
            | tanh | (−1, 1) | 1 | saturation |
            | ReLU | [0, ∞) | 0 by convention | dead units |
            | leaky ReLU | ℝ | α | choice of α |
            | softplus | (0, ∞) | 1/2 | overflow of $e^z$; clipping |
            | softmax | simplex | — | overflow; the axis |
            | GELU | [−0.17, ∞) | 1/2 | the tanh approximation |
            | SELU | (−λα, ∞) | λα (left) / λ (right) | both branches of `np.where` |
        """),
    ])
