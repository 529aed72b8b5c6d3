#!/usr/bin/env bash
# Builds the Debian binary package from the tree, offline, with dpkg-dev alone (no debian/ tree
# in the sources, no fakeroot): compile with Debian's hardening flags, `make install` into a
# staging root, then do what debhelper would (strip, compress, copyright, changelog, control
# with shlibs, md5sums) and `dpkg-deb --root-owner-group --build`.
#
# Usage (from mk/deb.mk): build.sh VERSION OUTPUT.deb
# Environment: MAKE (default make); DEB_MAINTAINER ("Name <address>"), else DEBFULLNAME and
# DEBEMAIL as for dch(1), else git's user.name and user.email: the Maintainer of the package
# (Policy 5.6.2: a real name and a working address; the sources name no project address, so
# whoever builds the package maintains it); SOURCE_DATE_EPOCH (date of the Debian changelog
# entry; default: the last commit, else now).
set -eu
version=$1
out=$2
pkg=monitoring-plugin-check-ephemeral
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top"
make=${MAKE:-make}

case "$version" in
'' | *[!0-9A-Za-z.+~-]*)
	echo "build.sh: bad version '$version' (from lib/eph.h EPH_VERSION)" >&2
	exit 1
	;;
esac

maint=${DEB_MAINTAINER:-}
if [ -z "$maint" ] && [ -n "${DEBFULLNAME:-}" ] && [ -n "${DEBEMAIL:-}" ]; then
	maint="$DEBFULLNAME <$DEBEMAIL>"
fi
if [ -z "$maint" ] && git config user.name >/dev/null && git config user.email >/dev/null; then
	maint="$(git config user.name) <$(git config user.email)>"
fi
case "$maint" in
*[![:print:]]* | *'<'*'<'* | *'>'*'>'*)
	echo "build.sh: bad maintainer '$maint'" >&2
	exit 1
	;;
?*' <'?*@?*'>') ;;
*)
	echo "build.sh: who maintains this package? Set DEB_MAINTAINER='Name <address>'" \
		"(or DEBFULLNAME and DEBEMAIL, or git's user.name and user.email)" >&2
	exit 1
	;;
esac
# RFC 2606 / 6761 names are never anyone's mailbox: say so, the package still builds.
case "${maint##*@}" in
example.com\> | example.net\> | example.org\> | *.example\> | *.invalid\> | *.test\> | *.localhost\> | localhost\>)
	echo "build.sh: warning: Maintainer '$maint' is not a working address (Policy 5.6.2)" >&2
	;;
esac

work=build/deb/work
stage=$work/root
obj=build/deb/obj
rm -rf "$work"
mkdir -p "$work/debian" "$stage/DEBIAN"
# Modes in the package must not depend on the caller's umask.
chmod 0755 "$stage" "$stage/DEBIAN"
umask 022

# The same flags a debian/rules would get: hardening (PIE, RELRO, bindnow, FORTIFY, stack
# protector). CPPFLAGS go through CFLAGS because the top Makefile appends its -I to CPPFLAGS.
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cflags="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CFLAGS)"
ldflags=$(dpkg-buildflags --get LDFLAGS)
$make --no-print-directory B="$obj" BIN="build/deb/check_ephemeral" CFLAGS="$cflags" \
	LDFLAGS="$ldflags" install DESTDIR="$top/$stage" PREFIX=/usr \
	DOCDIR=/usr/share/doc/$pkg >"$work/make.log" || {
	cat "$work/make.log" >&2
	exit 1
}

plugin=$stage/usr/lib/nagios/plugins/check_ephemeral
doc=$stage/usr/share/doc/$pkg
# As dh_strip does for an executable; the debug symbols are not shipped.
strip --remove-section=.comment --remove-section=.note "$plugin"

# Policy 12.3: man pages always, other documentation above 4 kB, compressed with gzip -9n
# (no name or time stamp, so the package is reproducible). Example configurations stay
# plain so that they can be copied as they are.
find "$stage/usr/share/man" -type f -exec gzip -9nf {} +
find "$doc" -maxdepth 1 -type f -size +4k -exec gzip -9nf {} +

install -m 0644 "$here/copyright" "$doc/copyright"
# The Nagios command, where Debian's monitoring-plugins keep theirs and nagios4 reads them
# (cfg_dir=/etc/nagios-plugins/config); a conffile, so an admin's edits survive upgrades.
conffile=/etc/nagios-plugins/config/check_ephemeral.cfg
install -D -m 0644 contrib/nagios/check_ephemeral-commands.cfg "$stage$conffile"
chmod 0755 "$stage/etc" "$stage/etc/nagios-plugins" "$stage/etc/nagios-plugins/config"
echo "$conffile" >"$stage/DEBIAN/conffiles"
chmod 0644 "$stage/DEBIAN/conffiles"
# Each override there says why it is right for this package.
install -D -m 0644 "$here/lintian-overrides" "$stage/usr/share/lintian/overrides/$pkg"

# The package is native (its version is the upstream one): its Debian changelog is
# changelog.gz. The entry is generated so that lib/eph.h stays the only place of the version.
when=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
{
	echo "$pkg ($version) unstable; urgency=medium"
	echo
	echo "  * Release $version of check_ephemeral; the changes are listed in"
	echo "    /usr/share/doc/$pkg/$(cd "$doc" && ls CHANGELOG.md*)."
	echo
	echo " -- $maint  $(LC_ALL=C date -u -R -d "@$when")"
} >"$work/debian/changelog"
gzip -9n <"$work/debian/changelog" >"$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"

# The Maintainer goes after Priority, where Policy's examples have it.
awk -v m="$maint" '{ print } /^Priority:/ { print "Maintainer: " m }' "$here/control" \
	>"$work/debian/control"

# Depends from the libraries the binary really links (libc6 (>= x.y)), then the binary control
# file with Installed-Size, both by dpkg-dev from debian/control and debian/changelog.
(
	cd "$work"
	dpkg-shlibdeps -Tdebian/substvars "root/usr/lib/nagios/plugins/check_ephemeral"
	dpkg-gencontrol -p"$pkg" -Proot -Tdebian/substvars
)
chmod 0644 "$stage/DEBIAN/control"

(
	cd "$stage"
	# As dh_md5sums: every file but the conffiles, which dpkg sums itself.
	find . \( -path ./DEBIAN -o -path ./etc \) -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z |
		xargs -0 md5sum >DEBIAN/md5sums
)
chmod 0644 "$stage/DEBIAN/md5sums"

mkdir -p "$(dirname "$out")"
SOURCE_DATE_EPOCH=$when dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" >/dev/null
echo "built $out"
