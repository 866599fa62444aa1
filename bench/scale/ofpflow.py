"""Child process of bench/scale.bench.ts: the anchor for parsing — the OVS Python flow parser
(ovs.flow.ofp.OFPFlow, Debian python3-openvswitch) over every flow line of a dump.
Prints {"ms": parse time, "cpuMs", "flows", "errors"} as JSON.
    python3 bench/scale/ofpflow.py <dump file>
"""
import json
import sys
import time

from ovs.flow.ofp import OFPFlow

with open(sys.argv[1]) as f:
    lines = [l.strip() for l in f]
lines = [l for l in lines if l and not l.startswith('#') and ' reply ' not in l[:40]]
t0 = time.perf_counter()
c0 = time.process_time()
n = 0
errors = 0
for line in lines:
    try:
        OFPFlow(line)
        n += 1
    except Exception:  # noqa: BLE001 - the anchor counts what it cannot read
        errors += 1
print(json.dumps({"ms": (time.perf_counter() - t0) * 1000, "cpuMs": (time.process_time() - c0) * 1000, "flows": n, "errors": errors}))
