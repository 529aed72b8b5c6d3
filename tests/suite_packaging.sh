#!/usr/bin/env bash
# Packaging: the man page renders without warnings, the version agrees everywhere, `make install`
# and `make uninstall` put in place and take away exactly the expected files, and the Debian
# package is complete, lintian-clean, installs with dpkg into a throwaway root (dpkg --root, so
# the host's package database is never touched), runs from there, and is purged leaving nothing.
# needs-packages: groff-base man-db dpkg-dev lintian
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
B=${B:-build/linux}
BIN=${BIN:-check_ephemeral/check_ephemeral}
cd "$TOP" || exit 2
. "$TOP/tests/lib.sh"

has() { command -v "$1" >/dev/null 2>&1; }
notok() { ok 1 "$1"; }
# The suite runs under `make check`: a make started from here must not inherit its jobserver or
# its command-line variables; B and BIN say which build is being tested.
submake() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory "$@"; }

tmp=$(mktemp -d /tmp/eph-pkg.XXXXXX)
pkg=monitoring-plugin-check-ephemeral
cleanup() {
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

version=$(sed -n 's/^#define EPH_VERSION "\(.*\)"$/\1/p' lib/eph.h)

# --- man page and version -------------------------------------------------------------------
if has groff; then
	groff -ww -z -man docs/check_ephemeral.1 >"$tmp/groff.out" 2>&1
	check "groff -ww -z -man docs/check_ephemeral.1: no warnings" test ! -s "$tmp/groff.out"
	sed 's/^/# /' "$tmp/groff.out" | head -n 20
else
	skip "groff -ww: no warnings" "groff is not installed (Debian package groff-base)"
fi
if has man; then
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -l docs/check_ephemeral.1 >"$tmp/man.txt" 2>"$tmp/man.err"
	rc=$?
	check "man -l renders the page without warnings" test "$rc" = 0 -a ! -s "$tmp/man.err"
	sed 's/^/# /' "$tmp/man.err" | head -n 20
	missing=""
	for s in NAME SYNOPSIS OPTIONS "EXIT STATUS"; do
		grep -q "^$s" "$tmp/man.txt" || missing="$missing, $s"
	done
	check "man -l output has NAME, SYNOPSIS, OPTIONS and EXIT STATUS${missing:+ (lacks ${missing#, })}" \
		test -z "$missing"
else
	skip "man -l renders the page without warnings" "man is not installed (Debian package man-db)"
	skip "man -l output has its sections" "man is not installed (Debian package man-db)"
fi

check "lib/eph.h defines EPH_VERSION ($version)" test -n "$version"
check "make version prints EPH_VERSION" test "$(submake -s version)" = "$version"
th=$(sed -n 's/^\.TH [^ ]* [^ ]* "[^"]*" "check_ephemeral \([^"]*\)".*/\1/p' docs/check_ephemeral.1)
check "man page .TH names version $version (has '$th')" test "$th" = "$version"
cl=$(sed -n 's/^## \([0-9][^ ]*\).*/\1/p' CHANGELOG.md | head -n 1)
check "CHANGELOG.md's newest entry is $version (has '$cl')" test "$cl" = "$version"
out=$("$BIN" -V 2>&1)
rc=$?
check "$BIN -V prints 'check_ephemeral $version' and exits 3 (got $rc, '$out')" \
	test "$rc" = 3 -a "$out" = "check_ephemeral $version"

# --- make install / make uninstall --------------------------------------------------------
# What the install must contain: computed from the tree, the rule written in mk/install.mk.
expected_install() { # PLUGINDIR MANDIR DOCDIR, without leading slash
	echo "$1/check_ephemeral"
	echo "$2/man1/check_ephemeral.1"
	for f in README.md CHANGELOG.md docs/*.md docs/*.schema.json; do
		[ -f "$f" ] && echo "$3/$(basename "$f")"
	done
	if [ -d contrib ]; then
		find contrib -type f ! -name '.*' | sed "s|^contrib/|$3/examples/|"
	fi
}
files_under() { (cd "$1" && find . \( -type f -o -type l \) -printf '%P\n' | LC_ALL=C sort); }

dest=$tmp/dest
if submake install B="$B" BIN="$BIN" DESTDIR="$dest" PREFIX=/usr >"$tmp/install.log" 2>&1; then
	ok 0 "make install DESTDIR=... PREFIX=/usr"
	expected_install usr/lib/nagios/plugins usr/share/man usr/share/doc/check-ephemeral |
		LC_ALL=C sort >"$tmp/expected"
	files_under "$dest" >"$tmp/got"
	if diff "$tmp/expected" "$tmp/got" >"$tmp/diff"; then
		ok 0 "make install put exactly the $(wc -l <"$tmp/got") expected files"
	else
		notok "make install put exactly the expected files"
		sed 's/^/# /' "$tmp/diff"
	fi
	modes=$(cd "$dest" && find . -type f -printf '%m %P\n' | grep -v -E '^(644 |755 usr/lib/nagios/plugins/check_ephemeral$)')
	check "plugin mode 0755, everything else 0644${modes:+ (not: $modes)}" test -z "$modes"
	out=$("$dest/usr/lib/nagios/plugins/check_ephemeral" -V 2>&1)
	rc=$?
	check "the installed plugin runs: -V prints '$out', exit $rc" \
		test "$rc" = 3 -a "$out" = "check_ephemeral $version"
	if submake uninstall B="$B" BIN="$BIN" DESTDIR="$dest" PREFIX=/usr >"$tmp/uninstall.log" 2>&1; then
		left=$(files_under "$dest")
		check "make uninstall leaves no file${left:+ (left: $left)}" test -z "$left"
		check "make uninstall removes the doc directory" test ! -e "$dest/usr/share/doc/check-ephemeral"
	else
		notok "make uninstall"
		sed 's/^/# /' "$tmp/uninstall.log" | tail -n 10
		skip "make uninstall removes the doc directory" "make uninstall failed"
	fi
else
	notok "make install DESTDIR=... PREFIX=/usr"
	sed 's/^/# /' "$tmp/install.log" | tail -n 10
	for t in "expected files" "modes" "the installed plugin runs" "make uninstall" \
		"make uninstall removes the doc directory"; do
		skip "make install: $t" "make install failed"
	done
fi

# Without PREFIX the plugin goes where monitoring-plugins are on Debian.
dest=$tmp/dest1
if submake install B="$B" BIN="$BIN" DESTDIR="$dest" >"$tmp/install1.log" 2>&1; then
	expected_install usr/lib/nagios/plugins usr/share/man usr/share/doc/check-ephemeral |
		LC_ALL=C sort >"$tmp/expected"
	files_under "$dest" >"$tmp/got"
	check "default PREFIX: plugin in /usr/lib/nagios/plugins, man and docs under /usr/share" diff -q "$tmp/expected" "$tmp/got"
	submake uninstall DESTDIR="$dest" >/dev/null 2>&1
	left=$(files_under "$dest")
	check "make uninstall with the default PREFIX leaves no file${left:+ (left: $left)}" test -z "$left"
else
	notok "make install with the default PREFIX"
	sed 's/^/# /' "$tmp/install1.log" | tail -n 10
	skip "make uninstall after make install" "make install failed"
fi

# Another PREFIX, and each directory can be set on its own.
dest=$tmp/dest2
if submake install B="$B" BIN="$BIN" DESTDIR="$dest" PREFIX=/usr/local DOCDIR=/opt/eph/doc >"$tmp/install2.log" 2>&1; then
	expected_install usr/local/lib/nagios/plugins usr/local/share/man opt/eph/doc |
		LC_ALL=C sort >"$tmp/expected"
	files_under "$dest" >"$tmp/got"
	check "PREFIX=/usr/local, DOCDIR given: files where expected" diff -q "$tmp/expected" "$tmp/got"
	submake uninstall DESTDIR="$dest" PREFIX=/usr/local DOCDIR=/opt/eph/doc >/dev/null 2>&1
	left=$(files_under "$dest")
	check "make uninstall with the same variables leaves no file${left:+ (left: $left)}" test -z "$left"
else
	notok "make install with the default PREFIX"
	sed 's/^/# /' "$tmp/install2.log" | tail -n 10
	skip "make uninstall after make install" "make install failed"
fi

# --- the Debian package --------------------------------------------------------------------
N_DEB=17
if ! has dpkg-deb || ! has dpkg-shlibdeps || ! has dpkg-gencontrol; then
	for i in $(seq "$N_DEB"); do skip "Debian package check $i" "dpkg-dev is not installed (Debian package dpkg-dev)"; done
	done_testing
	exit
fi
# make deb wants to know who builds the package; a fresh clone by a user without a git
# identity has none, so the test build names the test suite.
if [ -z "${DEB_MAINTAINER:-}" ] && { [ -z "${DEBFULLNAME:-}" ] || [ -z "${DEBEMAIL:-}" ]; } &&
	! { git config user.name && git config user.email; } >/dev/null 2>&1; then
	export DEB_MAINTAINER="check_ephemeral test suite <tests@check-ephemeral.invalid>"
fi
arch=$(dpkg --print-architecture)
deb=build/${pkg}_${version}_${arch}.deb
rm -f "$deb"
if submake deb >"$tmp/deb.log" 2>&1 && [ -f "$deb" ]; then
	ok 0 "make deb builds $deb"
else
	notok "make deb builds $deb"
	sed 's/^/# /' "$tmp/deb.log" | tail -n 20
	for i in $(seq $((N_DEB - 1))); do skip "Debian package check $i" "make deb failed"; done
	done_testing
	exit 1
fi
# Same tree, same bytes: gzip -9n, time stamps clamped to the last commit, no build path.
sum1=$(sha256sum <"$deb")
rm -rf build/deb
if submake deb >"$tmp/deb2.log" 2>&1 && [ "$(sha256sum <"$deb")" = "$sum1" ]; then
	ok 0 "a second make deb gives the same bytes (reproducible)"
else
	notok "a second make deb gives the same bytes (reproducible)"
	sed 's/^/# /' "$tmp/deb2.log" | tail -n 10
fi
field() { dpkg-deb -f "$deb" "$1"; }
check "control: Package $pkg, Version $version, Architecture $arch, Section net" \
	test "$(field Package) $(field Version) $(field Architecture) $(field Section)" = \
	"$pkg $version $arch net"
dep=$(field Depends)
check "control: Depends on libc6 with a version, from dpkg-shlibdeps ('$dep')" \
	grep -q -E '^libc6 \(>= [0-9.]+\)' <<<"$dep"
check "control: Maintainer, Installed-Size and a description" \
	test -n "$(field Maintainer)" -a -n "$(field Installed-Size)" -a -n "$(field Description)"
# Policy 5.6.2: who built it (DEB_MAINTAINER, DEBFULLNAME/DEBEMAIL or git's identity), never
# the example.org placeholder the control file once had.
want_maint=${DEB_MAINTAINER:-}
[ -z "$want_maint" ] && [ -n "${DEBFULLNAME:-}" ] && [ -n "${DEBEMAIL:-}" ] && want_maint="$DEBFULLNAME <$DEBEMAIL>"
[ -z "$want_maint" ] && want_maint="$(git config user.name) <$(git config user.email)>"
check "control: Maintainer is the builder, '$want_maint' (got '$(field Maintainer)')" \
	test "$(field Maintainer)" = "$want_maint" -a "${want_maint%example.org>}" = "$want_maint"
# The Nagios command as Debian's monitoring-plugins ship theirs: a conffile in
# /etc/nagios-plugins/config, the text of contrib/nagios/check_ephemeral-commands.cfg.
conffile=etc/nagios-plugins/config/check_ephemeral.cfg
check "conffile /$conffile: listed in DEBIAN/conffiles, mode 0644 root:root, the contrib text" \
	bash -c "test \"\$(dpkg-deb -I '$deb' conffiles)\" = /$conffile &&
		dpkg-deb -c '$deb' | grep -q -E '^-rw-r--r-- root/root +[0-9]+ .* \\./$conffile\$' &&
		dpkg-deb --fsys-tarfile '$deb' | tar -xOf - ./$conffile | cmp -s - contrib/nagios/check_ephemeral-commands.cfg"

doc=usr/share/doc/$pkg
mkdir -p "$tmp/x"
dpkg-deb -x "$deb" "$tmp/x"
dpkg-deb -e "$deb" "$tmp/x/DEBIAN"
{
	echo usr/lib/nagios/plugins/check_ephemeral
	echo etc/nagios-plugins/config/check_ephemeral.cfg
	echo usr/share/man/man1/check_ephemeral.1.gz
	echo "$doc/copyright"
	echo "$doc/changelog.gz"
	echo "usr/share/lintian/overrides/$pkg"
	for f in README.md CHANGELOG.md docs/*.md docs/*.schema.json; do
		[ -f "$f" ] || continue
		# Policy 12.3: documentation above 4 kB is compressed.
		if [ "$(stat -c %s "$f")" -gt 4096 ]; then
			echo "$doc/$(basename "$f").gz"
		else
			echo "$doc/$(basename "$f")"
		fi
	done
	if [ -d contrib ]; then
		find contrib -type f ! -name '.*' | sed "s|^contrib/|$doc/examples/|"
	fi
} | LC_ALL=C sort >"$tmp/expected"
(cd "$tmp/x" && find . -path ./DEBIAN -prune -o \( -type f -o -type l \) -printf '%P\n' | LC_ALL=C sort) >"$tmp/got"
if diff "$tmp/expected" "$tmp/got" >"$tmp/diff"; then
	ok 0 "the package holds exactly the $(wc -l <"$tmp/got") expected files"
else
	notok "the package holds exactly the expected files"
	sed 's/^/# /' "$tmp/diff"
fi
check "md5sums lists every file but the conffile and each sum is right" \
	bash -c "cd '$tmp/x' && md5sum --quiet -c DEBIAN/md5sums && test \$(wc -l <DEBIAN/md5sums) = $(($(wc -l <"$tmp/got") - 1)) && ! grep -q ' etc/' DEBIAN/md5sums"
# gzip -9n: no file name and a zero time stamp in the header (bytes 3 and 4-7), so that
# rebuilding gives the same bytes.
gz_ok=1
for f in "$tmp/x/$doc/changelog.gz" "$tmp/x/usr/share/man/man1/check_ephemeral.1.gz"; do
	hdr=$(od -An -tx1 -j3 -N5 "$f" | tr -d ' \n')
	[ "$hdr" = 0000000000 ] || { gz_ok=0; echo "# $f: gzip header flags/mtime $hdr"; }
done
check "changelog.gz and the man page are compressed with gzip -9n" test "$gz_ok" = 1
clv=$(gzip -dc "$tmp/x/$doc/changelog.gz" | dpkg-parsechangelog -l- -SVersion 2>&1)
check "changelog.gz is a Debian changelog of version $version (got '$clv')" test "$clv" = "$version"
check "copyright is machine-readable and names a license" \
	grep -q -E '^License: [^ ]' "$tmp/x/$doc/copyright"
out=$("$tmp/x/usr/lib/nagios/plugins/check_ephemeral" -V 2>&1)
rc=$?
check "the packaged plugin runs: -V prints '$out', exit $rc" \
	test "$rc" = 3 -a "$out" = "check_ephemeral $version"

if has lintian; then
	# Lintian refuses nothing as root but says so on stderr; its findings go to stdout.
	lintian --fail-on error --pedantic -I "$deb" >"$tmp/lintian.out" 2>"$tmp/lintian.err"
	rc=$?
	nerr=$(grep -c '^E:' "$tmp/lintian.out")
	nwarn=$(grep -c '^W:' "$tmp/lintian.out")
	check "lintian: no errors ($nerr errors, $nwarn warnings, exit $rc)" test "$rc" = 0 -a "$nerr" = 0
	sed 's/^/# lintian: /' "$tmp/lintian.out" | head -n 30
else
	skip "lintian: no errors" "lintian is not installed (Debian package lintian)"
fi

# --- dpkg -i into a throwaway root --------------------------------------------------------
# dpkg --root: its own database and files under $root, never the host's; --log=/dev/null keeps
# the host's /var/log/dpkg.log as it is. The root holds no libc6 package (--force-depends); a
# normal user may install there too (--force-not-root: the files are then the user's own).
root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
touch "$root/var/lib/dpkg/status"
rdpkg() { dpkg --root="$root" --log=/dev/null --force-depends --force-not-root "$@" >"$tmp/dpkg.log" 2>&1; }
plugin=$root/usr/lib/nagios/plugins/check_ephemeral
if rdpkg -i "$deb"; then
	st=$(dpkg-query --root="$root" -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)
	out=$("$plugin" -V 2>&1)
	rc=$?
	check "dpkg --root -i: status '$st'; the installed plugin's -V prints '$out', exit $rc" \
		test "$st" = installed -a "$rc" = 3 -a "$out" = "check_ephemeral $version"
	(cd "$root" && find . -path ./var/lib/dpkg -prune -o \( -type f -o -type l \) -printf '%P\n' |
		LC_ALL=C sort) >"$tmp/got-root"
	check "dpkg --root -i put exactly the package's files" diff -q "$tmp/got" "$tmp/got-root"
else
	notok "dpkg --root -i $deb"
	sed 's/^/# /' "$tmp/dpkg.log" | tail -n 10
	skip "dpkg --root -i put exactly the package's files" "dpkg -i failed"
fi
if rdpkg --purge "$pkg"; then
	st=$(dpkg-query --root="$root" -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)
	left=$(cd "$root" && find . -path ./var/lib/dpkg -prune -o \( -type f -o -type l \) -printf '%P ')
	check "dpkg --root --purge: the package is gone (status '${st:-none}'), no file left${left:+ (left: $left)}" \
		test \( -z "$st" -o "$st" = not-installed \) -a -z "$left"
else
	notok "dpkg --root --purge $pkg"
	sed 's/^/# /' "$tmp/dpkg.log" | tail -n 10
fi

done_testing
