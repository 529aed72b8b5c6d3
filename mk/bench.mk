# make bench / make bench-smoke: the performance comparison of issue 8 (bench/run.sh) and the
# --netns cost of issue 18 (bench/netns.sh). Included by the top-level Makefile. Needs root: it
# builds sockets in private network namespaces. `make bench SIZES="1000 1000000"` picks other
# sizes; ROUNDS likewise; NETNS_COUNTS and NETNS_SOCKETS size the --netns part.
# make bench-netns runs the --netns part alone and renders docs/performance.md again.
# make bench-report writes docs/performance.md again from the raw figures that make bench kept
# in bench/results.tsv (no root, no sockets: to change the report's text, not its figures).
SIZES ?= 1000 10000 50000 200000
ROUNDS ?= 5
NETNS_COUNTS ?= 1 10 100
NETNS_SOCKETS ?= 100000
BENCH_PLUGIN ?= check_ephemeral/check_ephemeral

.PHONY: bench bench-smoke bench-report bench-netns

# The plugin is built first by the top-level rules; the bench tools are compiled by the scripts.
# run.sh writes results.tsv and the report; netns.sh adds its rows, and the report is rendered
# again with them.
bench: $(BENCH_PLUGIN)
	bench/run.sh --sizes "$(SIZES)" --rounds "$(ROUNDS)" --plugin "$(BENCH_PLUGIN)"
	bench/netns.sh --counts "$(NETNS_COUNTS)" --sockets "$(NETNS_SOCKETS)" --rounds "$(ROUNDS)" \
		--plugin "$(BENCH_PLUGIN)" --raw bench/results.tsv
	@$(MAKE) --no-print-directory bench-report

bench-netns: $(BENCH_PLUGIN)
	bench/netns.sh --counts "$(NETNS_COUNTS)" --sockets "$(NETNS_SOCKETS)" --rounds "$(ROUNDS)" \
		--plugin "$(BENCH_PLUGIN)" --raw bench/results.tsv
	@$(MAKE) --no-print-directory bench-report

# Smallest sizes only, written under build/ so a CI run leaves docs/performance.md alone. The
# --netns part: 1 and 10 namespaces, 2 000 sockets, counts checked against ss (a few seconds).
bench-smoke: $(BENCH_PLUGIN)
	bench/run.sh --sizes 1000 --rounds 3 --plugin "$(BENCH_PLUGIN)" --out build/bench/performance.md
	bench/netns.sh --counts "1 10" --sockets 2000 --rounds 1 --plugin "$(BENCH_PLUGIN)" \
		--raw build/bench/performance.tsv
	bench/report.sh build/bench/performance.tsv >build/bench/performance.md.tmp
	mv build/bench/performance.md.tmp build/bench/performance.md

bench-report:
	@test -f bench/results.tsv || { echo "no bench/results.tsv: run make bench first" >&2; exit 1; }
	@mkdir -p build
	bench/report.sh bench/results.tsv >build/performance.md.tmp && mv build/performance.md.tmp docs/performance.md
