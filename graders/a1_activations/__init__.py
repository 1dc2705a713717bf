"""Hidden checks of assignment a1_activations."""
