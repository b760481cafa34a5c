"""Benchmarks: `make bench` runs every `bench_*.py` module and prints its figures.

Each benchmark measures against a baseline in the same run and reports the ratio, because
these machines are noisy: the ratio travels between machines, the seconds do not.
"""
