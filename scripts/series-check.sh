#!/bin/bash
# The checks a maintainer's tooling runs on the base's series folders (6.12: series/; 7.3:
# series-net/, series-vdpa/, series-net-next/): applied in that order with git am on a clean copy of
# the base, each patch builds the driver on its own with no new warnings against the base with
# gcc W=1 and sparse (C=2), clang W=1 and gcc W=1 for 32-bit x86 (scripts/kbuild-extra.sh),
# and so does any other C file under drivers/ a patch touches, against its previous version,
# kernel-doc -Wall finds nothing new in the C files it touches, checkpatch --strict --codespell
# is clean, and git send-email --dry-run accepts the series with get_maintainer.pl's
# recipients. Prints KTAP lines; exit status 1 on a failure.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

obj=$KBUILD
wt=$BUILD/series-check$BSFX
base_repo=$(git -C "$TREE" config --get remote.origin.url)
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n $*"; }
diag() { sed 's/^/# /'; }

# Warnings of an external build of one C file of the copy with W=1 (with the headers of its
# directory), line numbers dropped. BUILD: gcc (the lean kernel's build, with sparse; virtio_net
# linked as the module, another file its object only), clang or i386 (the object only, in the
# build directory scripts/kbuild-extra.sh prepared: its make arguments in $extra_args).
declare -A extra_args
warnings() { # BUILD FILE (relative to the copy)
	local dir=$wt-mod-$1 args name
	name=$(basename "$2" .c)
	case $1 in
	gcc) args=(-C "$obj" C=2 CHECK="sparse -Wno-unknown-attribute")
		if [ "$name" = virtio_net ]; then args+=(modules); else args+=("$name.o"); fi ;;
	*) read -ra args <<< "${extra_args[$1]}"; args=(-C "$TREE" "${args[@]}" "$name.o") ;;
	esac
	rm -rf "$dir" && mkdir -p "$dir"
	find "$wt/${2%/*}" -maxdepth 1 -name '*.h' -exec cp -t "$dir/" {} +
	cp "$wt/$2" "$dir/" && echo "obj-m += $name.o" > "$dir/Kbuild"
	make -s M="$dir" W=1 "${args[@]}" > "$dir/log" 2>&1 || echo "BUILD FAILED"
	grep -E 'warning|error|FAILED' "$dir/log" | sed -E 's/:[0-9]+(:[0-9]+)?:/:/' | sort -u || true
}
# The warnings of every build of $builds at once (one core each: make check runs this while the
# other core would idle), into $wt-warn-BUILD
all_warnings() { # FILE
	local b
	for b in "${builds[@]}"; do warnings "$b" "$1" > "$wt-warn-$b" & done
	wait
}
# Each build's new warnings in FILE ($wt-warn-BUILD) against $wt-BEFORE-BUILD, one result line
# per build.
new_warnings() { # FILE PATCH-NAME BEFORE WHAT-BEFORE
	local b new
	for b in "${builds[@]}"; do
		new=$(comm -13 "$wt-$3-$b" "$wt-warn-$b")
		if [ -z "$new" ]; then ok "builds, no new $(build_label "$b") warnings in ${1##*/} after $2 ($4)"
		else echo "$new" | diag; not_ok "builds, no new $(build_label "$b") warnings in ${1##*/} after $2 ($4)"; fi
	done
}
build_label() { # BUILD
	case $1 in
	gcc) echo "W=1/sparse" ;;
	clang) echo "clang W=1" ;;
	i386) echo "32-bit (i386) W=1" ;;
	esac
}

