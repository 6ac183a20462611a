# pp broken on purpose: virtnet_probe()'s error path deletes the virtqueues and frees the queues
# without destroying their page pools. tests/guest/probefault.sh must catch it.
/^free_vqs:$/,/^free:$/s/^\tvirtnet_del_vqs(vi);$/\tvdev->config->del_vqs(vdev);\n\tvirtnet_free_queues(vi);/
