# make deb: the Debian package build/monitoring-plugin-check-ephemeral_<version>_<arch>.deb,
# built offline with dpkg-dev by packaging/deb/build.sh (see there for what it does).
# The version is EPH_VERSION in lib/eph.h, the only place it is written.

EPH_VERSION := $(shell sed -n 's/^\#define EPH_VERSION "\(.*\)"$$/\1/p' lib/eph.h)
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
DEB_FILE := build/monitoring-plugin-check-ephemeral_$(EPH_VERSION)_$(DEB_ARCH).deb

.PHONY: deb version

deb:
	@command -v dpkg-deb >/dev/null && command -v dpkg-shlibdeps >/dev/null || \
		{ echo "make deb needs dpkg-dev: apt-get install dpkg-dev" >&2; exit 1; }
	MAKE="$(MAKE)" packaging/deb/build.sh "$(EPH_VERSION)" "$(DEB_FILE)"

# Prints the version, for scripts (tests, installers) that must agree with lib/eph.h.
version:
	@echo $(EPH_VERSION)
