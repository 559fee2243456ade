//! Room access (contract §5a): may the caller access the room at all? Rocket.Chat's
//! `canAccessRoom`, evaluated over what has been read so far.
//!
//! The rules are evaluated three-valued: a rule holds, fails, or cannot tell until
//! some keys are read. Access is allowed as soon as one rule holds, so the cheap
//! rules (decided by the first round's reads) never wait for the others; only when
//! none holds are the missing keys of all undecided rules read, together, in one
//! more round.

use crate::access::{self, holds};
use crate::fetch::Facts;
use crate::model::{PermissionRoles, RoomRecord, RoomType, TeamType, UserRecord};
use crate::store::{Key, Record};

/// Discussions follow their parent at most this many levels up.
pub const MAX_PARENT_LEVELS: usize = 8;

/// Rocket.Chat's internal bot, which may access every omnichannel room.
const ROCKET_CAT: &str = "rocket.cat";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny,
    /// Undecided until these keys are read (none of them read before).
    Need(Vec<Key>),
}

/// The caller, authenticated, with the permission documents that apply.
pub struct Caller<'a> {
    pub user: &'a UserRecord,
    pub permissions: &'a PermissionRoles,
}

impl Caller<'_> {
    fn holds(&self, permission: &str) -> bool {
        holds(self.user, self.permissions, permission)
    }

    fn id(&self) -> &str {
        &self.user.id
    }
}

pub fn decide(room: &RoomRecord, caller: &Caller, facts: &Facts) -> Decision {
    let mut chain = vec![room.id.as_str()];
    match may_access(room, caller, facts, &mut chain) {
        Answer::Yes => Decision::Allow,
        Answer::No => Decision::Deny,
        Answer::Unknown(mut keys) => {
            // Never ask again for what was read: an undecidable rule then fails.
            keys.retain(|k| facts.lookup(k).is_none());
            keys.dedup();
            if keys.is_empty() {
                Decision::Deny
            } else {
                Decision::Need(keys)
            }
        }
    }
}

/// A rule's outcome so far.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    Yes,
    No,
    Unknown(Vec<Key>),
}

impl Answer {
    fn from_bool(value: bool) -> Answer {
        if value {
            Answer::Yes
        } else {
            Answer::No
        }
    }

    /// Whether a membership-like key was found: unknown until it has been read.
    fn exists(key: Key, facts: &Facts) -> Answer {
        match facts.lookup(&key) {
            Some(found) => Answer::from_bool(found.is_some()),
            None => Answer::Unknown(vec![key]),
        }
    }

    /// Holds if any holds; fails if all fail; otherwise needs what the undecided need.
    fn any(answers: impl IntoIterator<Item = Answer>) -> Answer {
        let mut needed = Vec::new();
        for answer in answers {
            match answer {
                Answer::Yes => return Answer::Yes,
                Answer::No => {}
                Answer::Unknown(keys) => needed.extend(keys),
            }
        }
        if needed.is_empty() {
            Answer::No
        } else {
            Answer::Unknown(needed)
        }
    }
}

/// Rules 1–5 for one room; `chain` holds the rooms from the requested one down to
/// this one, to bound discussions and refuse cycles.
fn may_access<'r>(
    room: &'r RoomRecord,
    caller: &Caller,
    facts: &'r Facts,
    chain: &mut Vec<&'r str>,
) -> Answer {
    // Cheap rules first: `any` stops at the first that holds.
    let public = public_channel(room, caller, facts);
    if public == Answer::Yes {
        return public;
    }
    let joined = joined(room, caller, facts);
    if joined == Answer::Yes {
        return joined;
    }
    let omnichannel = omnichannel(room, caller, facts);
    if omnichannel == Answer::Yes {
        return omnichannel;
    }
    let discussion = discussion(room, caller, facts, chain);
    Answer::any([public, joined, omnichannel, discussion])
}

/// Rules 1 and 2: a public channel, in a public team or none with `view-c-room`,
/// in a private (or vanished) team to its members.
fn public_channel(room: &RoomRecord, caller: &Caller, facts: &Facts) -> Answer {
    if room.room_type() != RoomType::Channel {
        return Answer::No;
    }
    let Some(team) = &room.team_id else {
        return Answer::from_bool(caller.holds(access::VIEW_C_ROOM));
    };
    let member = Key::TeamMember { team: team.clone(), user: caller.id().to_owned() };
    match facts.lookup(&Key::Team(team.clone())) {
        // Team and membership are read together: one round whatever the team's type.
        None => Answer::Unknown(vec![Key::Team(team.clone()), member]),
        Some(Some(Record::Team(TeamType::Public))) => Answer::from_bool(caller.holds(access::VIEW_C_ROOM)),
        Some(_) => Answer::exists(member, facts),
    }
}

