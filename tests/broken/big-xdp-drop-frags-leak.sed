# pp broken on purpose: in big packets mode an XDP program's XDP_DROP (or aborted) returns the
# first page of a multi-buffer frame to the pool but not its frags. Those pages stay in flight
# for good and the pool can never be destroyed: tests/guest/xdp.sh (multi-buffer XDP_DROP at
# MTU 9000, then the final unload) must catch it.
/^static struct sk_buff \*receive_big_xdp(/,/^}/{/^\tput_xdp_frags(rq, &xdp);$/d}
