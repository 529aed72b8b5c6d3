# The verdict tests (tests/suite_verdicts.sh): the reverse-proxy and UDP workload helper.
check-build: $(B)/tests/proxyload

$(B)/tests/proxyload: tests/helper/proxyload.c tests/helper/helper.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $<
