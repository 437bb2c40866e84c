"""Benchmarks of rocky_scheduler's queue (run `make bench`)."""
