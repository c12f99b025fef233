"""Benchmarks, and the native multi-process topology they (and the slow tests) run against."""
