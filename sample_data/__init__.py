"""Sample landing data for the demo, the tests and the benchmarks (`modmetrics generate`)."""

from .generate import generate_landing

__all__ = ["generate_landing"]
