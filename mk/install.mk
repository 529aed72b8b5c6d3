# make install / make uninstall.
#   plugin               $(PLUGINDIR)/check_ephemeral   (/usr/lib/nagios/plugins by default)
#   man page             $(MANDIR)/man1/check_ephemeral.1
#   docs, changelog      $(DOCDIR)/*.md, the JSON schema
#   example configs      $(DOCDIR)/examples/..., every file under contrib/, same layout
# PREFIX, DESTDIR, PLUGINDIR, MANDIR and DOCDIR come from the top Makefile and can all be given
# on the command line: make install PREFIX=/usr DESTDIR=/tmp/stage.
# uninstall removes the same list of files, then only the directories below $(DOCDIR) that are
# left empty: $(PLUGINDIR) and $(MANDIR) are shared with other packages.

INSTALL ?= install
MAN1_PAGES := docs/check_ephemeral.1
DOC_FILES := $(wildcard README.md CHANGELOG.md docs/*.md docs/*.schema.json)
# find, not $(wildcard): the example configurations sit in one directory per monitoring system.
EXAMPLE_FILES := $(shell find contrib -type f ! -name '.*' 2>/dev/null | LC_ALL=C sort)

install: $(BIN)
	$(INSTALL) -d "$(DESTDIR)$(PLUGINDIR)" "$(DESTDIR)$(MANDIR)/man1" "$(DESTDIR)$(DOCDIR)"
	$(INSTALL) -m 0755 $(BIN) "$(DESTDIR)$(PLUGINDIR)/check_ephemeral"
	$(INSTALL) -m 0644 $(MAN1_PAGES) "$(DESTDIR)$(MANDIR)/man1/"
	$(INSTALL) -m 0644 $(DOC_FILES) "$(DESTDIR)$(DOCDIR)/"
	@set -e; for f in $(EXAMPLE_FILES); do \
		echo "$(INSTALL) -D -m 0644 $$f $(DESTDIR)$(DOCDIR)/examples/$${f#contrib/}"; \
		$(INSTALL) -D -m 0644 "$$f" "$(DESTDIR)$(DOCDIR)/examples/$${f#contrib/}"; \
	done

uninstall:
	rm -f "$(DESTDIR)$(PLUGINDIR)/check_ephemeral"
	@set -e; for f in $(notdir $(MAN1_PAGES)); do \
		echo "rm -f $(DESTDIR)$(MANDIR)/man1/$$f"; rm -f "$(DESTDIR)$(MANDIR)/man1/$$f"; \
	done
	@set -e; for f in $(notdir $(DOC_FILES)); do \
		echo "rm -f $(DESTDIR)$(DOCDIR)/$$f"; rm -f "$(DESTDIR)$(DOCDIR)/$$f"; \
	done
	@set -e; for f in $(EXAMPLE_FILES); do \
		echo "rm -f $(DESTDIR)$(DOCDIR)/examples/$${f#contrib/}"; \
		rm -f "$(DESTDIR)$(DOCDIR)/examples/$${f#contrib/}"; \
	done
	@if [ -d "$(DESTDIR)$(DOCDIR)" ]; then \
		find "$(DESTDIR)$(DOCDIR)" -depth -type d -empty -delete; \
	fi