/// Rule 3: subscribed, with `view-joined-room` or the view permission of the room's type.
fn joined(room: &RoomRecord, caller: &Caller, facts: &Facts) -> Answer {
    let by_type = room.room_type().view_permission();
    let may_view = caller.holds(access::VIEW_JOINED_ROOM) || by_type.is_some_and(|p| caller.holds(p));
    if !may_view {
        return Answer::No;
    }
    Answer::exists(Key::Subscription { room: room.id.clone(), user: caller.id().to_owned() }, facts)
}

/// Rule 4: a discussion is open to whoever may access its parent.
fn discussion<'r>(
    room: &'r RoomRecord,
    caller: &Caller,
    facts: &'r Facts,
    chain: &mut Vec<&'r str>,
) -> Answer {
    let Some(parent_id) = room.parent_id.as_deref() else {
        return Answer::No;
    };
    if chain.len() > MAX_PARENT_LEVELS || chain.contains(&parent_id) {
        return Answer::No;
    }
    match facts.lookup(&Key::Room(parent_id.to_owned())) {
        // The parent's subscription rides along: it is the likeliest way in.
        None => Answer::Unknown(vec![
            Key::Room(parent_id.to_owned()),
            Key::Subscription { room: parent_id.to_owned(), user: caller.id().to_owned() },
        ]),
        Some(Some(Record::Room(parent))) => {
            chain.push(parent_id);
            let answer = may_access(parent, caller, facts, chain);
            chain.pop();
            answer
        }
        Some(_) => Answer::No,
    }
}

