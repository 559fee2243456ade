#!/usr/bin/env python3
"""From a change event's line being written to `rc-integrations sync -` to the
endpoint answering the change: a new integration on #general, polled every 2 ms.

    benches/sync_latency.py BIN DYNAMODB_URL API_URL [events]   # prints a markdown row
"""
import json
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request

binary, dynamodb, api = sys.argv[1:4]
count = int(sys.argv[4]) if len(sys.argv) > 4 else 20
env = {"AWS_ENDPOINT_URL_DYNAMODB": dynamodb, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
       "AWS_REGION": "us-east-1", "PATH": "/usr/bin:/bin"}
sync = subprocess.Popen([binary, "sync", "-"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL, env=env, text=True)
headers = {"X-Auth-Token": "9HqLlyZOugoStsXCUfD_0YdwnNnunAJF8V47U3QHXSq", "X-User-Id": "aobEdbYhXfu5hkeqG"}
seen = []
for k in range(count):
    hook = f"latency{k}"
    doc = {"_id": hook, "type": "webhook-incoming", "name": hook, "channel": ["#general"],
           "_createdAt": {"$date": "2026-12-01T00:00:00.000Z"}}
    line = {"operationType": "insert", "clusterTime": {"$timestamp": {"t": 1_900_000_000 + k, "i": 1}},
            "ns": {"db": "rocketchat", "coll": "rocketchat_integrations"}, "documentKey": {"_id": hook},
            "fullDocument": doc}
    query = urllib.parse.urlencode({"roomId": "ByehQjC44FwMeiLbX", "includeAllPublicChannels": "false",
                                    "query": json.dumps({"_id": hook})})
    start = time.perf_counter()
    sync.stdin.write(json.dumps(line) + "\n")
    sync.stdin.flush()
    while True:
        body = json.load(urllib.request.urlopen(urllib.request.Request(f"{api}?{query}", headers=headers)))
        if body.get("count") == 1:
            break
        if time.perf_counter() - start > 10:
            sys.exit(f"{hook} not visible after 10 s")
        time.sleep(0.002)
    seen.append((time.perf_counter() - start) * 1000)
sync.stdin.close()
sync.wait()
print(f"| {count} | {statistics.median(seen):.1f} | {max(seen):.1f} | ≤ 1000 |")
