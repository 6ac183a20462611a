#!/bin/bash
# Run in-guest scenarios one after another in this boot (the command scripts/check.sh boots).
# Each scenario's output (KTAP) goes to $VNPP_OUT/ktap/<name>.tap and its exit status to
# <name>.rc; between scenarios the driver is unloaded and feature filters are cleared.
# Usage: guest/run.sh SCENARIO.sh...   Exit status: 1 if any scenario failed.
. "$(dirname "$0")/lib.sh"

rm -rf "$VNPP_OUT/ktap"
mkdir -p "$VNPP_OUT/ktap"
worst=0
for s in "$@"; do
	name=$(basename "$s" .sh)
	vn_progress "$name: start"
	timeout -k 10 "${VNPP_SCENARIO_TIMEOUT:-1200}" bash "$s" > "$VNPP_OUT/ktap/$name.tap" 2>&1
	rc=$?
	echo $rc > "$VNPP_OUT/ktap/$name.rc"
	[ $rc = 0 ] || { worst=1; vn_progress "$name: exit status $rc"; }
	vn_unload || { worst=1; vn_progress "$name: virtio_net could not be unloaded after it"; }
	vn_filters_clear
done
exit $worst
