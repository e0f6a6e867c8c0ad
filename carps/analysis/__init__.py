"""Analysis: experiment results -> tidy tables -> normalization, ranks, curves, reports."""
