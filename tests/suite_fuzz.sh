#!/usr/bin/env bash
# Fuzz smoke: every libFuzzer target of tests/fuzz/ (see mk/fuzz.mk) replays its seed corpus and
# then fuzzes for FUZZ_SMOKE_SECONDS (default 3: a smoke; the long runs are make fuzz) under
# ASan+UBSan. Any crash, leak, sanitizer
# report or broken invariant fails the test and leaves the input in build/fuzz/artifacts/.
# Longer runs: make fuzz FUZZ_SECONDS=3600.
# needs-packages: clang libclang-rt-14-dev
set -u
. "$TOP/tests/lib.sh"
cd "$TOP" || exit 2
secs=${FUZZ_SMOKE_SECONDS:-3}

need_cmd clang clang
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$probe/p.c"
clang -fsanitize=fuzzer,address,undefined -o "$probe/p" "$probe/p.c" >/dev/null 2>&1 ||
	skip_all "clang cannot link -fsanitize=fuzzer (no libFuzzer runtime: libclang-rt-14-dev)"

make -s -j2 fuzz-build >"$probe/build.log" 2>&1
rc=$?
ok $rc "fuzz targets build with clang -fsanitize=fuzzer,address,undefined"
if [ $rc != 0 ]; then
	sed 's/^/#   /' "$probe/build.log" | tail -n 20
	done_testing
	exit 1
fi

mkdir -p build/fuzz/artifacts
for src in tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	t=${t#fuzz_}
	if [ ! -x build/fuzz/fuzz_"$t" ]; then
		skip "fuzz $t" "its library source is not in this tree"
		continue
	fi
	corpus="$probe/corpus-$t"
	mkdir -p "$corpus"
	cp tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null
	nice -n 5 build/fuzz/fuzz_"$t" -max_total_time="$secs" -max_len=4096 -timeout=10 \
		-rss_limit_mb=1024 -print_final_stats=1 -artifact_prefix=build/fuzz/artifacts/"$t"- \
		"$corpus" >"$probe/$t.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$probe/$t.log")
	ok $rc "fuzz $t: ${secs} s, ${runs:-?} inputs, no crash"
	if [ $rc != 0 ]; then
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$probe/$t.log" | head -n 10 |
			sed 's/^/#   /'
	fi
done
done_testing
