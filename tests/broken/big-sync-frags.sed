# pp broken on purpose: in big packets mode only the first page of a packet is synced for the
# CPU, not the pages after it. Where the pool's mappings bounce the data of those pages stays in
# the bounce buffer: on 6.12 that is VDUSE (its dma_map_ops bounce, and the pools map through
# them), where the VDUSE boot's big packets stream must catch it (tests/known-bugs.txt:
# big-sync-frags). swiotlb=force cannot: the pools do not map there.
/^static void virtnet_big_buf_sync(/,/^}/s/^\t\tpage_pool_dma_sync_for_cpu(rq->page_pool, bb->pages\[i\], 0, size);$/\t\tcontinue;/
