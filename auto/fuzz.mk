# libFuzzer harnesses (tests/fuzz): `make fuzz`, `make fuzz-run SECONDS=N`.
.PHONY: fuzz fuzz-run
fuzz:
	@echo "no fuzz harnesses yet"
fuzz-run: fuzz
