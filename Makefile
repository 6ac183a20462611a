# Workbench entry points. `make check` is what CI runs (.ci/run): scripts/check-all.sh, that is
# scripts/check.sh on Linux 6.12 (the boots of tests/boots.txt, the first one on the debug kernel)
# and on Linux 7.3 (tests/boots-7.3.txt), 7.3's build beside 6.12's boots; VNPP_BASES picks the
# bases.
PROFILE ?= mergeable,nodma
SECS ?= 10

.PHONY: check check-full check-debug lint deps tree kernel modules progs netlib series series-check bench smoke shell repeat

check:
	bash scripts/check-all.sh

# The same with the edge-case scenarios' full cycle counts and sizes (EDGE_FULL=1, guest/lib/knobs.sh):
# hours under TCG, far over CI's budget. VNPP_BASE=7.3: tests/boots-full-7.3.txt.
FULL_BOOTS = tests/boots-full$(if $(filter 7.3,$(VNPP_BASE)),-7.3).txt
check-full:
	VNPP_BOOTS=$(FULL_BOOTS) EDGE_FULL=1 VNPP_SCENARIO_TIMEOUT=7200 VNPP_BOOT_TIMEOUT=21600 bash scripts/check.sh

# The debug kernel flavour (config/vnpp-debug.config: KASAN, lockdep, kmemleak, ...), its own
# build (build/kbuild-debug: 16 minutes with an empty ccache here) and the boots of
# tests/boots-debug.txt (VNPP_BASE=7.3: tests/boots-debug-7.3.txt), with longer timeouts
# (everything runs 5-15 times slower under KASAN and TCG).
DEBUG_BOOTS = tests/boots-debug$(if $(filter 7.3,$(VNPP_BASE)),-7.3).txt
check-debug:
	VNPP_FLAVOUR=debug VNPP_BOOTS=$(DEBUG_BOOTS) VNPP_SCENARIO_TIMEOUT=5400 KSELFTEST_TIMEOUT=2700 \
		VNPP_BOOT_TIMEOUT=14400 bash scripts/check.sh

# One boots line again and again, then a tally: LINE=N (of tests/boots.txt) TIMES=20 (scripts/repeat.sh).
repeat:
	bash scripts/repeat.sh

# lint: shellcheck, executable bits, pyflakes (also the first step of make check).
# series: BENCH=build/bench/<run> takes that benchmark run into the cover letter.
lint deps tree kernel modules progs netlib series series-check:
	bash scripts/$@.sh

# The benchmark (scripts/bench.sh): mergeable, small and big packets, one queue, DMA API off/on/strict vIOMMU;
# FULL=1 the whole matrix, QUICK=1 a short smoke run.
bench:
	bash scripts/bench.sh

# Quick look at the wire: one boot, iperf3 A->B for SECS seconds with base and pp.
smoke:
	bash scripts/vm.sh -p $(PROFILE) -o build/smoke -- env SMOKE_SECS=$(SECS) tests/guest/smoke.sh; \
		rc=$$?; grep -h '^# ' build/smoke/guest.log; exit $$rc

# A root shell on the guest console (Ctrl-A x quits QEMU).
shell:
	bash scripts/vm.sh -s -p $(PROFILE)
