# check_ephemeral — top-level build.
#   make               build lib/ (build/linux/libephemeral.a) and check_ephemeral/check_ephemeral
#   make check         build and run every test suite (tests/run.sh); installs nothing, and a
#                      suite whose tools are missing skips, naming the Debian package
#   make check-deps    as root: install the Debian packages the suites use (tests/deps.sh)
#   make install       PREFIX=/usr DESTDIR= ; plugin into /usr/lib/nagios/plugins
#   make asan          every suite under AddressSanitizer + UBSan (also: make check SANITIZE=1);
#                      make check runs a few suites under them (tests/suite_asan.sh)
#   make clean
# Further targets (windows, bench, deb, fuzz, ...) live in mk/*.mk.

CC ?= cc
CFLAGS ?= -O2 -g
WERROR ?= -Werror
WARN := -std=c11 -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wvla $(WERROR)
CPPFLAGS += -Ilib -Icheck_ephemeral
# -pthread: --netns reads each namespace in a thread that entered it (lib/netns_linux_enter.c).
LDLIBS += -lm -pthread

# /usr, as monitoring-plugins on Debian: the plugin lands in /usr/lib/nagios/plugins, where
# Nagios' $USER1$, NRPE and Icinga's PluginDir look. PREFIX=/usr/local for a local install.
PREFIX ?= /usr
ifeq ($(PREFIX),/usr)
PLUGINDIR ?= /usr/lib/nagios/plugins
else
PLUGINDIR ?= $(PREFIX)/lib/nagios/plugins
endif
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/check-ephemeral
DESTDIR ?=

B ?= build/linux

# Portable library sources: compiled unchanged for Linux and Windows.
PORTABLE_SRCS := lib/check.c lib/check_netns.c lib/eph.c lib/strbuf.c lib/threshold.c lib/portpool.c lib/sock.c lib/tally.c \
	lib/evaluate.c lib/measure.c lib/metric.c lib/num.c lib/topn.c lib/utf8.c lib/report.c lib/report_nagios.c lib/report_nagios_top.c lib/attrib.c lib/attrib_rows.c \
	lib/report_solarwinds.c lib/report_json.c lib/report_prom.c lib/json.c lib/histlog.c lib/winparse.c \
	lib/forecast.c lib/forecast_parse.c lib/forecast_store.c lib/check_forecast.c \
	lib/netns.c
# The OS backend behind lib/sys.h, chosen by BACKEND (docs/hacking.md: adding one). Every Unix
# backend shares POSIX_SRCS; the Windows list is built by mk/windows.mk with mingw.
BACKEND ?= linux
POSIX_SRCS := lib/sys_posix.c lib/sys_posix_file.c lib/sys_posix_log.c
BACKEND_SRCS_linux := lib/sys_linux.c lib/nl_diag.c lib/procnet.c lib/procfd.c lib/netns_linux.c \
	lib/netns_linux_enter.c $(POSIX_SRCS)
BACKEND_SRCS_windows := lib/sys_windows.c lib/win_netsh.c lib/win_wmi.c lib/win_tables.c \
	lib/win_io.c lib/win_file.c lib/sys_windows_owner.c lib/netns_windows.c
BACKEND_SRCS := $(BACKEND_SRCS_$(BACKEND))
ifeq ($(strip $(BACKEND_SRCS)),)
$(error BACKEND=$(BACKEND): no BACKEND_SRCS_$(BACKEND) list in the Makefile)
endif
CLI_SRCS := check_ephemeral/cli.c check_ephemeral/main.c

LIB_OBJS := $(patsubst %.c,$(B)/%.o,$(PORTABLE_SRCS) $(BACKEND_SRCS))
CLI_OBJS := $(patsubst %.c,$(B)/%.o,$(CLI_SRCS))
LIBA := $(B)/libephemeral.a
BIN := check_ephemeral/check_ephemeral

# Unit tests: one program per module, tests/test_<module>.c, TAP on stdout.
# Those of Linux's parsers (netlink, /proc/net) need Linux headers: only with BACKEND=linux.
LINUX_UNIT_SRCS := tests/test_nl_diag.c tests/test_procnet.c
UNIT_SRCS := $(wildcard tests/test_*.c)
ifneq ($(BACKEND),linux)
UNIT_SRCS := $(filter-out $(LINUX_UNIT_SRCS),$(UNIT_SRCS))
endif
UNIT_BINS := $(patsubst tests/%.c,$(B)/tests/%,$(UNIT_SRCS))
HELPERS := $(B)/tests/sockpop

.PHONY: all check check-build check-deps asan install uninstall clean

all: $(BIN)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIBA): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(CLI_OBJS) $(LIBA)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIBA) $(LDLIBS)

# Tests that exercise the CLI parser link its object directly.
$(B)/tests/%: tests/%.c $(LIBA) $(B)/check_ephemeral/cli.o tests/tap.h tests/sockrec.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests $(WARN) $(CFLAGS) -o $@ $< $(B)/check_ephemeral/cli.o $(LIBA) $(LDLIBS)

$(B)/tests/sockpop: tests/helper/sockpop.c tests/helper/helper.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $<

check-build: $(BIN) $(UNIT_BINS) $(HELPERS)

ifeq ($(SANITIZE),1)
check:
	$(MAKE) SANITIZE= asan
else
check: check-build
	B=$(B) BIN=$(BIN) tests/run.sh
endif

check-deps:
	tests/deps.sh

# No -Werror here: with the sanitizers gcc warns about paths that cannot happen (a NULL '%s' in
# tap.h's is_str); tests/suite_static.sh holds the -Werror builds.
asan:
	$(MAKE) SANITIZE= B=build/asan BIN=build/asan/check_ephemeral-asan WERROR= \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" check

# install and uninstall: mk/install.mk.

clean:
	rm -rf build $(BIN) check_ephemeral/check_ephemeral.exe

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d)
# mk/windows.mk first: other fragments name its variables (WB, WIN_CC, ...) in their rules,
# which make expands as it reads them.
-include mk/windows.mk
-include $(filter-out mk/windows.mk,$(wildcard mk/*.mk))
