# shellcheck shell=bash
# The scenarios' knobs. Cycle counts and sizes: every knob is an environment variable with a CI
# default (what `make check` runs under TCG) and the issue's full value, taken when EDGE_FULL=1
# (e.g. `scripts/vm.sh -- env EDGE_FULL=1 guest/run.sh tests/guest/rebind.sh`). A knob set
# explicitly wins over both. Scenarios print the values they used as diag lines.
# EDGE_VARIANTS: the variants the edge-case scenarios run (default "base $PATCHED": pp on 6.12,
# next on 7.3).
: "${EDGE_FULL:=0}"
# shellcheck disable=SC2034  # (used by the scenarios)
read -ra VN_VARIANTS <<< "${EDGE_VARIANTS:-base $PATCHED}"
vn_variants() { # LIST: a scenario's variants knob, spaces or commas (boots.txt values have no
	# spaces), one variant a line
	local v
	for v in ${1//,/ }; do echo "$v"; done
}

vn_knob() { # NAME CI_DEFAULT FULL_DEFAULT: the knob's value
	local v=${!1}
	if [ -z "$v" ]; then
		if [ "$EDGE_FULL" = 1 ]; then v=$3; else v=$2; fi
	fi
	echo "$v"
}
