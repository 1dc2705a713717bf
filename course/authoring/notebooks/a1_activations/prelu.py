"""Chapter: source/a1_activations/prelu.ipynb — gradient checking and a learnable PReLU."""
from course.authoring.cells import code, given, hidden_check, markdown, notebook, solution, tests
from solutions.a1_activations import prelu as ref

GRADERS = "graders.a1_activations.prelu"


def build():
    return notebook([
        markdown("""
            # PReLU, and how to check a gradient

            Backpropagation needs the derivative of every layer. A derivative written by
            hand is easy to get wrong, and a wrong gradient often still *trains*, only
            worse. So first you build a tool that checks any gradient numerically, then
            you use it on a layer with a learnable parameter: **PReLU**, a leaky ReLU
            whose negative slope α is learned (He et al., 2015).

            Grading works as in the first notebook: visible asserts now, hidden checks on
            random inputs when your notebook is graded.
        """),
        given("setup", """
            %matplotlib inline
            import matplotlib.pyplot as plt
            import numpy as np
        """),

        markdown("""
            ## 1. The numerical gradient

            For a scalar function f of an array x, the partial derivative along entry i
            is approached by the **central difference**

            $$\\frac{\\partial f}{\\partial x_i} \\approx \\frac{f(x + \\varepsilon e_i) - f(x - \\varepsilon e_i)}{2\\varepsilon},$$

            whose error shrinks like ε². The one-sided (forward) difference
            (f(x + εeᵢ) − f(x))/ε is off by about ε·f″/2. The cell below measures both on
            f(x) = x³ at x = 1, where the exact derivative is 3.
        """),
        code("""
            cube, exact = (lambda x: x ** 3), 3.0
            steps = np.logspace(-10, -1, 10)
            forward_error = [abs((cube(1 + h) - cube(1)) / h - exact) for h in steps]
            central_error = [abs((cube(1 + h) - cube(1 - h)) / (2 * h) - exact) for h in steps]
            fig, ax = plt.subplots(figsize=(7, 3.5))
            ax.loglog(steps, forward_error, "o-", label="forward difference")
            ax.loglog(steps, central_error, "s-", label="central difference")
            ax.set_xlabel("step ε"); ax.set_ylabel("error"); ax.grid(alpha=0.3); ax.legend()
            ax.set_title("Too large a step: truncation error. Too small: rounding error.")
            plt.show()
            for h, forward, central in zip(steps, forward_error, central_error):
                print(f"ε = {h:.0e}: forward error {forward:.1e}, central error {central:.1e}")
        """),
        markdown("""
            ### Your turn: `numerical_gradient(f, x, eps=1e-6)`

            Perturb one entry at a time (`np.ndindex(x.shape)` visits every index of an
            array of any shape) and return an array of x's shape. Work on a copy: the
            caller's `x` must come back unchanged.
        """),
        solution("numerical_gradient", ref.numerical_gradient),
        tests("test_numerical_gradient_values", 3, visible="""
            point = np.array([[1.0, -2.0], [0.5, 3.0]])
            gradient = numerical_gradient(lambda x: np.sum(x ** 2), point)
            assert gradient.shape == (2, 2), "the gradient has the shape of x"
            assert np.allclose(gradient, 2 * point, atol=1e-6), "the gradient of sum(x²) is 2x"
            assert np.array_equal(point, [[1.0, -2.0], [0.5, 3.0]]), "x must be left unchanged"
        """, hidden=f"""
            from {GRADERS} import check_numerical_gradient_values
            check_numerical_gradient_values(numerical_gradient)
        """),
        hidden_check("test_numerical_gradient_eps", 1,
                     "numerical_gradient uses the eps it is given (here 1e-3).",
                     GRADERS, "check_numerical_gradient_eps", "numerical_gradient"),

        markdown("""
            ## 2. PReLU forward

            $$\\text{prelu}(z) = \\begin{cases} z & z > 0 \\\\ \\alpha z & z \\le 0 \\end{cases}$$

            α is either one float for the whole layer, or an array of shape `(C,)`: one
            slope per channel. Channels run along the **last** axis of z, so for z of
            shape `(N, C)` or `(N, H, C)`, `alpha * z` broadcasts the right slope onto
            each channel without any reshaping.

            ## 3. PReLU backward

            Given dL/d(output) as `grad_output`, the chain rule gives

            - `grad_z` = grad_output where z > 0, α·grad_output where z ≤ 0 (the slope at
              z = 0 is α, as the forward formula uses α·z there);
            - `grad_alpha` = Σ z·grad_output over the positions where z ≤ 0, since
              ∂(αz)/∂α = z. α was **used at every position it was broadcast to**, so
              its gradient sums over all of them: a float for a scalar α, and one sum
              per channel (over every axis but the last) for α of shape `(C,)`.

            ### Your turn: `PReLU.forward` and `PReLU.backward`
        """),
        solution("prelu", ref.PReLU),
        tests("test_prelu_forward_scalar", 2, visible="""
            layer = PReLU(0.1)
            assert np.allclose(layer.forward(np.array([-2.0, 0.0, 3.0])), [-0.2, 0.0, 3.0]), \\
                "with alpha = 0.1: -2 -> -0.2, 0 -> 0, 3 -> 3"
            assert np.isclose(PReLU().forward(np.array([-1.0]))[0], -0.25), "the default alpha is 0.25"
        """, hidden=f"""
            from {GRADERS} import check_prelu_forward_scalar
            check_prelu_forward_scalar(PReLU)
        """),
        hidden_check("test_prelu_forward_channels", 1,
                     "forward with alpha of shape (C,) on z of shape (N, C) and (N, H, C).",
                     GRADERS, "check_prelu_forward_channels", "PReLU"),
        tests("test_prelu_backward_grad_z", 2, visible="""
            grad_z, _ = PReLU(0.1).backward(np.array([-2.0, 3.0]), np.array([5.0, 7.0]))
            assert np.allclose(grad_z, [0.5, 7.0]), "grad_z is the slope (alpha or 1) times grad_output"
        """, hidden=f"""
            from {GRADERS} import check_prelu_backward_grad_z
            check_prelu_backward_grad_z(PReLU)
        """),
        tests("test_prelu_grad_alpha_scalar", 2, visible="""
            _, grad_alpha = PReLU(0.1).backward(np.array([-2.0, -1.0, 3.0]), np.array([5.0, 1.0, 7.0]))
            assert np.ndim(grad_alpha) == 0, "a scalar alpha has a scalar gradient"
            assert np.isclose(grad_alpha, -2.0 * 5.0 + -1.0 * 1.0), "sum z·grad_output where z <= 0"
        """, hidden=f"""
            from {GRADERS} import check_prelu_grad_alpha_scalar
            check_prelu_grad_alpha_scalar(PReLU)
        """),
        tests("test_prelu_grad_alpha_channels", 2, visible="""
            z = np.array([[-1.0, 2.0, -3.0], [-4.0, -5.0, 6.0]])
            _, grad_alpha = PReLU(np.array([0.1, 0.2, 0.3])).backward(z, np.ones_like(z))
            assert np.shape(grad_alpha) == (3,), "per-channel alpha: grad_alpha has shape (C,)"
            assert np.allclose(grad_alpha, [-5.0, -5.0, -3.0]), "sum over the batch, per channel"
        """, hidden=f"""
            from {GRADERS} import check_prelu_grad_alpha_channels
            check_prelu_grad_alpha_channels(PReLU)
        """),
        hidden_check("test_prelu_backward_numerically", 1,
                     "backward agrees with the numerical gradient of sum(forward(z)·grad_output).",
                     GRADERS, "check_prelu_backward_numerically", "PReLU"),

        markdown("""
            ## 4. Check your backward pass with your numerical gradient

            For L = Σ forward(z)·g, dL/dz is exactly what `backward(z, g)` returns as
            `grad_z`, and dL/dα is `grad_alpha`. The cell below compares them with
            `numerical_gradient`; the relative error should be around 1e-9 or smaller.
            (Points too close to the kink z = 0 are moved away: there the function has
            no derivative and a finite difference straddles it.)
        """),
        code("""
            try:
                rng = np.random.default_rng(0)
                z = rng.normal(size=(5, 3))
                z[np.abs(z) < 1e-3] = 0.5
                g = rng.normal(size=z.shape)
                alpha = np.array([0.1, 0.2, 0.3])
                grad_z, grad_alpha = PReLU(alpha).backward(z, g)
                numeric_z = numerical_gradient(lambda zz: np.sum(PReLU(alpha).forward(zz) * g), z)
                numeric_alpha = numerical_gradient(lambda a: np.sum(PReLU(a).forward(z) * g), alpha)
                for name, analytic, numeric in (("grad_z", grad_z, numeric_z),
                                                ("grad_alpha", grad_alpha, numeric_alpha)):
                    error = np.max(np.abs(analytic - numeric)) / max(np.max(np.abs(numeric)), 1e-12)
                    print(f"{name}: relative error {error:.1e}")
            except (NameError, NotImplementedError):
                print("Implement numerical_gradient and PReLU above (and run their cells) "
                      "to run the check.")
        """),
        markdown("""
            ## A note on history

            He et al. introduced PReLU in *Delving Deep into Rectifiers* (2015), with the
            initialisation that bears He's name, and reported 4.94% top-5 error on the
            ImageNet 2012 classification set. (ILSVRC 2015 itself was won by ResNet,
            which uses plain ReLU.)
        """),
    ])
