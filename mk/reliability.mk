# Test-only helpers of the reliability suites (never installed, never linked into the plugin).
# faultshim.so: LD_PRELOAD fault injection for tests/suite_faults.sh (see its header).

$(B)/tests/faultshim.so: tests/helper/faultshim.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -std=gnu11 -Wall -Wextra $(WERROR) -O2 -g -fPIC -shared -o $@ $< -ldl

check-build: $(B)/tests/faultshim.so

# win_tables.exe: lib/win_tables.c against socket tables that grow between the sizing call
# and the read (tests/suite_win_faults.sh). It includes win_tables.c itself, with the iphlpapi
# table calls replaced by fakes; the shipped plugin is not affected.
$(WB)/tests/helper/win_tables.exe: tests/helper/win_tables.c lib/win_tables.c $(WIN_LIBA) tests/tap.h
	@mkdir -p $(dir $@)
	$(WIN_CC) $(WIN_CPPFLAGS) -Itests $(WIN_WARN) $(WIN_CFLAGS) $(WIN_LDFLAGS) -o $@ $< \
		$(WIN_LIBA) $(WIN_LDLIBS)

windows-tests: $(WB)/tests/helper/win_tables.exe