# kernel-doc -Wall's warnings of FILE at REV of the copy, line numbers dropped (none if FILE is
# not there at REV)
kdoc_warnings() { # REV FILE
	local tmp=$wt-kdoc/${2##*/}
	mkdir -p "${tmp%/*}"
	git -C "$wt" show "$1:$2" > "$tmp" 2>/dev/null || : > "$tmp"
	# 6.12's kernel-doc says "FILE:LINE: warning: ...", 7.3's "Warning: FILE:LINE ..."
	(cd "$wt" && ./scripts/kernel-doc -Wall -none "$tmp" 2>&1) | sed -E 's/:[0-9]+([: ])/\1/' | sort -u
}

# codespell's dictionary (what checkpatch finds itself) without the words that are names here:
# "inflight" is the page pool's netlink attribute (Documentation/netlink/specs/netdev.yaml)
codespell_dict=$wt-codespell.txt
grep -v '^inflight->' "$(dpkg -L codespell | grep -m1 '/data/dictionary.txt$')" > "$codespell_dict" ||
	die "no codespell dictionary (package codespell)"

echo "KTAP version 1"
rm -rf "$wt" && git -C "$base_repo" worktree prune
git -C "$base_repo" worktree add -q --detach "$wt" base
set_ident "$wt"
builds=(gcc)
for b in clang i386; do
	if a=$(bash "$TOP/scripts/kbuild-extra.sh" "$b" 2> "$wt-$b.err"); then
		extra_args[$b]=$(xargs <<< "$a") builds+=("$b")
		ok "$(build_label "$b") build directory prepared"
	else
		diag < "$wt-$b.err"; not_ok "$(build_label "$b") build directory prepared"
	fi
done
vnet=drivers/net/virtio_net.c
all_warnings $vnet
for b in "${builds[@]}"; do
	cp "$wt-warn-$b" "$wt-base-$b"
	echo "# base: $(grep -c . "$wt-base-$b") $(build_label "$b") warnings in virtio_net.c"
done
# Kbuild drops C=2 with only a warning when the tree finds sparse too old (its
# scripts/checker-valid.sh): say so, not a silent pass
if grep -q 'is not available or not up to date' "$wt-mod-gcc/log"; then
	ok "sparse runs on this tree # SKIP this sparse ($(sparse --version)) is too old for Linux $(make -s -C "$wt" kernelversion) (scripts/checker-valid.sh), and Debian's newer ones need a newer glibc: W=1 only"
else
	ok "sparse runs on this tree"
fi

for p in $(series_patches); do
	name=$(basename "$p")
	if ! git -C "$wt" am -q "$p"; then
		git -C "$wt" am --show-current-patch=diff 2>&1 | tail -5 | diag
		not_ok "git am $name"; git -C "$wt" am --abort; break
	fi
	ok "git am $name"
	# virtio_net.c after every patch, against the base; another C file a patch touches, against
	# that file and its directory's headers before the patch
	all_warnings $vnet
	new_warnings $vnet "$name" base "against the base"
	while read -r f; do
		git -C "$wt" checkout -q HEAD^ -- "${f%/*}" 2> /dev/null && [ -e "$wt/$f" ] || : > "$wt/$f"
		all_warnings "$f"
		for b in "${builds[@]}"; do cp "$wt-warn-$b" "$wt-old-$b"; done
		git -C "$wt" checkout -q HEAD -- "${f%/*}"
		all_warnings "$f"
		new_warnings "$f" "$name" old "against the file before it"
	done < <(sed -n 's|^+++ b/||p' "$p" | grep -E '^drivers/.*\.c$' | grep -vxF $vnet)
	new=$(while read -r f; do
		comm -13 <(kdoc_warnings HEAD^ "$f") <(kdoc_warnings HEAD "$f")
	done < <(sed -n 's|^+++ b/||p' "$p" | grep -E '\.[ch]$'))
	if [ -z "$new" ]; then ok "kernel-doc -Wall: nothing new in the C files of $name"
	else echo "$new" | diag; not_ok "kernel-doc -Wall: nothing new in the C files of $name"; fi
	# Exceptions: FILE_PATH_CHANGES ("does MAINTAINERS need updating?") is raised for any new
	# file; instead, every new file must already be covered by a MAINTAINERS F: entry.
	# UNKNOWN_COMMIT_ID: the base is a one-commit tree made from Debian's tarball, without
	# upstream history, so a Fixes: hash cannot be looked up here (its format still is).
	out=$(cd "$wt" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict --codespell --codespellfile "$codespell_dict" --quiet \
		--ignore FILE_PATH_CHANGES,UNKNOWN_COMMIT_ID "$p" 2>&1)
	if [ -z "$out" ]; then ok "checkpatch --strict --codespell $name"
	else echo "$out" | diag; not_ok "checkpatch --strict --codespell $name"; fi
	uncovered=
	while read -r f; do
		grep -q "^--- /dev/null" <(grep -B1 "^+++ b/$f$" "$p") || continue
		(cd "$wt" && ./scripts/get_maintainer.pl --nogit --nogit-fallback -f "$f" | grep -q '(maintainer:') ||
			uncovered+=" $f"
	done < <(sed -n 's|^+++ b/||p' "$p")
	if [ -z "$uncovered" ]; then ok "new files of $name have a maintainer in MAINTAINERS"
	else echo "$uncovered" | diag; not_ok "new files of $name have a maintainer in MAINTAINERS"; fi
	if grep -q '^Signed-off-by: .* <.*@.*>' "$p"; then ok "Signed-off-by in $name"
	else not_ok "Signed-off-by in $name"; fi
done

# send-email dry run: the recipients in the headers are what get_maintainer.pl gave. Nothing
# may depend on the machine: the sender is the patches' author (not the git identity of
# whoever runs it), and setsid leaves it no terminal to prompt on (CI may have one).
for d in $SERIES_DIRS; do
	[ -d "$TOP/$d" ] || continue
	first=$(find "$TOP/$d" -maxdepth 1 -name '0*.patch' | sort | head -1)
	[ -n "$first" ] || continue
	author=$(git mailinfo /dev/null /dev/null < "$first")
	name=$(sed -n 's/^Author: //p' <<< "$author") email=$(sed -n 's/^Email: //p' <<< "$author")
	from="$name <$email>"
	if out=$(GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email \
		GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email \
		setsid -w git -C "$wt" send-email --dry-run --confirm=never --smtp-server=/bin/true \
		--from="$from" --8bit-encoding=UTF-8 --suppress-cc=self "$TOP/$d"/*.patch \
		2>&1 < /dev/null) &&
		grep -q '^Dry-OK' <<< "$out"; then
		# here-strings, not pipes: the output is over 64 KiB, and `echo | grep -q` under
		# pipefail fails whenever grep exits before echo has written it all (SIGPIPE)
		ok "git send-email --dry-run $d/ ($(grep -c '^Dry-OK' <<< "$out") mails)"
		grep -m1 -E '^(To|Cc):' <<< "$out" | diag
	else
		grep -v '^(mbox)' <<< "$out" | tail -12 | diag
		not_ok "git send-email --dry-run $d/"
	fi
done
git -C "$base_repo" worktree remove --force "$wt"
echo "1..$n"
exit $failed
