"""Launching runs: plan optimizers x tasks x seeds, skip finished runs, execute the rest locally or on Ray."""
