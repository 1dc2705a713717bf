"""Chapter: source/a3_training/sigmoid_vs_relu.ipynb — a 2-8-8-1 network on two moons."""
from course.authoring.cells import assignments_of, code, given, hidden_check, mark_scheme, markdown, \
    notebook, solution, task, tests, written_answer
from course.authoring.notebooks.a3_training import sources
from course.settings import CELL_CPU_SECONDS
from graders.a3_training import sigmoid_vs_relu as rubric
from solutions.a1_activations import prelu as gradient_checking
from solutions.a3_training import sigmoid_vs_relu as ref

GRADERS = "graders.a3_training.sigmoid_vs_relu"


def build():
    return notebook([
        markdown("""
            # Sigmoid or ReLU in the hidden layers: an experiment done right

            A widely shared article trains a small network on the two-moons data twice,
            with sigmoid and with ReLU hidden units, and reports that the sigmoid network
            "plateaus" far above the ReLU network's loss, blaming the sigmoid itself. It
            does not say with which learning rate or for how long, and its sigmoid
            accuracy is too low. Here you build the training yourself and run the
            experiment in a stated setting: 200 points with noise 0.2, a 2-8-8-1
            network, full-batch gradient descent on the binary cross-entropy at learning
            rate 0.1 for 3000 epochs, seeds 0 to 4, sigmoid hidden units with LeCun's
            initialisation against ReLU with He's. Then you explain what you measured.

            **How you are graded.** `activation_backward` is checked on random inputs;
            `train_step` is checked against a numerical gradient of the loss on a random
            network, and by training networks with it on fresh data, which must end as
            well as with a working step. The written answer at the end is graded by
            hand. The whole experiment takes a few seconds.

            A test cell that passes prints nothing. *Run All* stops at the first test
            that fails, so while you work, run the cells below it with Shift+Enter. Before
            you submit, restart the kernel and run the notebook top to bottom.
        """),
        given("setup", """
            %matplotlib inline
            import time

            import matplotlib.pyplot as plt
            import numpy as np
        """),

        markdown("""
            ## 1. The data: two moons

            Two interleaving half circles, one per class, with Gaussian noise: no
            straight line separates them, so the hidden layers must bend the boundary.
            The data are generated here, with the generator `rng`.
        """),
        given("data", sources(ref.make_moons)),
        code("""
            X_demo, y_demo = make_moons(200, 0.2, np.random.default_rng(0))
            fig, ax = plt.subplots(figsize=(5, 3.5))
            ax.scatter(X_demo[:, 0], X_demo[:, 1], c=y_demo, cmap="coolwarm", s=15,
                       edgecolors="k", linewidths=0.3)
            ax.set_aspect("equal"); ax.grid(alpha=0.3)
            ax.set_title("Two moons: 200 points, noise 0.2, seed 0")
            plt.show()
        """),

        markdown("""
            ## 2. The network

            A list of layers `[(W1, b1), (W2, b2), (W3, b3)]`, each W of shape
            `(n_out, n_in)`, maps a batch X of shape `(n, 2)` to one logit per sample:
            z = a @ W.T + b at every layer, with the hidden activation after the first
            two, and the probability of class 1 is σ(logit). The loss is the mean binary
            cross-entropy, computed from the logit so that it never takes log(0).

            `forward` returns the logits and a cache of each layer's input and
            pre-activation. `backward` is the chain rule through the layers: given
            dL/dlogits, it returns the gradients `[(dW1, db1), ...]`. At each hidden
            layer it needs the backward pass of the activation, which it calls as
            `hidden_backward(z, grad_a)`: that is what you write first.
        """),
        given("network", "\n\n\n".join([
            assignments_of(ref, ("SIZES", "INIT_GAIN")),
            sources(ref.sigmoid, ref.hidden_activation, ref.init_layers, ref.forward,
                    ref.backward, ref.binary_cross_entropy, ref.accuracy)])),
        code("""
            layers = init_layers(SIZES, INIT_GAIN["relu"], np.random.default_rng(0))
            print("shapes:", [(W.shape, b.shape) for W, b in layers])
            print("parameters, biases included:", sum(W.size + b.size for W, b in layers))
        """),

        markdown("""
            ## 3. Your turn: `activation_backward(z, grad_output, activation)`

            For a = f(z) applied elementwise, the chain rule gives dL/dz = dL/da · f′(z):
            the incoming gradient times the activation's slope at z.

            - sigmoid: σ′(z) = σ(z)·(1 − σ(z)), at most 1/4, reached at z = 0;
            - relu: 1 where z > 0, else 0 (0 at z = 0 by convention).

            `z` is the pre-activation (not σ(z)); return an array of z's shape.
        """),
        solution("activation_backward", ref.activation_backward),
        tests("test_activation_backward_sigmoid", 2, visible="""
            grad_z = activation_backward(np.array([0.0, 2.0]), np.array([1.0, 3.0]), "sigmoid")
            assert np.allclose(grad_z, [0.25, 3 * 0.104994]), \\
                "σ′(0) = 0.25 and σ′(2) = 0.105, times grad_output"
        """, hidden=f"""
            from {GRADERS} import check_activation_backward_sigmoid
            check_activation_backward_sigmoid(activation_backward)
        """),
        tests("test_activation_backward_relu", 1, visible="""
            grad_z = activation_backward(np.array([-1.0, 0.0, 2.0]), np.full(3, 5.0), "relu")
            assert np.allclose(grad_z, [0.0, 0.0, 5.0]), \\
                "relu passes grad_output where z > 0 only (not at z = 0)"
        """, hidden=f"""
            from {GRADERS} import check_activation_backward_relu
            check_activation_backward_relu(activation_backward)
        """),

        markdown("""
            ## 4. Your turn: `train_step(layers, X, y, activation, learning_rate)`

            One step of gradient descent on the whole batch:

            1. `forward` with `lambda z: hidden_activation(z, activation)`, and the loss
               of the current layers;
            2. the gradient at the logits. For the mean cross-entropy
               $L = \\frac{1}{n}\\sum_i \\bigl(\\log(1 + e^{\\text{logit}_i}) - y_i\\,\\text{logit}_i\\bigr)$,

               $$\\frac{\\partial L}{\\partial\\,\\text{logit}_i} = \\frac{\\sigma(\\text{logit}_i) - y_i}{n};$$

            3. `backward`, with your `activation_backward` as the hidden layers'
               backward pass;
            4. the update W ← W − learning_rate · dW and b ← b − learning_rate · db, for
               every layer.

            Return `(new_layers, loss)`, with the loss of the layers **before** the step.
        """),
        solution("train_step", ref.train_step),
        tests("test_train_step_gradient", 3, visible="""
            start = init_layers(SIZES, INIT_GAIN["relu"], np.random.default_rng(0))
            X_small, y_small = make_moons(20, 0.2, np.random.default_rng(1))
            stepped, _ = train_step(start, X_small, y_small, "relu", 0.1)
            assert len(stepped) == 3 and all(
                np.shape(W) == W0.shape for (W, _), (W0, _) in zip(stepped, start)), \\
                "train_step should return three (W, b) pairs of the layers' shapes"
            relu = lambda z: hidden_activation(z, "relu")
            assert binary_cross_entropy(forward(stepped, X_small, relu)[0], y_small) \\
                < binary_cross_entropy(forward(start, X_small, relu)[0], y_small), \\
                "one small step of gradient descent should lower the loss"
        """, hidden=f"""
            from {GRADERS} import check_train_step_gradient
            check_train_step_gradient(train_step)
        """),
        tests("test_train_step_loss", 1, visible="""
            start = init_layers(SIZES, INIT_GAIN["sigmoid"], np.random.default_rng(2))
            X_small, y_small = make_moons(20, 0.2, np.random.default_rng(3))
            _, loss = train_step(start, X_small, y_small, "sigmoid", 0.1)
            logits_before, _ = forward(start, X_small, lambda z: hidden_activation(z, "sigmoid"))
            assert np.isclose(loss, binary_cross_entropy(logits_before, y_small)), \\
                "train_step should return the loss of the layers it was given, before the step"
        """, hidden=f"""
            from {GRADERS} import check_train_step_loss
            check_train_step_loss(train_step)
        """),
        markdown("""
            **Check your gradient numerically.** The step divided by the learning rate is
            the gradient train_step used. The cell below compares it with central
            differences of the loss (the `numerical_gradient` of assignment 1), on a
            small batch; the relative errors should be around 1e-8 or smaller.
        """),
        given("gradient_check", sources(gradient_checking.numerical_gradient)),
        code("""
            try:
                rng = np.random.default_rng(3)
                X_check, y_check = make_moons(16, 0.2, rng)
                for activation in ("sigmoid", "relu"):
                    start = init_layers(SIZES, INIT_GAIN[activation], rng)
                    stepped, _ = train_step(start, X_check, y_check, activation, 0.1)
                    for index, ((W, b), (W_new, b_new)) in enumerate(zip(start, stepped)):
                        def loss_of_W(W_value):
                            changed = start[:index] + [(W_value, b)] + start[index + 1:]
                            logits, _ = forward(changed, X_check,
                                                lambda z: hidden_activation(z, activation))
                            return binary_cross_entropy(logits, y_check)
                        numeric = numerical_gradient(loss_of_W, W)
                        used = (W - W_new) / 0.1
                        error = np.max(np.abs(used - numeric)) / max(np.max(np.abs(numeric)), 1e-12)
                        print(f"{activation:7s} W{index + 1}: relative error {error:.1e}")
            except NotImplementedError:
                print("Implement activation_backward and train_step above to check the gradient.")
        """),

        markdown(f"""
            ## 5. The experiment

            `train` draws the data and the initial weights from one seed (LeCun's
            variance 1/fan_in for the sigmoid network, He's 2/fan_in for ReLU, biases 0)
            and trains with your `train_step`. The table gives the training loss and
            accuracy after 3000 epochs at learning rate 0.1, for seeds 0 to 4: the
            sigmoid networks are trained in the first cell, the ReLU ones in the second.

            At grading time each cell may use at most {CELL_CPU_SECONDS} s of CPU time
            (time spent computing, which does not grow when the machine is busy); a cell
            that uses more is stopped and scores nothing. Each cell below prints how long
            its training took, and `%%time` on the first line of any cell shows its CPU
            time. A `train_step` that works on whole arrays, as the reference does, needs
            a small part of the limit; one that loops over the samples in Python is
            tens of times slower here.
        """),
        given("train", sources(ref.train)),
        code("""
            SEEDS, ACTIVATIONS = range(5), ("sigmoid", "relu")


            def train_networks(activation, learning_rate):
                \"\"\"Train one kind of network on every seed; {(activation, seed): run}.\"\"\"
                started = time.perf_counter()
                runs = {(activation, seed): train(activation, seed, learning_rate=learning_rate)
                        for seed in SEEDS}
                print(f"{len(runs)} {activation} networks trained at learning rate "
                      f"{learning_rate} in {time.perf_counter() - started:.1f} s")
                return runs


            def print_table(runs, learning_rate):
                \"\"\"The final loss and accuracy of each seed's two networks, and their means.\"\"\"
                print(f"learning rate {learning_rate}, 3000 epochs")
                print(f"{'seed':>6} | {'sigmoid loss':>12} {'accuracy':>9} | "
                      f"{'relu loss':>9} {'accuracy':>9}")
                for seed in SEEDS:
                    sigmoid_run, relu_run = runs["sigmoid", seed], runs["relu", seed]
                    print(f"{seed:>6} | {sigmoid_run['loss']:12.3f} {sigmoid_run['accuracy']:9.1%} | "
                          f"{relu_run['loss']:9.3f} {relu_run['accuracy']:9.1%}")
                means = {(activation, key): np.mean([runs[activation, seed][key] for seed in SEEDS])
                         for activation in ACTIVATIONS for key in ("loss", "accuracy")}
                print(f"{'mean':>6} | {means['sigmoid', 'loss']:12.3f} "
                      f"{means['sigmoid', 'accuracy']:9.1%} | "
                      f"{means['relu', 'loss']:9.3f} {means['relu', 'accuracy']:9.1%}")


            try:
                results = train_networks("sigmoid", 0.1)
            except NotImplementedError:
                results = None
                print("Implement activation_backward and train_step above to run the experiment.")
        """),
        code("""
            if results:
                results.update(train_networks("relu", 0.1))
                print_table(results, 0.1)
            else:
                print("Run the cell above first.")
        """),
        hidden_check("test_train_step_outcome", 2,
                     "networks trained with your train_step on fresh two moons end as well as "
                     "with a working step from the same start.",
                     GRADERS, "check_train_step_outcome", "train_step"),
        markdown("""
            The loss curves show the difference in speed: the ReLU networks keep
            descending, while the sigmoid ones linger near their starting loss for
            hundreds of epochs, drop once, and then flatten far above.
        """),
        code("""
            if results:
                fig, ax = plt.subplots(figsize=(7, 4))
                for (activation, seed), run in results.items():
                    colour = "tab:orange" if activation == "sigmoid" else "tab:blue"
                    ax.plot(run["losses"], color=colour, alpha=0.8,
                            label=activation if seed == 0 else None)
                ax.set_yscale("log"); ax.set_xlabel("epoch"); ax.set_ylabel("training loss")
                ax.grid(alpha=0.3); ax.legend()
                ax.set_title("Loss curves, seeds 0-4, learning rate 0.1")
                plt.show()
            else:
                print("Run the experiment above first.")
        """),
        markdown("""
            The decision boundaries of seed 0: where the network's logit is positive
            (class 1) and negative (class 0).
        """),
        code("""
            if results:
                grid_x, grid_y = np.meshgrid(np.linspace(-1.7, 2.7, 200), np.linspace(-1.5, 1.8, 150))
                grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
                fig, axes = plt.subplots(1, 2, figsize=(11, 4))
                for ax, activation in zip(axes, ACTIVATIONS):
                    run = results[activation, 0]
                    logits, _ = forward(run["layers"], grid,
                                        lambda z: hidden_activation(z, activation))
                    ax.contourf(grid_x, grid_y, (logits > 0).reshape(grid_x.shape),
                                levels=[-0.5, 0.5, 1.5], cmap="coolwarm", alpha=0.3)
                    ax.scatter(run["X"][:, 0], run["X"][:, 1], c=run["y"], cmap="coolwarm", s=12,
                               edgecolors="k", linewidths=0.3)
                    ax.set_title(f"{activation}: training accuracy {run['accuracy']:.1%}")
                    ax.set_aspect("equal")
                plt.show()
            else:
                print("Run the experiment above first.")
        """),
        markdown("""
            ### Inside the hidden layers

            Why the difference? The table below measures, over the five trained
            networks of each kind, the hidden layers on the training data: the mean and
            the standard deviation of their activations, the largest |z| of their
            pre-activations, and the mean slope f′(z), the factor by which each layer
            scales the gradient flowing back through it (your `activation_backward` with
            a gradient of ones). The last lines compare, at the start of training, the
            size of the gradient reaching the first layer's weights with that reaching
            the output layer's.
        """),
        code("""
            def hidden_statistics(run, activation):
                \"\"\"Per hidden layer: (mean of a, std of a, largest |z|, mean slope).\"\"\"
                _, (inputs, pre_activations) = forward(run["layers"], run["X"],
                                                       lambda z: hidden_activation(z, activation))
                statistics = []
                for z in pre_activations[:-1]:
                    a = hidden_activation(z, activation)
                    slopes = activation_backward(z, np.ones_like(z), activation)
                    statistics.append((a.mean(), a.std(), np.abs(z).max(), slopes.mean()))
                return statistics


            def first_to_last_gradient(activation, seed):
                \"\"\"RMS gradient of W1 over RMS gradient of W3, at the start of training.\"\"\"
                rng = np.random.default_rng(seed)
                X, y = make_moons(200, 0.2, rng)
                layers = init_layers(SIZES, INIT_GAIN[activation], rng)
                logits, cache = forward(layers, X, lambda z: hidden_activation(z, activation))
                grads = backward(layers, cache, (sigmoid(logits) - y) / len(y),
                                 lambda z, grad_a: activation_backward(z, grad_a, activation))
                return np.sqrt(np.mean(grads[0][0] ** 2)) / np.sqrt(np.mean(grads[-1][0] ** 2))


            if results:
                print(f"{'':8s} {'layer':>5} {'mean a':>7} {'std a':>7} {'max |z|':>8} "
                      f"{'mean slope':>10}")
                for activation in ACTIVATIONS:
                    per_seed = np.array([hidden_statistics(results[activation, seed], activation)
                                         for seed in SEEDS])
                    for layer, row in enumerate(per_seed.mean(axis=0), start=1):
                        mean_a, std_a, largest_z, slope = row
                        print(f"{activation:8s} {layer:>5} {mean_a:7.2f} {std_a:7.2f} "
                              f"{largest_z:8.1f} {slope:10.3f}")
                for activation in ACTIVATIONS:
                    ratios = [first_to_last_gradient(activation, seed) for seed in SEEDS]
                    print(f"{activation}: at the start, |gradient of W1| / |gradient of W3| = "
                          f"{np.mean(ratios):.3f} (mean over seeds)")
            else:
                print("Run the experiment above first.")
        """),
        markdown("""
            ## 6. A larger learning rate

            The comparison above holds for its learning rate. The same experiment at
            learning rate 0.5:
        """),
        code("""
            if results:
                results_fast = train_networks("sigmoid", 0.5)
            else:
                print("Run the experiment above first.")
        """),
        code("""
            if results:
                results_fast.update(train_networks("relu", 0.5))
                print_table(results_fast, 0.5)
            else:
                print("Run the experiment above first.")
        """),

        task("written_task", 0, f"""
            ### Your turn: explain the experiment (graded by hand, {rubric.WRITTEN_POINTS} points)

            In the Markdown cell below, explain **why the sigmoid network learns more
            slowly** than the ReLU network in this setting, and **what happens with a
            larger learning rate** (and what limits it). Support each claim with the
            numbers, curves or plots this notebook computed: the table, the hidden-layer
            statistics, the boundaries, the run at learning rate 0.5.
        """, mark_scheme(rubric.WRITTEN_POINTS, rubric.WRITTEN_RUBRIC,
                        rubric.WRITTEN_GRADER_NOTES, ref.WRITTEN_ANSWER)),
        written_answer("written_answer", rubric.WRITTEN_POINTS, ref.WRITTEN_ANSWER),
    ])
