"""Hidden checks of assignment a3_training."""
