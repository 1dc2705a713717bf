"""Chapter: source/a3_training/dying_relu.ipynb — dead ReLU units, and a network to fix."""
from course.authoring.cells import assignments_of, code, given, hidden_check, markdown, notebook, \
    solution, tests
from course.authoring.notebooks.a3_training import sources
from graders.a3_training import dying_relu as checks
from solutions.a3_training import dying_relu as ref
from solutions.a3_training import sigmoid_vs_relu as network

GRADERS = "graders.a3_training.dying_relu"
SETTINGS = ("HIDDEN_SIZES", "N_SAMPLES", "NOISE", "EPOCHS", "DYING_CONFIG", "MAX_DEAD_FRACTION",
            "NEGLIGIBLE_LEAK", "MIN_TEST_ACCURACY")


def build():
    dead_bound, accuracy_bound = f"{ref.MAX_DEAD_FRACTION:.0%}", f"{ref.MIN_TEST_ACCURACY:.0%}"
    return notebook([
        markdown(f"""
            # The dying ReLU

            A ReLU unit passes a gradient back only where its pre-activation z is
            positive. A unit whose z is ≤ 0 for **every** input outputs 0 on all of
            them, and the gradient of its weights is exactly 0: training cannot move it,
            so it stays that way. Such a unit is **dead**. This notebook measures dead
            units, trains a network in which they all die, and asks you to fix it.

            **How you are graded.** `dead_neuron_fraction` is checked on random
            pre-activations drawn at grading time. Your fix is graded by its outcome:
            the network of section 3, with your configuration, is trained {checks.TRIALS}
            times on freshly drawn data and initial weights, and in at least
            {checks.REQUIRED} of them at most {dead_bound} of its hidden units may be dead
            after training and its accuracy on fresh test data must reach
            {accuracy_bound}. Any change that achieves this earns the points.

            A test cell that passes prints nothing. *Run All* stops at the first test
            that fails, so while you work, run the cells below it with Shift+Enter. Before
            you submit, restart the kernel and run the notebook top to bottom.
        """),
        given("setup", """
            %matplotlib inline
            import math

            import matplotlib.pyplot as plt
            import numpy as np
        """),

        markdown("""
            ## 1. Inactive on most samples is not dead

            Take a unit whose pre-activation, over a data set, is spread like N(−1.5, 1).
            It is inactive (z ≤ 0) on the fraction Φ(1.5) of the samples, Φ being the
            standard normal distribution function (some sources give a much lower figure;
            the cell below measures it). The unit is still **alive**: on the remaining
            samples it fires,
            and they give it a gradient. It is dead only if it is inactive on every
            sample.
        """),
        code("""
            z = np.random.default_rng(0).standard_normal(10_000) - 1.5  # one unit, 10 000 samples
            print(f"inactive on {np.mean(z <= 0):.1%} of the samples "
                  f"(theory Φ(1.5) = {0.5 * (1 + math.erf(1.5 / math.sqrt(2))):.1%}), "
                  f"active on {np.sum(z > 0)} of them: alive")
        """),

        markdown("""
            ## 2. Your turn: `dead_neuron_fraction(Z)`

            `Z` holds the pre-activations of a layer for a batch: shape
            `(n_samples, n_units)`, one row per sample and one column per unit. Return
            the fraction of units (columns) whose pre-activation is ≤ 0 for every sample.
            Exact zeros count as dead: relu′(0) = 0, so a unit stuck at z = 0 gets no
            gradient either. `np.all(..., axis=...)` reduces along one axis.
        """),
        solution("dead_neuron_fraction", ref.dead_neuron_fraction),
        tests("test_dead_neuron_fraction_values", 2, visible="""
            Z = np.array([[-1.0, 2.0, 0.0, -3.0],
                          [-0.5, -1.0, 0.0, 0.5],
                          [-2.0, -1.0, 0.0, -1.0]])
            assert np.isclose(dead_neuron_fraction(Z), 0.5), \\
                "units 0 and 2 are dead (2 is exactly 0 everywhere), 1 and 3 fire once: 2 of 4"
        """, hidden=f"""
            from {GRADERS} import check_dead_neuron_fraction_values
            check_dead_neuron_fraction_values(dead_neuron_fraction)
        """),
        hidden_check("test_dead_neuron_fraction_edge_cases", 1,
                     "every unit dead, none dead, a single sample, a single unit.",
                     GRADERS, "check_dead_neuron_fraction_edge_cases",
                     "dead_neuron_fraction"),

        markdown("""
            ## 3. A network that dies

            The network classifies two moons (two interleaving half circles in the
            plane, with noise): 2 inputs, two hidden layers of 16 units, one output
            logit, trained by full-batch gradient descent on the mean binary
            cross-entropy. A configuration dict sets how it starts and learns:

            - `weight_gain`: the weights are drawn from N(0, weight_gain/fan_in), so 2 is
              He's initialisation;
            - `initial_bias`: the value every hidden bias starts at;
            - `leak`: the slope of the hidden activation for z ≤ 0 (0 is ReLU, 0.01 the
              usual leaky ReLU). A leaky unit below 0 on every sample still passes
              leak × its gradient, so it is not dead: `no_gradient_fraction` counts the
              units that get no gradient to speak of, which your `dead_neuron_fraction`
              finds under ReLU (or a leak under `NEGLIGIBLE_LEAK`) and which do not
              exist with a real leak;
            - `learning_rate`: the step of gradient descent.

            The code is given: the two-moons data and the network (shared with the last
            notebook of this assignment), then the training.
        """),
        given("network", sources(network.make_moons, network.sigmoid, network.init_layers,
                                 network.forward, network.backward,
                                 network.binary_cross_entropy, network.accuracy)),
        given("training", "\n\n\n".join([
            assignments_of(ref, SETTINGS),
            sources(ref.no_gradient_fraction, ref.hidden_activation, ref.train_network,
                    ref.held_out_accuracy)])),
        markdown("""
            `DYING_CONFIG` starts every hidden bias at −4: with He's weights, w·x + b is
            then below 0 for every sample in almost every unit of the first layer, and
            the second layer, fed little more than zeros, sits at its bias, −4, too.
        """),
        code("""
            dying = train_network(DYING_CONFIG, np.random.default_rng(0))
            print(f"loss: {dying['losses'][0]:.4f} at the start, {dying['losses'][-1]:.4f} after "
                  f"{len(dying['losses'])} epochs")
            print(f"(log 2 = {math.log(2):.4f} is the loss of always answering 1/2)")
            dying_accuracy = held_out_accuracy(DYING_CONFIG, dying, np.random.default_rng(100))
            print(f"test accuracy: {dying_accuracy:.1%}")
            try:
                print(f"dead hidden units: {dead_neuron_fraction(dying['Z_start']):.0%} at the "
                      f"start, {dead_neuron_fraction(dying['Z_end']):.0%} after training")
            except NotImplementedError:
                print("Implement dead_neuron_fraction above to count the dead units.")
        """),
        markdown("""
            Why nothing moves: the gradient of every hidden weight and bias, at the
            start, is computed below. A dead unit's slope is 0 on every sample, so the
            chain rule multiplies everything flowing back through it by 0. Gradient
            descent moves a weight by learning_rate × gradient, so no learning rate, large
            or small, can revive it.
        """),
        code("""
            rng = np.random.default_rng(0)
            X, y = make_moons(N_SAMPLES, 0.2, rng)
            layers = init_layers((2, *HIDDEN_SIZES, 1), DYING_CONFIG["weight_gain"], rng,
                                 bias=DYING_CONFIG["initial_bias"])
            hidden, hidden_backward = hidden_activation(DYING_CONFIG["leak"])
            logits, cache = forward(layers, X, hidden)
            grads = backward(layers, cache, (sigmoid(logits) - y) / len(y), hidden_backward)
            for index, (dW, db) in enumerate(grads, start=1):
                print(f"layer {index}: largest |gradient| of W {np.abs(dW).max():.3g}, "
                      f"of b {np.abs(db).max():.3g}")
        """),

        markdown(f"""
            ## 4. Your turn: fix it

            Return, from `fixed_config()`, a configuration with the keys of
            `DYING_CONFIG` under which the network learns: with at most {dead_bound} of
            its {sum(ref.HIDDEN_SIZES)} hidden units dead after training, and at least {accuracy_bound}
            accuracy on fresh test data, on any draw of data and initial weights. Change
            what the cells above show to be the cause. Any configuration that trains
            passes: the grader judges the outcome, not the
            change. Leaky ReLU and the learning rate are worth trying too, and the cell
            after yours shows whether they are enough here: a leak lets a unit below 0
            pass a gradient, scaled down by the leak at every layer it crosses, so units
            that start far below 0 climb back only slowly. That cell tries your
            configuration on three draws; the grader tries it on {checks.TRIALS} others.
        """),
        solution("fixed_config", ref.fixed_config),
        code("""
            try:
                config = fixed_config()
                for seed in (0, 1, 2):
                    rng = np.random.default_rng(seed)
                    result = train_network(config, rng)
                    dead = no_gradient_fraction(config, result["Z_end"])
                    test_set_accuracy = held_out_accuracy(config, result, rng)
                    works = dead <= MAX_DEAD_FRACTION and test_set_accuracy >= MIN_TEST_ACCURACY
                    print(f"draw {seed}: {dead:.0%} dead, test accuracy {test_set_accuracy:.1%} "
                          f"-> {'passes' if works else 'FAILS'}")
                fig, ax = plt.subplots(figsize=(7, 3.5))
                ax.plot(dying["losses"], label="DYING_CONFIG")
                fixed = train_network(config, np.random.default_rng(0))
                ax.plot(fixed["losses"], label="your fixed_config")
                ax.set_xlabel("epoch"); ax.set_ylabel("training loss"); ax.set_yscale("log")
                ax.grid(alpha=0.3); ax.legend(); ax.set_title("Training loss, draw 0")
                plt.show()
            except NotImplementedError:
                print("Implement dead_neuron_fraction and fixed_config above to try your fix.")
        """),
        hidden_check("test_fixed_config", 3,
                     f"in at least {checks.REQUIRED} of {checks.TRIALS} fresh draws of data and "
                     f"weights, at most {dead_bound} of the hidden units dead and at least "
                     f"{accuracy_bound} test accuracy.",
                     GRADERS, "check_fixed_config", "fixed_config"),
    ])
