#!/bin/bash
# Download packages from Debian's newer suites (trixie, trixie-backports, forky,
# bookworm-backports) without touching the machine's apt sources: a private apt configuration
# under the cache (its own sources list, package lists and archives directories), used by this
# script only. The machine's own apt and dpkg state are never written.
#
# Usage: scripts/apt-newer.sh PACKAGE/SUITE...
#   downloads each package's newest version in that suite into $VNPP_CACHE/apt/archives and
#   prints the path of each .deb, one a line (already downloaded ones are not fetched again).
# Env: VNPP_CACHE (~/.cache/vnpp).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -gt 0 ] || die "usage: $0 PACKAGE/SUITE..."
root=$CACHE/apt
mkdir -p "$root/lists/partial" "$root/archives/partial" "$root/etc/preferences.d" "$root/etc/sources.list.d"
cat > "$root/etc/sources.list" <<EOF
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie-backports main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian forky main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main
EOF
: > "$root/status"
opts=(-o "Dir::Etc::SourceList=$root/etc/sources.list" -o "Dir::Etc::SourceParts=$root/etc/sources.list.d"
	-o "Dir::Etc::Preferences=$root/etc/preferences" -o "Dir::Etc::PreferencesParts=$root/etc/preferences.d"
	-o "Dir::State::Lists=$root/lists" -o "Dir::State::Status=$root/status"
	-o "Dir::Cache=$root" -o "Dir::Cache::Archives=$root/archives"
	-o "APT::Sandbox::User=root" -o "Debug::NoLocking=1" -o "Acquire::Languages=none")

# The lists are fetched once a day at most.
stamp=$root/lists/.updated
if [ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
	step "apt (private, $root): updating the lists of trixie, trixie-backports, forky, bookworm-backports" >&2
	apt-get "${opts[@]}" -qq update >&2 || die "apt-get update of the private configuration failed"
	touch "$stamp"
fi

for want in "$@"; do
	pkg=${want%/*} suite=${want#*/}
	[ "$pkg" != "$want" ] || die "'$want': give PACKAGE/SUITE"
	ver=$(apt-cache "${opts[@]}" show "$want" 2>/dev/null | awk '/^Version:/ { print $2; exit }')
	[ -n "$ver" ] || die "$pkg is not in $suite"
	deb=$root/archives/${pkg}_${ver//:/%3a}_$(apt-cache "${opts[@]}" show "$want" | awk '/^Architecture:/ { print $2; exit }').deb
	if [ ! -s "$deb" ]; then
		step "apt (private): downloading $pkg $ver from $suite" >&2
		(cd "$root/archives" && apt-get "${opts[@]}" -qq download "$want" >&2) || die "apt-get download $want failed"
	fi
	[ -s "$deb" ] || die "$want: no $deb after the download"
	echo "$deb"
done
