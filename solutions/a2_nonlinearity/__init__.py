"""Reference solutions of assignment a2_nonlinearity."""
