"""Reference solutions of assignment a3_training."""
