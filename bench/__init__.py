"""Benchmarks and measurements, apart from the product code: ``python -m bench`` runs them."""
