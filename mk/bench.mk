# make bench / make bench-smoke: the performance comparison of issue 8 (bench/run.sh).
# Included by the top-level Makefile. Needs root: it builds sockets in a private network
# namespace. `make bench SIZES="1000 1000000"` picks other sizes; ROUNDS likewise.
# make bench-report writes docs/performance.md again from the raw figures that make bench kept
# in bench/results.tsv (no root, no sockets: to change the report's text, not its figures).
SIZES ?= 1000 10000 50000 200000
ROUNDS ?= 5
BENCH_PLUGIN ?= check_ephemeral/check_ephemeral

.PHONY: bench bench-smoke bench-report

# The plugin is built first by the top-level rules; the bench tools are compiled by run.sh.
bench: $(BENCH_PLUGIN)
	bench/run.sh --sizes "$(SIZES)" --rounds "$(ROUNDS)" --plugin "$(BENCH_PLUGIN)"

# Smallest size only, written under build/ so a CI run leaves docs/performance.md alone.
bench-smoke: $(BENCH_PLUGIN)
	bench/run.sh --sizes 1000 --rounds 3 --plugin "$(BENCH_PLUGIN)" --out build/bench/performance.md

bench-report:
	@test -f bench/results.tsv || { echo "no bench/results.tsv: run make bench first" >&2; exit 1; }
	@mkdir -p build
	bench/report.sh bench/results.tsv >build/performance.md.tmp && mv build/performance.md.tmp docs/performance.md
