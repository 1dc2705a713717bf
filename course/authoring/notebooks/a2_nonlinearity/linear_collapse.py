"""Chapter: source/a2_nonlinearity/linear_collapse.ipynb — depth without activations."""
from course.authoring.cells import code, given, hidden_check, mark_scheme, markdown, notebook, solution, \
    task, tests, written_answer
from graders.a2_nonlinearity import linear_collapse as rubric
from solutions.a2_nonlinearity import linear_collapse as ref

GRADERS = "graders.a2_nonlinearity.linear_collapse"


def build():
    return notebook([
        markdown("""
            # Depth without activations: the linear collapse

            A layer without an activation is **affine**: it maps x to W @ x + b. This
            notebook shows, in code, on paper and by experiment, that a stack of such
            layers, however deep, computes no more than one of them. That is the reason
            networks need non-linear activations between their layers.

            Conventions, as in the whole course: a single input is a vector `x` of shape
            `(n_in,)`, a weight matrix `W` has shape `(n_out, n_in)`, and a layer maps
            `x -> W @ x + b` with `b` of shape `(n_out,)`.

            **How you are graded.** The functions are checked when your notebook is
            graded, on random stacks of layers of mixed shapes drawn then (run the visible
            asserts now). The proof in section 3 is read and graded by hand. Run the
            notebook top to bottom (*Run → Run All Cells*) before you submit.
        """),
        given("setup", """
            %matplotlib inline
            import matplotlib.pyplot as plt
            import numpy as np


            def run_stack(layers, x):
                \"\"\"The output of affine layers (W, b), applied first to last with no
                activation between them, for one input x or a batch X (n_samples, n_in).\"\"\"
                for W, b in layers:
                    x = x @ W.T + b  # for one vector x this is W @ x + b
                return x
        """),

        markdown("""
            ## 1. Two layers make one

            Take layer 1, h = W₁x + b₁ with W₁ of shape `(n_hidden, n_in)`, and layer 2,
            y = W₂h + b₂ with W₂ of shape `(n_out, n_hidden)`. Substituting and expanding,

            $$y = W_2 (W_1 x + b_1) + b_2 = (W_2 W_1)\\,x + (W_2 b_1 + b_2).$$

            The bracketed terms do not depend on x, so they are one layer's weights and
            bias. Two details decide whether the code is right:

            - **The order.** Layer 1 acts first, so its matrix stands on the *right*:
              W₂W₁ has shape `(n_out, n_in)`. The product W₁W₂ is a different matrix,
              and it is not even defined unless n_in = n_out.
            - **The bias.** Layer 2's matrix acts on everything layer 1 outputs, its bias
              included: the new bias is W₂b₁ + b₂, not b₁ + b₂.

            The cell below checks the shapes on random layers, without your code.
        """),
        code("""
            rng = np.random.default_rng(1)
            W1, b1 = rng.normal(size=(5, 3)), rng.normal(size=5)  # 3 inputs -> 5 hidden
            W2, b2 = rng.normal(size=(2, 5)), rng.normal(size=2)  # 5 hidden -> 2 outputs
            print("W2 @ W1 has shape", (W2 @ W1).shape, "= (n_out, n_in)")
            try:
                W1 @ W2
            except ValueError as error:
                print("W1 @ W2 fails:", str(error).split(" with ")[0])
            x = rng.normal(size=3)
            two_layers = W2 @ (W1 @ x + b1) + b2
            one_layer = (W2 @ W1) @ x + (W2 @ b1 + b2)
            print("largest difference between two layers and one:",
                  np.max(np.abs(two_layers - one_layer)))
        """),
        markdown("""
            ### Your turn: `collapse_linear(W1, b1, W2, b2)`

            Return the pair `(W, b)`. The visible asserts use the two small stacks
            below, one for W and one for b, so that a slip in one part does not hide the
            other.
        """),
        given("examples", """
            # for W: 3 inputs -> 2 hidden units -> 2 outputs
            W_EXAMPLE = (np.array([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]]), np.array([1.0, -1.0]),
                         np.array([[1.0, 1.0], [2.0, 0.0]]), np.array([0.5, 0.0]))
            # for b: 2 inputs -> 3 hidden units -> 2 outputs
            B_EXAMPLE = (np.array([[1.0, 2.0], [0.0, 1.0], [1.0, 0.0]]), np.array([1.0, 2.0, 3.0]),
                         np.array([[1.0, 0.0, 1.0], [0.0, 2.0, 0.0]]), np.array([2.0, -1.0]))
        """),
        solution("collapse_linear", ref.collapse_linear),
        tests("test_collapse_linear_weights", 2, visible="""
            W, b = collapse_linear(*W_EXAMPLE)
            assert np.shape(W) == (2, 3), "W maps 3 inputs to 2 outputs: shape (n_out, n_in) = (2, 3)"
            assert np.allclose(W, [[1.0, 1.0, 1.0], [2.0, 0.0, 4.0]]), "W = W2 @ W1 (layer 1's matrix on the right)"
        """, hidden=f"""
            from {GRADERS} import check_collapse_linear_weights
            check_collapse_linear_weights(collapse_linear)
        """),
        tests("test_collapse_linear_bias", 2, visible="""
            W, b = collapse_linear(*B_EXAMPLE)
            assert np.shape(b) == (2,), "b has one entry per output"
            assert np.allclose(b, [6.0, 3.0]), "b = W2 @ b1 + b2"
        """, hidden=f"""
            from {GRADERS} import check_collapse_linear_bias
            check_collapse_linear_bias(collapse_linear)
        """),

        markdown("""
            ## 2. Any number of layers

            The argument repeats. If the first L layers together equal one affine layer
            (W, b), then adding layer L + 1 gives the affine layer
            (W_{L+1} W, W_{L+1} b + b_{L+1}): fold the layers in one at a time, first to
            last, and the whole stack becomes one layer,
            W = W_L ⋯ W₂ W₁, with every bias carried through the matrices after it.

            ### Your turn: `collapse_stack(layers)`

            `layers` is a non-empty list of `(W, b)` pairs; `layers[0]` sees the input.
            You may call your `collapse_linear`. A stack of one layer is that layer.
        """),
        solution("collapse_stack", ref.collapse_stack),
        tests("test_collapse_stack_values", 2, visible="""
            rng = np.random.default_rng(2)
            widths = [3, 4, 5, 2]  # 3 inputs -> 4 -> 5 -> 2 outputs
            stack = [(rng.normal(size=(n_out, n_in)), rng.normal(size=n_out))
                     for n_in, n_out in zip(widths, widths[1:])]
            W, b = collapse_stack(stack)
            assert np.shape(W) == (2, 3) and np.shape(b) == (2,), "one layer from 3 inputs to 2 outputs"
            for x in rng.normal(size=(5, 3)):
                assert np.allclose(W @ x + b, run_stack(stack, x)), "W @ x + b must equal the stack's output"
        """, hidden=f"""
            from {GRADERS} import check_collapse_stack_values
            check_collapse_stack_values(collapse_stack)
        """),
        hidden_check("test_collapse_stack_one_layer", 1,
                     "a stack of a single layer collapses to that layer.",
                     GRADERS, "check_collapse_stack_one_layer", "collapse_stack"),
        hidden_check("test_collapse_stack_ten_layers", 1,
                     "stacks of ten layers, square and of mixed shapes.",
                     GRADERS, "check_collapse_stack_ten_layers", "collapse_stack"),
        markdown("""
            With your `collapse_stack`, ten layers of widths 4 → 16 → … → 16 → 3 turn
            into a single 3 × 4 matrix and a bias, and agree with the stack on a
            thousand random inputs up to rounding:
        """),
        code("""
            rng = np.random.default_rng(3)
            widths = [4] + [16] * 9 + [3]
            deep_stack = [(rng.normal(0, 1 / np.sqrt(n_in), size=(n_out, n_in)), rng.normal(size=n_out))
                          for n_in, n_out in zip(widths, widths[1:])]
            inputs = rng.normal(size=(1000, 4))
            try:
                W, b = collapse_stack(deep_stack)
                parameters = sum(W_layer.size + b_layer.size for W_layer, b_layer in deep_stack)
                print(f"{len(deep_stack)} layers, {parameters} parameters -> one layer of shape "
                      f"{np.shape(W)}, {np.size(W) + np.size(b)} parameters")
                gap = np.max(np.abs(inputs @ np.transpose(W) + b - run_stack(deep_stack, inputs)))
                print(f"largest difference on 1000 inputs: {gap:.1e}")
            except NotImplementedError:
                print("Implement collapse_stack above to see the ten layers collapse.")
        """),

        markdown("""
            ## 3. The proof

            The code checks the claim on examples; a proof shows it holds for every
            matrix, every input and every depth.
        """),
        task("proof_task", 0, """
            ### Your turn: prove it (graded by hand, 4 points)

            In the Markdown cell below, prove that two affine layers applied one after the
            other, with no activation between them, are one affine layer, and conclude
            what this means for a network of any depth. Show each step: substitute one
            layer into the other, expand, name the single layer's W and b (with their
            shapes), then extend the argument to L layers. Words and symbols both count;
            LaTeX works between dollar signs, as in `$W_2 (W_1 x + b_1) + b_2$`.
        """, mark_scheme(rubric.PROOF_POINTS, rubric.PROOF_RUBRIC,
                        rubric.PROOF_GRADER_NOTES, ref.PROOF)),
        written_answer("proof", rubric.PROOF_POINTS, ref.PROOF),

        markdown("""
            ## 4. Experiment: ten linear layers against one

            The proof predicts that training cannot help a deep linear network: its best
            fit is the best fit of one affine layer. The cells below fit the non-linear
            target y = x² on [−2, 2] three ways:

            1. one affine layer, solved exactly by least squares;
            2. ten affine layers (1 → 8 → … → 8 → 1, no activations), trained by gradient
               descent on the mean squared error from a random start;
            3. for contrast, one hidden layer of 30 ReLU units with random weights, of
               which only the output layer is fitted (by least squares).
        """),
        code("""
            x_train = np.linspace(-2, 2, 200)
            y_train = x_train ** 2
            X_train = x_train[:, None]  # a batch of 200 one-dimensional inputs

            # 1. one affine layer: least squares on [x, 1]
            design = np.column_stack([x_train, np.ones_like(x_train)])
            slope, intercept = np.linalg.lstsq(design, y_train, rcond=None)[0]
            one_layer_mse = np.mean((slope * x_train + intercept - y_train) ** 2)

            # 2. ten affine layers, trained by full-batch gradient descent
            rng = np.random.default_rng(4)
            widths = [1] + [8] * 9 + [1]
            trained = [(rng.normal(0, 1 / np.sqrt(n_in), size=(n_out, n_in)), np.zeros(n_out))
                       for n_in, n_out in zip(widths, widths[1:])]
            learning_rate, deep_losses = 0.02, []
            for step in range(500):
                activations = [X_train]
                for W, b in trained:
                    activations.append(activations[-1] @ W.T + b)
                error = activations[-1][:, 0] - y_train
                deep_losses.append(np.mean(error ** 2))
                grad = 2 * error[:, None] / len(y_train)  # d(mean squared error)/d(output)
                updated = []
                for (W, b), layer_input in zip(reversed(trained), reversed(activations[:-1])):
                    grad_W, grad_b = grad.T @ layer_input, grad.sum(axis=0)
                    grad = grad @ W  # backpropagate before W changes
                    updated.append((W - learning_rate * grad_W, b - learning_rate * grad_b))
                trained = updated[::-1]
            deep_fit = run_stack(trained, X_train)[:, 0]
            deep_mse = np.mean((deep_fit - y_train) ** 2)

            # 3. one hidden ReLU layer with random weights; only the output layer is fitted
            hidden = np.maximum(X_train @ rng.normal(size=(1, 30)) + rng.uniform(-2, 2, size=30), 0.0)
            hidden_design = np.column_stack([hidden, np.ones_like(x_train)])
            relu_fit = hidden_design @ np.linalg.lstsq(hidden_design, y_train, rcond=None)[0]
            relu_mse = np.mean((relu_fit - y_train) ** 2)

            print(f"one affine layer (least squares):      MSE = {one_layer_mse:.6f}")
            print(f"ten affine layers (gradient descent):  MSE = {deep_mse:.6f}, "
                  f"after {len(deep_losses)} steps (it started at {deep_losses[0]:.3f})")
            print(f"one random ReLU layer (least squares): MSE = {relu_mse:.6f}")
            print("ten layers did better than one:", deep_mse < one_layer_mse - 1e-9)

            fig, (ax_fit, ax_loss) = plt.subplots(1, 2, figsize=(11, 3.8))
            ax_fit.plot(x_train, y_train, "k", lw=3, alpha=0.3, label="target y = x²")
            ax_fit.plot(x_train, slope * x_train + intercept, label="one affine layer")
            ax_fit.plot(x_train, deep_fit, "--", label="ten affine layers")
            ax_fit.plot(x_train, relu_fit, ":", label="one ReLU layer")
            ax_fit.set_xlabel("x"); ax_fit.legend(); ax_fit.grid(alpha=0.3); ax_fit.set_title("The fits")
            ax_loss.semilogy(deep_losses, label="ten affine layers, training")
            ax_loss.axhline(one_layer_mse, color="C0", ls=":", label="one affine layer, exact")
            ax_loss.set_xlabel("gradient descent step"); ax_loss.set_ylabel("mean squared error")
            ax_loss.legend(); ax_loss.grid(alpha=0.3); ax_loss.set_title("Training the deep linear stack")
            plt.tight_layout()
            plt.show()
        """),
        markdown("""
            The ten-layer stack trains, and its loss falls, but only down to the line that
            one affine layer reaches exactly: the best straight line through a parabola
            on a symmetric interval. Your `collapse_stack` shows what the trained stack
            has become:
        """),
        code("""
            try:
                W, b = collapse_stack(trained)
                print(f"trained ten-layer stack = one layer: y = {np.ravel(W)[0]:+.6f}·x {np.ravel(b)[0]:+.6f}")
                print(f"least-squares line:                  y = {slope:+.6f}·x {intercept:+.6f}")
            except NotImplementedError:
                print("Implement collapse_stack above to collapse the trained stack.")
        """),
        markdown("""
            ## Summary

            - An affine layer after an affine layer is an affine layer:
              W = W₂W₁ and b = W₂b₁ + b₂, with layer 1's matrix on the right.
            - By induction, a stack of any depth without activations is one affine layer.
              Depth adds parameters, not expressive power.
            - A non-linear activation between layers breaks the collapse: W₂ relu(W₁x + b₁)
              cannot be expanded, and one ReLU layer already fits what ten linear ones
              cannot. The next notebook uses this to solve XOR.
        """),
    ])
