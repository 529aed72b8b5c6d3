# make bench / make bench-smoke: the performance comparison of issue 8 (bench/run.sh).
# Included by the top-level Makefile. Needs root: it builds sockets in a private network
# namespace. `make bench SIZES="1000 1000000"` picks other sizes; ROUNDS likewise.
SIZES ?= 1000 10000 50000 200000
ROUNDS ?= 5
BENCH_PLUGIN ?= check_ephemeral/check_ephemeral

.PHONY: bench bench-smoke

# The plugin is built first by the top-level rules; the bench tools are compiled by run.sh.
bench: $(BENCH_PLUGIN)
	bench/run.sh --sizes "$(SIZES)" --rounds "$(ROUNDS)" --plugin "$(BENCH_PLUGIN)"

# Smallest size only, written under build/ so a CI run leaves docs/performance.md alone.
bench-smoke: $(BENCH_PLUGIN)
	bench/run.sh --sizes 1000 --rounds 3 --plugin "$(BENCH_PLUGIN)" --out build/bench/performance.md
