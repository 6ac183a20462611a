# shellcheck shell=bash
# KTAP output, tests numbered automatically. `ktap_plan N` prints the plan up front;
# `ktap_plan` alone defers it: ktap_exit prints "1..<tests emitted>" at the end, for scenarios
# whose test count depends on what they find (a scenario that breaks off before ktap_exit
# then has no plan, which scripts/results.sh reports as a failure).
_ktap_n=0 _ktap_nfail=0 _ktap_nskip=0 _ktap_t0=$SECONDS _ktap_plan=
_ktap_name=$(basename "$0" .sh)
_ktap_line() { local l="$*"; echo "${l//#/-}"; }  # '#' would start a KTAP directive
ktap_plan() { # [N]
	echo "KTAP version 1"
	if [ -n "$1" ]; then echo "1..$1"; _ktap_plan=$1; else _ktap_plan=end; fi
	vn_kmsg "$_ktap_name: start"
}
ktap_ok() { _ktap_n=$((_ktap_n + 1)); _ktap_line "ok $_ktap_n $*"; }
ktap_fail() {
	_ktap_n=$((_ktap_n + 1)) _ktap_nfail=$((_ktap_nfail + 1))
	_ktap_line "not ok $_ktap_n $*"
	vn_kmsg "$_ktap_name: not ok $_ktap_n $*"
}
ktap_skip() { # DESC REASON
	_ktap_n=$((_ktap_n + 1)) _ktap_nskip=$((_ktap_nskip + 1))
	echo "$(_ktap_line "ok $_ktap_n $1") # SKIP ${2:-no reason given}"
}
ktap_result() { # RC DESC: ok if RC is 0, else not ok
	local rc=$1
	shift
	if [ "$rc" = 0 ]; then ktap_ok "$@"; else ktap_fail "$@"; fi
}
ktap_known() { # RC DESC KEY VARIANT: ktap_result, unless VARIANT ships the known bug KEY on this
	# base (tests/known-bugs.txt): then the test must fail, and that failure is an expected one
	# (KTAP TODO); a pass there means the test no longer reaches the bug, and fails
	local rc=$1 desc=$2 why
	why=$(vn_known_bug "$4" "$3")
	if [ -z "$why" ]; then
		ktap_result "$rc" "$desc"
	elif [ "$rc" != 0 ]; then
		_ktap_n=$((_ktap_n + 1))
		echo "$(_ktap_line "not ok $_ktap_n $desc") # TODO known: $(_ktap_line "$why")"
	else
		ktap_fail "$desc (passed on $4, which has the known bug $3: the test did not reach it)"
	fi
}
ktap_diag() { echo "# $*"; }
ktap_exit() { # the deferred plan; report the scenario on the progress line, exit 1 if any test failed
	local pass=$((_ktap_n - _ktap_nfail - _ktap_nskip))
	[ "$_ktap_plan" != end ] || echo "1..$_ktap_n"
	vn_progress "$_ktap_name: $pass ok, $_ktap_nfail failed, $_ktap_nskip skipped ($((SECONDS - _ktap_t0))s)"
	vn_kmsg "$_ktap_name: done"
	exit $((_ktap_nfail > 0))
}
