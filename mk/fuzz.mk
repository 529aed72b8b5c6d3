# Fuzzing with clang's libFuzzer (tests/fuzz/fuzz_<target>.c, seeds in tests/fuzz/corpus/<target>/).
#   make fuzz                 build every target, run each for FUZZ_SECONDS (default 60)
#   make fuzz FUZZ_TARGETS="cli pool" FUZZ_SECONDS=600
#   make fuzz-build           only build them (build/fuzz/fuzz_<target>)
# Needs clang and its libFuzzer runtime (Debian: clang, libclang-rt-14-dev). Each run works on a
# copy of the seed corpus in build/fuzz/corpus/<target>; a crash leaves its input in
# build/fuzz/artifacts/ and stops with an error.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FZ := build/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -O1 -g $(FUZZ_SAN)
FUZZ_ALL := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
# The netsh parsers come with the Windows backend; until lib/winparse.c is there, no target.
ifeq ($(wildcard lib/winparse.c),)
FUZZ_ALL := $(filter-out winparse,$(FUZZ_ALL))
endif
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_LIB_OBJS := $(patsubst %.c,$(FZ)/%.o,$(PORTABLE_SRCS) $(BACKEND_SRCS_linux) check_ephemeral/cli.c)
FUZZ_BINS := $(patsubst %,$(FZ)/fuzz_%,$(FUZZ_ALL))

.PHONY: fuzz fuzz-build

$(FZ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(WARN) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FZ)/libfuzzlib.a: $(FUZZ_LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(FZ)/fuzz_%: tests/fuzz/fuzz_%.c $(FZ)/libfuzzlib.a
	$(FUZZ_CC) $(CPPFLAGS) $(WARN) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
		$(FZ)/libfuzzlib.a $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@mkdir -p $(FZ)/artifacts
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FZ)/corpus/$$t; \
		cp -n tests/fuzz/corpus/$$t/* $(FZ)/corpus/$$t/ 2>/dev/null || true; \
		echo "# fuzz $$t for $(FUZZ_SECONDS) s"; \
		$(FZ)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 \
			-rss_limit_mb=1024 -print_final_stats=1 \
			-artifact_prefix=$(FZ)/artifacts/$$t- $(FZ)/corpus/$$t \
			>$(FZ)/$$t.log 2>&1 & pid=$$!; s=0; \
		while kill -0 $$pid 2>/dev/null; do \
			sleep 1; s=$$((s + 1)); \
			[ $$((s % 30)) = 0 ] && echo "# ... fuzz $$t: $$s s, $$(grep -aE '^#[0-9]+' $(FZ)/$$t.log | tail -n 1 | cut -c1-80)"; \
		done; \
		wait $$pid || { tail -n 40 $(FZ)/$$t.log; exit 1; }; \
		grep -E '^stat::number_of_executed_units|^Done' $(FZ)/$$t.log | tr '\n' ' '; echo; \
	done

-include $(FUZZ_LIB_OBJS:.o=.d)
