#!/usr/bin/env python3
"""Writes a Rocket.Chat export directory for import benchmarks: N subscriptions
(default 1,000,000) shaped as Rocket.Chat stores them, plus a few users, rooms,
teams and integrations.

    benches/gen_subscriptions.py DIR [N]
"""
import base64
import hashlib
import json
import os
import sys

ROOMS = 2000


def hashed(token):
    return base64.b64encode(hashlib.sha256(token.encode()).digest()).decode()


def write_lines(path, docs):
    with open(path, "w") as out:
        for doc in docs:
            out.write(json.dumps(doc, separators=(",", ":")))
            out.write("\n")


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) == 3 else 1_000_000
    os.makedirs(out, exist_ok=True)
    users = max(1, count // ROOMS)
    write_lines(os.path.join(out, "users.json"), (
        {
            "_id": f"user{u:07d}", "username": f"user{u}", "roles": ["admin" if u == 0 else "user"],
            "active": True,
            "services": {"resume": {"loginTokens": [
                {"type": "personalAccessToken", "name": "bench", "hashedToken": hashed(f"token-{u}")}]}},
        }
        for u in range(min(users, 100))
    ))
    write_lines(os.path.join(out, "rocketchat_room.json"), (
        {"_id": f"room{r:05d}", "name": f"channel-{r}", "t": "c" if r % 4 else "p",
         "teamId": f"team{r % 10}" if r % 7 == 0 else None, "usersCount": users}
        for r in range(ROOMS)
    ))
    write_lines(os.path.join(out, "rocketchat_team.json"), (
        {"_id": f"team{t}", "name": f"team-{t}", "type": t % 2} for t in range(10)
    ))
    write_lines(os.path.join(out, "rocketchat_integrations.json"), (
        {"_id": f"integration{i}", "type": "webhook-outgoing", "name": f"hook {i}", "enabled": True,
         "channel": [f"#channel-{i}", f"#room{i + 1:05d}"], "event": "sendMessage",
         "urls": ["https://example.org/hook"], "_createdAt": {"$date": "2020-01-01T00:00:00.000Z"},
         "_createdBy": {"_id": "user0000000", "username": "user0"}}
        for i in range(50)
    ))
    with open(os.path.join(out, "rocketchat_subscription.json"), "w") as f:
        for i in range(count):
            room, user = i % ROOMS, i // ROOMS
            f.write(json.dumps({
                "_id": f"sub{i:08d}", "open": True, "alert": False, "unread": 0, "userMentions": 0,
                "groupMentions": 0, "ts": {"$date": "2021-03-04T05:06:07.089Z"},
                "rid": f"room{room:05d}", "name": f"channel-{room}", "fname": f"channel-{room}",
                "t": "c", "u": {"_id": f"user{user:07d}", "username": f"user{user}", "name": f"User {user}"},
                "_updatedAt": {"$date": "2021-03-04T05:06:07.089Z"}, "ls": {"$date": "2021-03-04T05:06:07.089Z"},
                "roles": ["owner"] if user == 0 else None,
            }, separators=(",", ":")))
            f.write("\n")


if __name__ == "__main__":
    main()
