# pp broken on purpose: virtnet_remove() destroys no page pool (freeze, which shares the path,
# still does: the netdev is unregistered only on remove). After freeze/restore cycles every pool
# was created while its device was in vnA or vnB; tests/guest/freeze.sh's final check must still
# see them (guest/lib/wire.sh: vn_unwire keeps the namespaces).
s/^\t\tpage_pool_destroy(vi->rq\[i\]\.page_pool);$/\t\tif (vi->dev->reg_state != NETREG_UNREGISTERED)\n&/
