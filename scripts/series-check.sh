#!/bin/bash
# The checks a maintainer's tooling runs on series/: applied with git am on a clean copy of
# the base, each patch builds the driver on its own with no new W=1 or sparse (C=2) warnings
# against the base, checkpatch --strict is clean, and git send-email --dry-run accepts the
# series with get_maintainer.pl's recipients. Prints KTAP lines; exit status 1 on a failure.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

obj=$BUILD/kbuild
wt=$BUILD/series-check
base_repo=$(git -C "$BUILD/linux" config --get remote.origin.url)
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n $*"; }
diag() { sed 's/^/# /'; }

# Warnings of an external build of one virtio_net.c with W=1 and sparse, line numbers dropped.
warnings() { # source-file
	local dir=$wt-mod
	rm -rf "$dir" && mkdir -p "$dir"
	cp "$1" "$dir/" && echo 'obj-m += virtio_net.o' > "$dir/Kbuild"
	make -s -C "$obj" M="$dir" W=1 C=2 CHECK="sparse -Wno-unknown-attribute" modules > "$dir/log" 2>&1 || echo "BUILD FAILED"
	grep -E 'warning|error|FAILED' "$dir/log" | sed -E 's/:[0-9]+(:[0-9]+)?:/:/' | sort -u
}

echo "KTAP version 1"
rm -rf "$wt" && git -C "$base_repo" worktree prune
git -C "$base_repo" worktree add -q --detach "$wt" base
set_ident "$wt"
base_warn=$(warnings "$wt/drivers/net/virtio_net.c")
echo "# base: $(echo "$base_warn" | grep -c . ) W=1/sparse warnings in virtio_net.c"

for p in $(series_patches); do
	name=$(basename "$p")
	if ! git -C "$wt" am -q "$p"; then
		not_ok "git am $name"; git -C "$wt" am --abort; break
	fi
	ok "git am $name"
	new=$(comm -13 <(echo "$base_warn") <(warnings "$wt/drivers/net/virtio_net.c"))
	if [ -z "$new" ]; then ok "builds, no new W=1/sparse warnings after $name"
	else not_ok "builds, no new W=1/sparse warnings after $name"; echo "$new" | diag; fi
	# Exceptions: FILE_PATH_CHANGES ("does MAINTAINERS need updating?") is raised for any new
	# file; instead, every new file must already be covered by a MAINTAINERS F: entry.
	# UNKNOWN_COMMIT_ID: the base is a one-commit tree made from Debian's tarball, without
	# upstream history, so a Fixes: hash cannot be looked up here (its format still is).
	out=$(cd "$wt" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict --quiet \
		--ignore FILE_PATH_CHANGES,UNKNOWN_COMMIT_ID "$p" 2>&1)
	if [ -z "$out" ]; then ok "checkpatch --strict $name"
	else not_ok "checkpatch --strict $name"; echo "$out" | diag; fi
	uncovered=
	while read -r f; do
		grep -q "^--- /dev/null" <(grep -B1 "^+++ b/$f$" "$p") || continue
		(cd "$wt" && ./scripts/get_maintainer.pl --nogit --nogit-fallback -f "$f" | grep -q '(maintainer:') ||
			uncovered+=" $f"
	done < <(sed -n 's|^+++ b/||p' "$p")
	if [ -z "$uncovered" ]; then ok "new files of $name have a maintainer in MAINTAINERS"
	else not_ok "new files of $name have a maintainer in MAINTAINERS"; echo "$uncovered" | diag; fi
	if grep -q '^Signed-off-by: .* <.*@.*>' "$p"; then ok "Signed-off-by in $name"
	else not_ok "Signed-off-by in $name"; fi
done

# send-email dry run: the recipients in the headers are what get_maintainer.pl gave.
if out=$(git -C "$wt" send-email --dry-run --confirm=never --smtp-server=/bin/true \
	--suppress-cc=self "$TOP"/series/*.patch 2>&1) && echo "$out" | grep -q '^Dry-OK'; then
	ok "git send-email --dry-run ($(echo "$out" | grep -c '^Dry-OK') mails)"
	echo "$out" | grep -m1 -E '^(To|Cc):' | diag
else
	not_ok "git send-email --dry-run"; echo "$out" | tail -5 | diag
fi
git -C "$base_repo" worktree remove --force "$wt"
echo "1..$n"
exit $failed
