"""A plain Django flatpages + whitenoise site: the baseline that scripts/bench.py compares with."""
