"""`python -m cnnlab.testing.ray_node GCS_ADDRESS TEMP_DIR NUM_CPUS`: one more raylet on 127.0.0.1 joining a
test cluster, running until its process group is killed (see `cnnlab.testing.ray_cluster`).

Ray's node launcher is used directly, as `ray.cluster_utils.Cluster.add_node` does, because `ray start
--address` refuses to add a node in the single-machine mode that keeps every address on the loopback.
"""

from __future__ import annotations

import sys
import time


def main(gcs_address: str, temp_dir: str, num_cpus: int) -> None:
    """Start the raylet and its helpers, say "node started", then wait to be killed."""
    from ray._private.node import Node
    from ray._private.parameter import RayParams

    params = RayParams(gcs_address=gcs_address, node_ip_address="127.0.0.1", num_cpus=num_cpus, num_gpus=0,
                       temp_dir=temp_dir, node_manager_port=0, min_worker_port=0, max_worker_port=0,
                       include_log_monitor=False, object_store_memory=200 * 1024**2)
    Node(params, head=False, shutdown_at_exit=False, spawn_reaper=False)
    print("node started", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
