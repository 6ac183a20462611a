#!/bin/bash
# Regenerate the base's series folders from the commits on top of the base in its tree:
# git format-patch output with stable names, and the cover letter whose subject and
# body come from the cover folder (the shortlog and diffstat are git's).
#   6.12 (build/linux): every commit -> series/, cover letter from cover/.
#   7.3 (VNPP_BASE=7.3, build/linux-7.3): the commits up to the tag vnpp-net (all of them when
#     there is no such tag) -> series-net/ with cover-net/; the ones after it up to the tag
#     vnpp-vdpa (none when there is no such tag) -> series-vdpa/ with cover-vdpa/ (fixes for the
#     vDPA list); the rest -> series-net-next/ with cover-net-next/ (tag the last commit of a
#     series: git tag -f vnpp-net, vnpp-vdpa).
# BENCH=build/bench/<run>: that benchmark run's report becomes cover/performance.txt (without
# it: the latest run made with FULL=1 if there is one, else cover/performance.txt as committed).
# A QUICK=1 run is refused: it never goes into the cover letter.
set -euo pipefail
. "$(dirname "$0")/lib.sh"


[ -n "$(git -C "$TREE" status --porcelain -uno)" ] && die "$TREE has uncommitted changes: commit them first"

if [ "$VNPP_BASE" = 6.12 ]; then
	bench=${BENCH:-}
	if [ -z "$bench" ]; then
		for d in "$BUILD"/bench/*/; do
			[ "$(cat "$d/kind" 2>/dev/null)" != full ] || [ ! -s "$d/cover-performance.txt" ] || bench=${d%/}
		done
	fi
	if [ -n "$bench" ]; then
		[ -s "$bench/cover-performance.txt" ] || die "$bench has no report (cover-performance.txt)"
		[ "$(cat "$bench/kind" 2>/dev/null)" != quick ] || die "$bench is a QUICK=1 run: not for the cover letter"
		cp "$bench/cover-performance.txt" "$TOP/cover/performance.txt"
		step "cover/performance.txt from $bench ($(cat "$bench/kind" 2>/dev/null || echo unknown) run)"
	fi
fi

base=$(git -C "$TREE" rev-list --max-parents=0 HEAD)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

export_series() { # RANGE SERIES_DIR COVER_DIR: the commits of RANGE as TOP/SERIES_DIR
	local range=$1 out=$TOP/$2 cover=$TOP/$3 prefix version subject recipients r f to=() cc=()
	rm -rf "${tmp:?}"/* && mkdir -p "$out"
	rm -f "$out"/*.patch
	# no commits, no folder: the guest reads an existing series-net-next/ as "next has net-next"
	[ "$(git -C "$TREE" rev-list --count "$range")" != 0 ] || { rmdir "$out"; step "$2/: no commits"; return 0; }
	prefix=$(sed -n 's/^prefix: //p' "$cover/cover-letter.txt")
	version=$(sed -n 's/^version: //p' "$cover/cover-letter.txt")
	subject=$(sed -n 's/^subject: //p' "$cover/cover-letter.txt")
	# Recipients: what get_maintainer.pl says for the whole series (lists To, people Cc). Its
	# stderr only when it finds none: it complains about the Fixes: hashes of a tree without history.
	git -C "$TREE" format-patch -q --stdout "$range" > "$tmp/all.mbox"
	recipients=$(cd "$TREE" && ./scripts/get_maintainer.pl --nogit --nogit-fallback --norolestats "$tmp/all.mbox" 2> "$tmp/gm.err")
	[ -n "$recipients" ] || { cat "$tmp/gm.err"; die "get_maintainer.pl found no recipients"; }
	rm "$tmp/all.mbox"
	while IFS= read -r r; do
		case $r in *'<'*) cc+=("--cc=$r") ;; *) to+=("--to=$r") ;; esac
	done <<< "$recipients"
	# a cover letter for a series of more than one patch (a single patch goes alone); no "v1"
	local opts=()
	[ "$(git -C "$TREE" rev-list --count "$range")" = 1 ] || opts+=(--cover-letter)
	[ "$version" = 1 ] || opts+=(-v "$version")
	git -C "$TREE" format-patch -q "${opts[@]}" --subject-prefix="$prefix" \
		--no-signature --zero-commit --filename-max-length=100 "${to[@]}" "${cc[@]}" -o "$tmp" "$range"
	# Stable file names: drop the vN- prefix git adds.
	for f in "$tmp"/v[0-9]*-*.patch; do
		[ -e "$f" ] || continue
		mv "$f" "$tmp/$(basename "$f" | sed 's/^v[0-9]*-//')"
	done
	# The base, as the build used it (never typed into prose that goes stale)
	echo "The series applies to Linux $(make -s -C "$TREE" kernelversion) as shipped in Debian's \
linux-source-$VNPP_BASE package, version $(base_version)." | fold -s -w 72 | sed 's/ *$//' > "$cover/base.txt"
	[ ! -e "$tmp/0000-cover-letter.patch" ] ||  # the body from the cover folder
		python3 "$TOP/scripts/cover.py" "$tmp/0000-cover-letter.patch" "$subject" "$cover"
	cp "$tmp"/*.patch "$out/"
	step "$2/: $(git -C "$TREE" rev-list --count "$range") patches$([ ! -e "$out/0000-cover-letter.patch" ] || echo ' and a cover letter')"
}

if [ "$VNPP_BASE" = 6.12 ]; then
	export_series "$base..HEAD" series cover
else
	net=HEAD
	! git -C "$TREE" rev-parse -q --verify vnpp-net > /dev/null || net=vnpp-net
	vdpa=$net
	! git -C "$TREE" rev-parse -q --verify vnpp-vdpa > /dev/null || vdpa=vnpp-vdpa
	export_series "$base..$net" series-net cover-net
	export_series "$net..$vdpa" series-vdpa cover-vdpa
	export_series "$vdpa..HEAD" series-net-next cover-net-next
fi
series_id "$(base_version)" > "$TREE/.git/vnpp-series-id"
