#!/bin/bash
# `make lint`: the workbench's static checks, as KTAP; exit status 1 on any finding.
#   - shellcheck (default severity, .shellcheckrc) on every tracked shell file, and on the shell
#     files the series add (6.12's selftest), rebuilt from every series folder of every base
#     (series/, series-net/, series-vdpa/, series-net-next/) so no kernel tree is needed;
#   - executable bits: a file with a #! line is executable, a sourced shell library is not and
#     names its shell for shellcheck;
#   - pyflakes on every tracked Python file.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1

echo "KTAP version 1"
mapfile -t sh < <(git ls-files '*.sh' .ci/run)
out=$(shellcheck -f gcc "${sh[@]}" 2>&1)
ktap_result $? "shellcheck: ${#sh[@]} workbench shell files" "$out"

# A file the series add, as it stands in the tree after the series (from the patch's + lines).
# Not one base's folders: lint runs once, whichever base make check starts with.
SERIES_DIRS='series series-net series-vdpa series-net-next'
dir=$BUILD/lint
rm -rf "$dir" && mkdir -p "$dir"
new=()
while read -r p; do
	while read -r f; do
		sed -n "\\|^+++ b/$f\$|,/^diff --git/{/^+[^+]/s/^+//p;/^+\$/s/^+//p}" "$p" > "$dir/${f##*/}"
		new+=("$dir/${f##*/}")
	done < <(awk '/^--- \/dev\/null/ { n = 1; next } n && /^\+\+\+ b\/.*\.sh$/ { print substr($2, 3) } { n = 0 }' "$p")
done < <(series_patches)
if [ ${#new[@]} = 0 ]; then
	ktap_result 1 "shellcheck: the series' shell files" "no new shell file found in $SERIES_DIRS"
else
	out=$(cd "$dir" && shellcheck -f gcc "${new[@]##*/}" 2>&1)
	ktap_result $? "shellcheck: the series' shell files (${new[*]##*/})" "$out"
fi

bad=
while read -r mode _ _ f; do
	if head -c2 "$f" | grep -q '^#!'; then
		[ "$mode" = 100755 ] || bad+="$f: has a #! line but is not executable"$'\n'
	elif [[ $f == *.sh ]]; then
		[ "$mode" = 100644 ] || bad+="$f: a sourced library, but executable"$'\n'
		grep -q '^# shellcheck shell=' "$f" || bad+="$f: a sourced library without '# shellcheck shell=...'"$'\n'
	fi
done < <(git ls-files -s)
ktap_result "$([ -z "$bad" ]; echo $?)" "executable bits and shell directives" "${bad%$'\n'}"

mapfile -t py < <(git ls-files '*.py')
out=$(pyflakes3 "${py[@]}" 2>&1)
ktap_result $? "pyflakes: ${#py[@]} Python files" "$out"

echo "1..$KTAP_N"
exit "$KTAP_FAILED"
