#!/usr/bin/env python3
"""Change events for benches/sync_scale.sh: N lines of JSON, a mix of what a live
Rocket.Chat produces (subscriptions joined and left, logins rotating tokens,
integrations added and edited, messages the sync ignores), half as MongoDB change
events and half as Debezium records, in increasing version order.

    benches/gen_changes.py N > changes.jsonl
"""
import base64
import hashlib
import json
import random
import sys

n = int(sys.argv[1])
rng = random.Random(42)
GENERAL = "ByehQjC44FwMeiLbX"
clock = [1_800_000_000, 0]


def version():
    clock[1] += 1
    if clock[1] > 50:
        clock[0] += 1
        clock[1] = 1
    return clock[0], clock[1]


def event(coll, _id, doc):
    t, i = version()
    if rng.random() < 0.5:
        e = {"_id": {"_data": f"{t:x}{i:x}"}, "operationType": "delete" if doc is None else "replace",
             "clusterTime": {"$timestamp": {"t": t, "i": i}}, "ns": {"db": "rocketchat", "coll": coll},
             "documentKey": {"_id": _id}}
        if doc is not None:
            e["fullDocument"] = doc
        return e
    payload = {"op": "d" if doc is None else "u", "before": None,
               "after": None if doc is None else json.dumps(doc),
               "source": {"connector": "mongodb", "collection": coll, "ts_ms": t * 1000, "ord": i}}
    return {"key": {"id": json.dumps(_id)}, "value": payload}


def hashed(token):
    return base64.b64encode(hashlib.sha256(token.encode()).digest()).decode()


subscriptions = []
out = sys.stdout
for k in range(n):
    r = rng.random()
    if r < 0.4:
        sid = f"sub{k}"
        subscriptions.append(sid)
        doc = {"_id": sid, "rid": f"room{rng.randrange(500)}", "u": {"_id": f"user{rng.randrange(2000)}"},
               "t": "c", "open": True, "ts": {"$date": "2026-12-01T00:00:00.000Z"}}
        line = event("rocketchat_subscription", sid, doc)
    elif r < 0.5 and subscriptions:
        sid = subscriptions.pop(rng.randrange(len(subscriptions)))
        line = event("rocketchat_subscription", sid, None)
    elif r < 0.8:
        uid = f"user{rng.randrange(2000)}"
        tokens = [{"when": {"$date": "2026-12-01T00:00:00.000Z"}, "hashedToken": hashed(f"{uid}-{k - j}")}
                  for j in range(1 + rng.randrange(3))]
        doc = {"_id": uid, "username": uid, "roles": ["user"], "active": True, "type": "user",
               "services": {"resume": {"loginTokens": tokens}}}
        line = event("users", uid, doc)
    elif r < 0.9:
        iid = f"hook{rng.randrange(200)}"
        doc = {"_id": iid, "type": "webhook-incoming", "name": f"hook {k}", "enabled": True,
               "channel": ["#general"], "username": "rocket.cat", "token": f"t{k}",
               "_createdAt": {"$date": "2026-12-01T00:00:00.000Z"},
               "_createdBy": {"_id": "aobEdbYhXfu5hkeqG", "username": "demo.admin"}}
        line = event("rocketchat_integrations", iid, doc)
    else:
        mid = f"msg{k}"
        line = event("rocketchat_message", mid, {"_id": mid, "rid": GENERAL, "msg": "hello"})
    out.write(json.dumps(line, separators=(",", ":")) + "\n")
