# Benchmarks (bench/): `make bench`.
.PHONY: bench
bench:
	@echo "no benchmarks yet"
