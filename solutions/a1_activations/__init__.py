"""Reference solutions of assignment a1_activations."""
