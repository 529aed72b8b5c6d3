# Windows cross-build with Debian's mingw-w64 and NSIS (included by the top Makefile).
#   make windows          check_ephemeral/check_ephemeral.exe, the unit tests and helpers as
#                         build/win/tests/*.exe, and the installer
#                         build/win/check_ephemeral-<version>-setup.exe
#   make windows-exe      only the plugin
#   make windows-tests    the plugin, the unit tests and the test helpers (no NSIS needed)
# Run the tests under wine with `make check` (tests/suite_win_*.sh), or SUITES="win_unit" etc.

WIN_CC ?= x86_64-w64-mingw32-gcc
WIN_AR ?= x86_64-w64-mingw32-ar
WIN_WINDRES ?= x86_64-w64-mingw32-windres
MAKENSIS ?= makensis
WB := build/win
# mingw's C99 printf (%zu) and format checks that match it: see EPH_PRINTF_ARCHETYPE in eph.h.
WIN_CPPFLAGS := -Ilib -Icheck_ephemeral -D_WIN32_WINNT=0x0601 -DWINVER=0x0601 \
	-D__USE_MINGW_ANSI_STDIO=1 -DEPH_PRINTF_ARCHETYPE=gnu_printf
WIN_CFLAGS ?= -O2 -g
WIN_WARN := $(WARN) -Werror
WIN_LDFLAGS := -static
WIN_LDLIBS := -liphlpapi -lws2_32 -lwbemuuid -lole32 -loleaut32 -ladvapi32 -lm

# The Windows backend: BACKEND_SRCS_windows in the top Makefile.
WIN_LIB_OBJS := $(patsubst %.c,$(WB)/%.o,$(PORTABLE_SRCS) $(BACKEND_SRCS_windows))
WIN_CLI_OBJS := $(patsubst %.c,$(WB)/%.o,$(CLI_SRCS))
WIN_LIBA := $(WB)/libephemeral.a
WIN_EXE := check_ephemeral/check_ephemeral.exe
EPH_VERSION_STR := $(shell sed -n 's/^\#define EPH_VERSION "\(.*\)"/\1/p' lib/eph.h)
WIN_SETUP := $(WB)/check_ephemeral-$(EPH_VERSION_STR)-setup.exe
# The exe's version resource (check_ephemeral/check_ephemeral.rc): the text as it is, and
# its first three numbers (0.1.0~rc1 -> 0, 1, 0) for FILEVERSION and PRODUCTVERSION.
WIN_VER_NUMS := $(subst ., ,$(firstword $(subst ~, ,$(subst -, ,$(subst +, ,$(EPH_VERSION_STR))))))
WIN_RC_DEFS := -DEPH_RC_VERSION=$(EPH_VERSION_STR) -DEPH_RC_MAJOR=$(or $(word 1,$(WIN_VER_NUMS)),0) \
	-DEPH_RC_MINOR=$(or $(word 2,$(WIN_VER_NUMS)),0) -DEPH_RC_PATCH=$(or $(word 3,$(WIN_VER_NUMS)),0)
WIN_RES := $(WB)/check_ephemeral/check_ephemeral.res.o

# Unit tests that read Linux's netlink or /proc are left out; every other tests/test_*.c is
# portable and runs under wine with the same assertions.
WIN_UNIT_EXCLUDE := $(LINUX_UNIT_SRCS)
WIN_UNIT_TESTS := $(filter-out $(WIN_UNIT_EXCLUDE),$(wildcard tests/test_*.c))
WIN_UNIT_BINS := $(patsubst tests/%.c,$(WB)/tests/%.exe,$(WIN_UNIT_TESTS))
WIN_HELPERS := $(WB)/tests/helper/netsh.exe $(WB)/tests/helper/crash.exe \
	$(WB)/tests/helper/win_owner.exe

.PHONY: windows windows-exe windows-tests windows-installer

windows: windows-tests windows-installer

windows-exe: $(WIN_EXE)

windows-tests: $(WIN_EXE) $(WIN_UNIT_BINS) $(WIN_HELPERS)

windows-installer: $(WIN_SETUP)

$(WB)/%.o: %.c
	@mkdir -p $(dir $@)
	$(WIN_CC) $(WIN_CPPFLAGS) $(WIN_WARN) $(WIN_CFLAGS) -MMD -MP -c -o $@ $<

$(WIN_LIBA): $(WIN_LIB_OBJS)
	@rm -f $@
	$(WIN_AR) rcs $@ $^

$(WIN_EXE): $(WIN_CLI_OBJS) $(WIN_RES) $(WIN_LIBA)
	$(WIN_CC) $(WIN_CFLAGS) $(WIN_LDFLAGS) -o $@ $(WIN_CLI_OBJS) $(WIN_RES) $(WIN_LIBA) $(WIN_LDLIBS)

# lib/eph.h: the version comes from there.
$(WIN_RES): check_ephemeral/check_ephemeral.rc lib/eph.h
	@mkdir -p $(dir $@)
	$(WIN_WINDRES) $(WIN_RC_DEFS) -O coff -o $@ $<

$(WB)/tests/%.exe: tests/%.c $(WIN_LIBA) $(WB)/check_ephemeral/cli.o tests/tap.h tests/sockrec.h
	@mkdir -p $(dir $@)
	$(WIN_CC) $(WIN_CPPFLAGS) -Itests $(WIN_WARN) $(WIN_CFLAGS) $(WIN_LDFLAGS) -o $@ $< \
		$(WB)/check_ephemeral/cli.o $(WIN_LIBA) $(WIN_LDLIBS)

# netsh.exe: a stand-in that prints canned output (tests/suite_win_netsh.sh); crash.exe proves
# that a crash under wine fails a test.
$(WB)/tests/helper/netsh.exe: tests/helper/fake_netsh.c
	@mkdir -p $(dir $@)
	$(WIN_CC) $(WIN_CPPFLAGS) $(WIN_WARN) $(WIN_CFLAGS) $(WIN_LDFLAGS) -o $@ $<

$(WB)/tests/helper/crash.exe: tests/helper/crash.c
	@mkdir -p $(dir $@)
	$(WIN_CC) $(WIN_CPPFLAGS) $(WIN_WARN) $(WIN_CFLAGS) $(WIN_LDFLAGS) -o $@ $<

# win_owner.exe: sys_process_name, which only Windows has, under wine (suite_win_unit.sh).
$(WB)/tests/helper/win_owner.exe: tests/helper/win_owner.c $(WIN_LIBA) tests/tap.h
	@mkdir -p $(dir $@)
	$(WIN_CC) $(WIN_CPPFLAGS) -Itests $(WIN_WARN) $(WIN_CFLAGS) $(WIN_LDFLAGS) -o $@ $< \
		$(WIN_LIBA) $(WIN_LDLIBS)

$(WIN_SETUP): nsis/check_ephemeral.nsi $(WIN_EXE) nsis/README.txt
	@mkdir -p $(dir $@)
	$(MAKENSIS) -V2 -NOCD -DVERSION=$(EPH_VERSION_STR) -DEXE=$(WIN_EXE) -DOUTFILE=$@ \
		nsis/check_ephemeral.nsi

-include $(WIN_LIB_OBJS:.o=.d) $(WIN_CLI_OBJS:.o=.d)
