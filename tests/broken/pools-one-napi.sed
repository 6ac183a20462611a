# pp broken on purpose: every receive queue's page pool bound to queue 0's NAPI instance, so that
# with two queue pairs the second queue's pool recycles directly from the wrong NAPI context:
# the kselftest (page_pool.sh: "one page_pool per RX queue, with its NAPI") in a boot with two
# queue pairs must catch it (tests/known-bugs.txt: pools-one-napi).
s/^\t\tpp_params\.napi = &rq->napi;$/\t\tpp_params.napi = \&vi->rq[0].napi;/
