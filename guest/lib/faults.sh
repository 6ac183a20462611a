# shellcheck shell=bash
# Fault injection (Documentation/fault-injection/fault-injection.rst): fail_page_alloc and
# failslab, without fault reports (verbose=0: a report has a stack trace, which the console
# scan would flag). The faults injected are counted from `times`, which counts down.
# shellcheck disable=SC2034  # (used by the scenarios)
VN_FPA=/sys/kernel/debug/fail_page_alloc VN_FSL=/sys/kernel/debug/failslab
_VN_FAULT_TIMES=1000000
vn_fault_set() { # DIR PROBABILITY IGNORE_GFP_WAIT [TASK_FILTER]: min-order 0 for fail_page_alloc
	# (its default, 1, spares order-0 pages), every cache for failslab; TASK_FILTER=Y: only the
	# tasks with /proc/PID/make-it-fail set
	echo 0 > "$1/probability"
	echo 0 > "$1/verbose"
	echo 1 > "$1/interval"
	echo 0 > "$1/space"
	echo "${4:-N}" > "$1/task-filter"
	echo "$3" > "$1/ignore-gfp-wait"
	[ "$1" != "$VN_FSL" ] || echo N > "$1/cache-filter"
	[ "$1" != "$VN_FPA" ] || echo 0 > "$1/min-order"
	echo $_VN_FAULT_TIMES > "$1/times"
	echo "$2" > "$1/probability"
}
vn_fault_off() { # DIR: stop injecting; prints the number of faults injected since vn_fault_set
	local left
	echo 0 > "$1/probability"
	read -r left < "$1/times"
	echo $((_VN_FAULT_TIMES - left))
	echo -1 > "$1/times"
	echo Y > "$1/ignore-gfp-wait"
	echo N > "$1/task-filter"
	[ "$1" != "$VN_FPA" ] || echo 1 > "$1/min-order"
	[ ! -e "$1/require-start" ] || {
		echo 0 > "$1/require-start" && echo -1 > "$1/require-end"
		echo 0 > "$1/reject-start" && echo 0 > "$1/reject-end"
	}
}
vn_fault_within() { # DIR MODULE [FUNC]: only calls with MODULE's code on their stack fail (from
	# its .text for as many bytes as /proc/modules gives it), and with FUNC, a kernel function,
	# not on it (CONFIG_FAULT_INJECTION_STACKTRACE_FILTER)
	local text size range
	read -r text < "/sys/module/$2/sections/.text" &&
		size=$(awk -v m="$2" '$1 == m { print $2 }' /proc/modules) && [ -n "$size" ] || return 1
	# (the debugfs files take hex; bash's 64-bit arithmetic wraps, as addresses do)
	echo "$text" > "$1/require-start" && printf '%#x\n' "$((text + size))" > "$1/require-end" || return 1
	[ -n "${3:-}" ] || return 0
	read -ra range <<< "$(vn_text_range "$3")"
	[ ${#range[@]} = 2 ] && echo "${range[0]}" > "$1/reject-start" && echo "${range[1]}" > "$1/reject-end"
}
vn_text_range() { # FUNC: "START END" of a kernel function, END the address of the symbol after it
	# (kallsyms' addresses have a fixed width: sorted as text, they are sorted by value)
	sort /proc/kallsyms | awk -v f="$1" 'start != "" && $1 != start { print "0x" start, "0x" $1; exit }
		$3 == f && start == "" { start = $1 }'
}
vn_failing() { # CMD...: run CMD (a function too) in a subshell with make-it-fail set, which its
	# children inherit (vn_fault_set ... Y fails only such tasks)
	(echo 1 > "/proc/$BASHPID/make-it-fail" && "$@")
}
