# Shared helpers for the workbench scripts (sourced, not run).
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${VNPP_BUILD:-$TOP/build}
T0=${T0:-$(date +%s)}
export TOP BUILD T0

step() { printf '[%4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }
die() { echo "error: $*" >&2; exit 1; }

# The identity patches are signed with: git config of the project, else VNPP_NAME/VNPP_EMAIL.
set_ident() {
	local name email
	name=${VNPP_NAME:-$(git -C "$TOP" config user.name || echo 'vnpp developers')}
	email=${VNPP_EMAIL:-$(git -C "$TOP" config user.email || echo 'vnpp@example.org')}
	git -C "$1" config user.name "$name"
	git -C "$1" config user.email "$email"
}
