# pp broken on purpose: in big packets mode the virtio header back where v3 of the series put
# it, 32 bytes (struct padded_vnet_hdr) before the packet instead of right before it, where
# bpf_xdp_metadata_rx_hash() reads it: tests/guest/rxhash.sh in a hash boot must catch it
# (tests/known-bugs.txt: big-hdr-hash).
s/VIRTNET_BIG_HEADROOM - vi->hdr_len/VIRTNET_BIG_HEADROOM - 32/g
