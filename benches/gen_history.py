#!/usr/bin/env python3
"""Writes a Rocket.Chat export directory for the history benchmark: N runs of
`rocketchat_integration_history` (default 1,000,000), shaped as Rocket.Chat's
`updateHistory` writes them (the integration's snapshot, the message data, the HTTP
call and result; about 1.6 KB each), spread over K outgoing integrations (default
1,000), plus an admin and a bot-builder owning the first integration.

    benches/gen_history.py DIR [N] [K]

The admin is `user0000000` with token `token-0`; the integration every measurement
reads is `hook0000000`, whose runs are N / K.
"""
import base64
import hashlib
import json
import os
import sys


def hashed(token):
    return base64.b64encode(hashlib.sha256(token.encode()).digest()).decode()


def write_lines(path, docs):
    with open(path, "w") as out:
        for doc in docs:
            out.write(json.dumps(doc, separators=(",", ":")))
            out.write("\n")


def iso(ms):
    seconds, millis = divmod(ms, 1000)
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def main():
    if len(sys.argv) not in (2, 3, 4):
        sys.exit(__doc__)
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    hooks = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000
    os.makedirs(out, exist_ok=True)
    users = [("user0000000", ["admin"], "token-0"), ("user0000001", ["user", "bot-builder"], "token-1")]
    write_lines(os.path.join(out, "users.json"), (
        {"_id": uid, "username": uid, "roles": roles, "active": True,
         "services": {"resume": {"loginTokens": [
             {"type": "personalAccessToken", "name": "bench", "hashedToken": hashed(token)}]}}}
        for uid, roles, token in users))
    write_lines(os.path.join(out, "rocketchat_permissions.json"), [
        {"_id": "manage-outgoing-integrations", "roles": ["admin"]},
        {"_id": "manage-own-outgoing-integrations", "roles": ["admin", "bot-builder"]},
    ])
    write_lines(os.path.join(out, "rocketchat_room.json"),
                [{"_id": "benchRoom0000001", "name": "bench", "t": "c"}])
    snapshot = lambda h: {
        "_id": f"hook{h:07d}", "type": "webhook-outgoing", "name": f"Hook {h}", "enabled": True,
        "event": "sendMessage", "channel": ["#bench"], "urls": [f"https://hooks.example.org/{h}"],
        "triggerWords": ["deploy"], "token": f"tok{h:07d}", "scriptEnabled": True,
        "script": "class Script { prepare_outgoing_request({ request }) { return request; } }",
        "_createdBy": {"_id": "user0000001", "username": "user0000001"},
        "_createdAt": {"$date": "2024-01-01T00:00:00.000Z"},
    }
    write_lines(os.path.join(out, "rocketchat_integrations.json"), (snapshot(h) for h in range(hooks)))
    start = 1_700_000_000_000

    def runs():
        for n in range(count):
            h = n % hooks
            at = {"$date": iso(start + n * 1000)}
            text = f"deploy build {n} to staging, please"
            yield {
                "_id": f"run{n:010d}", "type": "outgoing-webhook", "step": "finished",
                "integration": snapshot(h), "event": "sendMessage", "_createdAt": at, "_updatedAt": at,
                "data": {"token": f"tok{h:07d}", "bot": False, "trigger_word": "deploy",
                         "channel_id": "benchRoom0000001", "channel_name": "bench",
                         "message_id": f"msg{n:010d}", "timestamp": at, "user_id": "user0000000",
                         "user_name": "user0000000", "text": text},
                "triggerWord": "deploy", "ranPrepareScript": True, "url": f"https://hooks.example.org/{h}",
                "httpCallData": {"text": text, "channel": "#bench"},
                "httpResult": json.dumps({"ok": True, "id": n}), "finished": True,
            }

    write_lines(os.path.join(out, "rocketchat_integration_history.json"), runs())


if __name__ == "__main__":
    main()
