"""Benchmarks of Faktura; `python -m bench.orders` is the one `make bench` runs (see bench/README.md)."""
