#!/bin/bash
# Regenerate series/ from the commits on top of the base in build/linux:
# git format-patch output with stable names, and the cover letter whose subject and
# body come from cover/ (the shortlog and diffstat are git's).
# BENCH=build/bench/<run>: that benchmark run's report becomes cover/performance.txt (without
# it: the latest run made with FULL=1 if there is one, else cover/performance.txt as committed).
# A QUICK=1 run is refused: it never goes into the cover letter.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tree=$BUILD/linux
prefix=$(sed -n 's/^prefix: //p' "$TOP/cover/cover-letter.txt")
version=$(sed -n 's/^version: //p' "$TOP/cover/cover-letter.txt")
subject=$(sed -n 's/^subject: //p' "$TOP/cover/cover-letter.txt")
[ -n "$(git -C "$tree" status --porcelain -uno)" ] && die "$tree has uncommitted changes: commit them first"

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

base=$(git -C "$tree" rev-list --max-parents=0 HEAD)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Recipients: what get_maintainer.pl says for the whole series (lists To, people Cc). Its
# stderr only when it finds none: it complains about the Fixes: hashes of a tree without history.
git -C "$tree" format-patch -q --stdout "$base..HEAD" > "$tmp/all.mbox"
recipients=$(cd "$tree" && ./scripts/get_maintainer.pl --nogit --nogit-fallback --norolestats "$tmp/all.mbox" 2> "$tmp/gm.err")
[ -n "$recipients" ] || { cat "$tmp/gm.err"; die "get_maintainer.pl found no recipients"; }
rm "$tmp/all.mbox"
to=() cc=()
while IFS= read -r r; do
	case $r in *'<'*) cc+=("--cc=$r") ;; *) to+=("--to=$r") ;; esac
done <<< "$recipients"
git -C "$tree" format-patch -q --cover-letter --subject-prefix="$prefix" -v "$version" \
	--no-signature --zero-commit --filename-max-length=100 "${to[@]}" "${cc[@]}" -o "$tmp" "$base..HEAD"
# Stable file names: drop the vN- prefix git adds.
for f in "$tmp"/*.patch; do mv "$f" "$tmp/$(basename "$f" | sed 's/^v[0-9]*-//')"; done

# The base, as the build used it (never typed into prose that goes stale)
echo "The series applies to Linux $(make -s -C "$tree" kernelversion) as shipped in Debian's \
linux-source-6.12 package, version $(base_version)." | fold -s -w 72 | sed 's/ *$//' > "$TOP/cover/base.txt"

cover=$tmp/0000-cover-letter.patch
python3 "$TOP/scripts/cover.py" "$cover" "$subject" "$TOP/cover"  # the body from cover/
mkdir -p "$TOP/series"
rm -f "$TOP"/series/*.patch
cp "$tmp"/*.patch "$TOP/series/"
series_id "$(base_version)" > "$tree/.git/vnpp-series-id"
step "series/: $(find "$TOP/series" -name '*.patch' | wc -l) files ($(git -C "$tree" rev-list --count "$base..HEAD") patches + cover letter)"
