# Test-only helpers of the reliability suites (never installed, never linked into the plugin).
# faultshim.so: LD_PRELOAD fault injection for tests/suite_faults.sh (see its header).

$(B)/tests/faultshim.so: tests/helper/faultshim.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -std=gnu11 -Wall -Wextra $(WERROR) -O2 -g -fPIC -shared -o $@ $< -ldl

check-build: $(B)/tests/faultshim.so
