# The --top tests: the socket-holding helper and the Linux-only /proc fd search test, which
# builds a fake /proc tree (no mingw build: it is not under the tests/test_*.c wildcard).
check-build: $(B)/tests/portholder
ifeq ($(BACKEND),linux)
check-build: $(B)/tests/test_procfd
endif

$(B)/tests/portholder: tests/helper/portholder.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $<

$(B)/tests/test_procfd: tests/linux/test_procfd.c $(LIBA) tests/tap.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests $(WARN) $(CFLAGS) -o $@ $< $(LIBA) $(LDLIBS)