/// Rule 5: omnichannel rooms, to livechat staff, the serving agent, agents of the
/// department once closed, and `rocket.cat`. The queued-inquiry preview is not applied.
fn omnichannel(room: &RoomRecord, caller: &Caller, facts: &Facts) -> Answer {
    if room.room_type() != RoomType::Omnichannel {
        return Answer::No;
    }
    let id = caller.id();
    if caller.holds(access::VIEW_LIVECHAT_ROOMS)
        || room.served_by.as_deref() == Some(id)
        || id == ROCKET_CAT
        || (!room.open && caller.holds(access::VIEW_CLOSED_BY_ANOTHER_AGENT))
    {
        return Answer::Yes;
    }
    match &room.department_id {
        Some(department) if !room.open && caller.holds(access::VIEW_CLOSED_SAME_DEPARTMENT) => {
            Answer::exists(
                Key::DepartmentAgent { department: department.clone(), user: id.to_owned() },
                facts,
            )
        }
        _ => Answer::No,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Fetched, Round};
    use std::collections::HashMap;

    const ME: &str = "me";

    fn room(id: &str, kind: &str) -> RoomRecord {
        RoomRecord { id: id.into(), name: Some(id.into()), kind: kind.into(), ..Default::default() }
    }

    fn sub(room: &str) -> Key {
        Key::Subscription { room: room.into(), user: ME.into() }
    }

    fn member(team: &str) -> Key {
        Key::TeamMember { team: team.into(), user: ME.into() }
    }

    fn agent(department: &str) -> Key {
        Key::DepartmentAgent { department: department.into(), user: ME.into() }
    }

    /// The stored world: rooms, teams and memberships.
    #[derive(Default)]
    struct World(HashMap<Key, Record>);

    impl World {
        fn room(mut self, room: RoomRecord) -> Self {
            self.0.insert(Key::Room(room.id.clone()), Record::Room(room));
            self
        }
        fn team(mut self, id: &str, kind: TeamType) -> Self {
            self.0.insert(Key::Team(id.into()), Record::Team(kind));
            self
        }
        fn has(mut self, key: Key) -> Self {
            self.0.insert(key, Record::Member);
            self
        }

        /// Decides for `me` with `roles` as the pipeline does: the room and its
        /// subscription known from round 1, then one round per `Need`. Returns the
        /// decision and the number of extra rounds.
        fn decide(
            &self,
            target: &RoomRecord,
            roles: &[&str],
            permissions: &PermissionRoles,
        ) -> (Decision, usize) {
            let user = UserRecord {
                id: ME.into(),
                username: Some(ME.into()),
                roles: roles.iter().map(|r| r.to_string()).collect(),
                active: true,
            };
            let caller = Caller { user: &user, permissions };
            let mut facts = Facts::default();
            self.absorb(&mut facts, vec![Key::Room(target.id.clone()), sub(&target.id)]);
            let mut rounds = 0;
            loop {
                match decide(target, &caller, &facts) {
                    Decision::Need(keys) => {
                        assert!(rounds < 20, "no progress");
                        rounds += 1;
                        self.absorb(&mut facts, keys);
                    }
                    decided => return (decided, rounds),
                }
            }
        }

        fn absorb(&self, facts: &mut Facts, keys: Vec<Key>) {
            let records = keys.iter().filter_map(|k| Some((k.clone(), self.0.get(k)?.clone()))).collect();
            let round = Round { keys, ..Round::default() };
            facts.absorb(round, Fetched { records, ..Fetched::default() });
        }
    }

    fn no_documents() -> PermissionRoles {
        PermissionRoles::new()
    }

    fn check(world: &World, target: &RoomRecord, roles: &[&str], expected: Decision, rounds: usize) {
        let got = world.decide(target, roles, &no_documents());
        assert_eq!(got, (expected, rounds), "room {:?}, roles {roles:?}", target);
    }

    #[test]
    fn rule_2_a_public_channel_outside_teams_needs_view_c_room() {
        let general = room("general", "c");
        let world = World::default().room(general.clone());
        check(&world, &general, &["user"], Decision::Allow, 0);
        check(&world, &general, &["guest"], Decision::Deny, 0);
        // A guest subscribed to it gets in through rule 3 (`view-joined-room`).
        let world = world.has(sub("general"));
        check(&world, &general, &["guest"], Decision::Allow, 0);
    }

    #[test]
    fn rule_1_a_channel_in_a_public_team_is_a_public_channel() {
        let channel = RoomRecord { team_id: Some("t".into()), ..room("c1", "c") };
        let world = World::default().room(channel.clone()).team("t", TeamType::Public);
        check(&world, &channel, &["user"], Decision::Allow, 1);
        check(&world, &channel, &["guest"], Decision::Deny, 1);
    }

    #[test]
    fn rule_1_a_channel_in_a_private_team_is_for_its_members() {
        let channel = RoomRecord { team_id: Some("t".into()), ..room("c1", "c") };
        let world = World::default().room(channel.clone()).team("t", TeamType::Private);
        check(&world, &channel, &["user"], Decision::Deny, 1);
        check(&world, &channel, &["admin"], Decision::Deny, 1);
        let world = world.has(member("t"));
        check(&world, &channel, &["user"], Decision::Allow, 1);
        // Membership of the team is enough, without any view permission.
        check(&world, &channel, &["nobody"], Decision::Allow, 1);
    }

    #[test]
    fn rule_1_a_channel_of_a_vanished_team_is_for_its_members() {
        let channel = RoomRecord { team_id: Some("gone".into()), ..room("c1", "c") };
        let world = World::default().room(channel.clone());
        check(&world, &channel, &["user"], Decision::Deny, 1);
        check(&world.has(member("gone")), &channel, &["user"], Decision::Allow, 1);
    }

    #[test]
    fn rule_3_a_subscription_decides_in_the_first_round() {
        let channel = RoomRecord { team_id: Some("t".into()), ..room("c1", "c") };
        let world = World::default().room(channel.clone()).team("t", TeamType::Private).has(sub("c1"));
        // `view-c-room` (user) or `view-joined-room` (guest): no further round.
        check(&world, &channel, &["user"], Decision::Allow, 0);
        check(&world, &channel, &["guest"], Decision::Allow, 0);
        // Subscribed but holding neither permission: the team decides, and refuses.
        check(&world, &channel, &["livechat-agent"], Decision::Deny, 1);
    }

    #[test]
    fn rule_3_uses_the_view_permission_of_the_rooms_type() {
        let omni = RoomRecord { open: true, ..room("l1", "l") };
        let world = World::default().room(omni.clone()).has(sub("l1"));
        check(&world, &omni, &["livechat-agent"], Decision::Allow, 0);
        check(&world, &omni, &["user"], Decision::Deny, 0);
    }

    #[test]
    fn stored_permission_documents_replace_the_defaults() {
        let general = room("general", "c");
        let world = World::default().room(general.clone());
        let only_admins: PermissionRoles =
            [(access::VIEW_C_ROOM.to_owned(), vec!["admin".to_owned()])].into();
        assert_eq!(world.decide(&general, &["user"], &only_admins), (Decision::Deny, 0));
        assert_eq!(world.decide(&general, &["admin"], &only_admins), (Decision::Allow, 0));
    }

    #[test]
    fn rule_4_a_discussion_follows_its_parent() {
        let parent = room("p1", "p");
        let discussion = RoomRecord { parent_id: Some("p1".into()), ..room("d1", "c") };
        let world = World::default().room(parent).room(discussion.clone());
        // `view-c-room` opens the discussion itself (a public channel).
        check(&world, &discussion, &["user"], Decision::Allow, 0);
        // A guest needs the private parent: subscribed to it, in one more round.
        check(&world, &discussion, &["guest"], Decision::Deny, 1);
        let world = world.has(sub("p1"));
        check(&world, &discussion, &["guest"], Decision::Allow, 1);
    }

    #[test]
    fn rule_4_follows_at_most_eight_levels() {
        // d0 ← d1 ← … ← d9, each a public channel refused to guests; only the top is joined.
        let chain = |depth: usize| {
            let mut world = World::default();
            for level in 0..=depth {
                let parent = (level < depth).then(|| format!("d{}", level + 1));
                world = world.room(RoomRecord { parent_id: parent, ..room(&format!("d{level}"), "c") });
            }
            world.has(sub(&format!("d{depth}")))
        };
        let d0 = |world: &World| match world.0.get(&Key::Room("d0".into())) {
            Some(Record::Room(r)) => r.clone(),
            _ => unreachable!(),
        };
        let eight = chain(MAX_PARENT_LEVELS);
        check(&eight, &d0(&eight), &["guest"], Decision::Allow, 8);
        let nine = chain(MAX_PARENT_LEVELS + 1);
        check(&nine, &d0(&nine), &["guest"], Decision::Deny, 8);
    }

    #[test]
    fn rule_4_a_cycle_or_a_missing_parent_refuses() {
        let a = RoomRecord { parent_id: Some("b".into()), ..room("a", "c") };
        let b = RoomRecord { parent_id: Some("a".into()), ..room("b", "p") };
        let world = World::default().room(a.clone()).room(b);
        check(&world, &a, &["guest"], Decision::Deny, 1);
        let orphan = RoomRecord { parent_id: Some("gone".into()), ..room("o", "c") };
        let world = World::default().room(orphan.clone());
        check(&world, &orphan, &["guest"], Decision::Deny, 1);
    }

    #[test]
    fn rule_5_omnichannel_rooms() {
        let open = RoomRecord { open: true, served_by: Some("agent-x".into()), ..room("l1", "l") };
        let world = World::default().room(open.clone());
        check(&world, &open, &["livechat-manager"], Decision::Allow, 0);
        check(&world, &open, &["livechat-agent"], Decision::Deny, 0);
        let mine = RoomRecord { served_by: Some(ME.into()), ..open.clone() };
        check(&world, &mine, &["user"], Decision::Allow, 0);
    }

    #[test]
    fn rule_5_closed_rooms_of_the_agents_department() {
        let closed = RoomRecord { department_id: Some("sales".into()), ..room("l2", "l") };
        let world = World::default().room(closed.clone());
        // Without the same-department permission nothing more is read.
        check(&world, &closed, &["livechat-agent"], Decision::Deny, 0);
        let permissions: PermissionRoles =
            [(access::VIEW_CLOSED_SAME_DEPARTMENT.to_owned(), vec!["livechat-agent".to_owned()])].into();
        assert_eq!(world.decide(&closed, &["livechat-agent"], &permissions), (Decision::Deny, 1));
        let world = world.has(agent("sales"));
        assert_eq!(world.decide(&closed, &["livechat-agent"], &permissions), (Decision::Allow, 1));
        // Still open: the department does not count.
        let open = RoomRecord { open: true, ..closed };
        assert_eq!(world.decide(&open, &["livechat-agent"], &permissions), (Decision::Deny, 0));
    }

    #[test]
    fn rule_5_rocket_cat_and_closed_by_another_agent() {
        let closed = room("l3", "l");
        let world = World::default().room(closed.clone());
        check(&world, &closed, &["livechat-monitor"], Decision::Allow, 0);
        let user = UserRecord {
            id: "rocket.cat".into(),
            username: Some("rocket.cat".into()),
            roles: vec!["bot".into()],
            active: true,
        };
        let caller = Caller { user: &user, permissions: &no_documents() };
        assert_eq!(decide(&closed, &caller, &Facts::default()), Decision::Allow);
    }

    #[test]
    fn undecided_rules_are_read_together() {
        // A private team's channel that is also a discussion: team, membership, parent
        // and the parent's subscription all come in one round.
        let channel =
            RoomRecord { team_id: Some("t".into()), parent_id: Some("p".into()), ..room("c1", "c") };
        let user = UserRecord { id: ME.into(), username: None, roles: vec!["guest".into()], active: true };
        let caller = Caller { user: &user, permissions: &no_documents() };
        let mut facts = Facts::default();
        World::default().absorb(&mut facts, vec![Key::Room("c1".into()), sub("c1")]);
        let Decision::Need(keys) = decide(&channel, &caller, &facts) else { panic!("decided too early") };
        assert_eq!(keys, [Key::Team("t".into()), member("t"), Key::Room("p".into()), sub("p")]);
    }
}
