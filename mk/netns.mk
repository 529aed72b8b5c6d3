# --netns: the Linux-only test that makes network namespaces and reads them from a thread (no
# mingw build: it is not under the tests/test_*.c wildcard; tests/test_netns.c is portable).
check-build: $(B)/tests/test_netns_linux

$(B)/tests/test_netns_linux: tests/linux/test_netns_linux.c $(LIBA) tests/tap.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests $(WARN) $(CFLAGS) -o $@ $< $(LIBA) $(LDLIBS)
