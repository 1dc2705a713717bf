"""Chapter: source/a3_training/initialisation.ipynb — He, Glorot and LeCun initialisation."""
import inspect

from course.authoring.cells import code, given, hidden_check, markdown, notebook, solution, tests
from course.authoring.notebooks.a3_training import sources
from graders.a3_training import initialisation as checks
from solutions.a3_training import initialisation as ref

GRADERS = "graders.a3_training.initialisation"
# the sizes the notebook's experiment runs with: activation_sizes' own defaults
EXPERIMENT = {name: parameter.default for name, parameter
              in inspect.signature(ref.activation_sizes).parameters.items()
              if parameter.default is not inspect.Parameter.empty}


def build():
    return notebook([
        markdown(f"""
            # Initialisation: keeping the signal alive through depth

            Every layer of a network multiplies its input by a weight matrix. Before
            training, those weights are random, and their **variance** decides whether
            the signal keeps its size through the layers, fades to nothing or blows up.
            A signal that fades leaves nothing to learn from; one that blows up
            saturates or overflows. This notebook derives the right variance for ReLU
            networks, **He initialisation**, and checks it on a network
            {checks.DEPTH} layers deep.

            **How you are graded.** `he_init` returns random numbers, so it is graded by
            their statistics, not by matching one sample: on matrices of shapes drawn at
            grading time (never square, so that fan_in and fan_out cannot be swapped
            unnoticed), its entries must have the shape, mean, variance and normal
            distribution of He's initialisation within what chance allows, be drawn from
            the generator `rng` you are given, and keep a {checks.DEPTH}-layer ReLU
            network's signal within a factor {checks.SIZE_FACTOR} of its input's size.

            A test cell that passes prints nothing. *Run All* stops at the first test
            that fails, so while you work, run the cells below it with Shift+Enter. Before
            you submit, restart the kernel and run the notebook top to bottom.
        """),
        given("setup", """
            %matplotlib inline
            import matplotlib.pyplot as plt
            import numpy as np
        """),

        markdown("""
            ## 1. How the variance travels through a layer

            A unit of a layer adds up its `fan_in` inputs: $z_i = \\sum_j W_{ij} a_j$.
            When the weights are independent, with mean 0 and variance Var(w), and
            independent of the inputs,

            $$\\operatorname{Var}(z_i) = \\text{fan\\_in} \\cdot \\operatorname{Var}(w) \\cdot \\mathbb{E}[a_j^2].$$

            Three choices of Var(w) follow from what should stay constant:

            - **LeCun** (1998): Var(w) = 1/fan_in keeps Var(z) equal to E[a²]. Right
              when the activation passes the signal through unchanged in size: tanh near
              0, SELU, no activation at all.
            - **Glorot**, also called **Xavier** after Xavier Glorot (Glorot and Bengio,
              2010): in the backward pass the gradient is summed over `fan_out` units,
              which asks for 1/fan_out; the compromise is Var(w) = 2/(fan_in + fan_out).
            - **He** (He et al., 2015): ReLU sets the negative half of z to 0. For z
              symmetric about 0 that halves the mean square, E[relu(z)²] = Var(z)/2, and
              doubling LeCun's variance makes up for it: **Var(w) = 2/fan_in**.

            Some sources call the standard deviation √(2/fan_in) "Xavier": it is He's.
            The cell below measures the halving for a million samples of N(0, 1).
        """),
        code("""
            z = np.random.default_rng(0).standard_normal(1_000_000)
            print(f"Var(z) = {z.var():.4f}   E[relu(z)²] = {np.mean(np.maximum(z, 0) ** 2):.4f}")
        """),
        markdown("""
            Here are LeCun's and Glorot's initialisers. Each returns a weight matrix of
            shape `(fan_out, fan_in)`, the course's convention (a layer maps x to
            W @ x + b), and draws its numbers from the generator `rng` it is given,
            never from `np.random`'s global state: with the same generator state, the
            same matrix comes out, so every experiment can be repeated exactly.
        """),
        given("initialisers", sources(ref.lecun_init, ref.glorot_init)),
        code("""
            rng = np.random.default_rng(1)
            fan_in, fan_out = 256, 64
            for name, init, variance in (("LeCun", lecun_init, 1 / fan_in),
                                         ("Glorot", glorot_init, 2 / (fan_in + fan_out))):
                W = init(fan_in, fan_out, rng)
                print(f"{name:6s} shape {W.shape}: std {W.std():.4f}, "
                      f"formula {np.sqrt(variance):.4f}")
            print("for a square layer (fan_in = fan_out = n), Glorot's 2/(n + n) is LeCun's 1/n")
        """),

        markdown("""
            ## 2. Your turn: `he_init(fan_in, fan_out, rng)`

            Return an array of shape `(fan_out, fan_in)` drawn from N(0, 2/fan_in) with
            the generator `rng`. `rng.normal(loc, scale, size)` takes the **standard
            deviation** as `scale`, the square root of the variance.
        """),
        solution("he_init", ref.he_init),
        tests("test_he_init_shape", 1, visible="""
            W = he_init(3, 5, np.random.default_rng(0))
            assert isinstance(W, np.ndarray), "he_init should return a NumPy array"
            assert W.shape == (5, 3), \\
                "he_init(fan_in=3, fan_out=5, rng) should have shape (fan_out, fan_in) = (5, 3)"
        """, hidden=f"""
            from {GRADERS} import check_he_init_shape
            check_he_init_shape(he_init)
        """),
        tests("test_he_init_statistics", 2, visible="""
            W = he_init(400, 300, np.random.default_rng(1))
            assert abs(W.mean()) < 0.01, "the entries should average 0"
            assert abs(W.std() / np.sqrt(2 / 400) - 1) < 0.02, \\
                "the entries' standard deviation should be sqrt(2/fan_in)"
        """, hidden=f"""
            from {GRADERS} import check_he_init_statistics
            check_he_init_statistics(he_init)
        """),
        tests("test_he_init_uses_rng", 1, visible="""
            first = he_init(4, 6, np.random.default_rng(7))
            assert np.array_equal(first, he_init(4, 6, np.random.default_rng(7))), \\
                "two generators in the same state should give the same matrix"
            assert not np.array_equal(first, he_init(4, 6, np.random.default_rng(8))), \\
                "different generators should give different matrices"
        """, hidden=f"""
            from {GRADERS} import check_he_init_uses_rng
            check_he_init_uses_rng(he_init)
        """),

        markdown(f"""
            ## 3. The experiment: {EXPERIMENT["depth"]} ReLU layers

            The function below pushes {EXPERIMENT["n_samples"]} inputs drawn from N(0, 1)
            through {EXPERIMENT["depth"]} ReLU layers of {EXPERIMENT["width"]} units, without biases,
            and measures the size of the signal after each layer: the root-mean-square
            of the activations, √mean(a²), which is their standard deviation about 0
            (ReLU outputs are never negative, so He et al. follow the mean square rather
            than the variance about the mean).

            By the formula of section 1, with Var(w) = g/fan_in each ReLU layer
            multiplies the mean square by g/2 on average, so after L layers the size is
            multiplied by about $(g/2)^{{L/2}}$: constant for He's g = 2, shrinking for
            LeCun's g = 1 and growing for g = 3.
        """),
        given("experiment", sources(ref.activation_sizes)),
        code("""
            def too_large_init(fan_in, fan_out, rng):
                \"\"\"Var(w) = 3/fan_in: one and a half times He's variance.\"\"\"
                return rng.normal(0.0, np.sqrt(3.0 / fan_in), size=(fan_out, fan_in))


            rng = np.random.default_rng(2)
            curves = {"LeCun, Var(w) = 1/fan_in": lecun_init,
                      "too large, Var(w) = 3/fan_in": too_large_init,
                      "He, Var(w) = 2/fan_in (yours)": he_init}
            fig, ax = plt.subplots(figsize=(7, 4))
            for label, init in curves.items():
                try:
                    sizes = activation_sizes(init, rng)
                except NotImplementedError:
                    print("Implement he_init above to see its curve.")
                    continue
                ax.semilogy(sizes / sizes[0], "o-", markersize=3, label=label)
                print(f"{label:30s} size after layer {len(sizes) - 1}: "
                      f"{sizes[-1] / sizes[0]:.3g} × the input's")
            ax.axhspan(1 / 16, 16, color="grey", alpha=0.15,
                       label="within a factor 16 (graded for He)")
            ax.set_xlabel("layer"); ax.set_ylabel("size of the activations / size of the input")
            ax.grid(alpha=0.3); ax.legend(); ax.set_title("The signal through 30 ReLU layers")
            plt.show()
            print(f"predicted after 30 layers: LeCun (1/2)^15 = {0.5 ** 15:.3g}, "
                  f"too large (3/2)^15 = {1.5 ** 15:.3g}")
        """),
        markdown(f"""
            With He's variance the signal keeps its size, up to the wobble of random
            weights; with LeCun's it fades by a factor √2 per layer, and with 3/fan_in it
            grows by √1.5 per layer, as predicted. (Glorot's variance equals LeCun's for
            these square layers.) Initialisation is not a detail: in a deep ReLU network,
            LeCun's weights hand the last layers a signal smaller than the input by the
            factor printed above, and the gradients flowing back shrink the same way.
        """),
        hidden_check("test_he_init_deep_network", 1,
                     f"with your he_init, each layer's output in a {checks.DEPTH}-layer ReLU "
                     f"network stays within a factor {checks.SIZE_FACTOR} of the input's size.",
                     GRADERS, "check_he_init_deep_network", "he_init"),

        markdown("""
            ## Summary

            | initialisation | Var(w) | made for |
            | --- | --- | --- |
            | LeCun | 1/fan_in | tanh near 0, SELU, linear layers |
            | Glorot (Xavier) | 2/(fan_in + fan_out) | tanh and sigmoid, forward and backward |
            | He (Kaiming) | 2/fan_in | ReLU and its variants |
        """),
    ])
