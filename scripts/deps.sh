#!/bin/bash
# Install the Debian packages the workbench uses (idempotent: a no-op when all are present).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkgs=(
	build-essential flex bison bc libelf-dev libssl-dev dwarves cpio kmod rsync ccache sparse
	qemu-system-x86 iproute2 iputils-ping ethtool iperf3 socat jq python3 python3-yaml python3-ply python3-git
	clang llvm libbpf-dev libxdp-dev bpftool gnuplot-nox git git-email perl
	clang-19 lld-19 llvm-19  # series-check's clang build: 7.3 needs LLVM 17 or newer, Debian 12's clang is 14
	shellcheck pyflakes3 codespell  # make lint, checkpatch --codespell
	libmnl0  # the newer ethtool of scripts/tools.sh
	libmailtools-perl libemail-valid-perl  # git send-email (recommended by git-email, not pulled in)
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	step "packages: all ${#pkgs[@]} present"
	exit 0
fi
step "installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" > "$BUILD/apt.log" 2>&1 || { tail -20 "$BUILD/apt.log"; die "apt-get install failed"; }
step "packages installed"
