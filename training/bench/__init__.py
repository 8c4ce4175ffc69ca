"""Benchmarks (`gesture bench`): model, batching, incremental, capacity, quantisation and peak
suites, and the report they write."""
