//! Users, sessions and API keys, on every engine (see `engines!`).

use carekpi_storage::{NewApiKey, NewUser, Session, StorageError, Store, UserUpdate};

use crate::support::TestStore;

crate::engines!(
    users_are_created_and_read_back,
    a_taken_username_is_a_conflict_whatever_its_case,
    concurrent_creations_of_one_username_give_one_user,
    invalid_users_are_refused_and_nothing_is_written,
    users_are_updated_field_by_field,
    sessions_are_valid_until_they_expire,
    a_disabled_user_has_no_session,
    sessions_are_deleted_one_by_user_or_when_expired,
    a_session_needs_a_known_user_and_a_new_token,
    api_keys_are_created_found_by_prefix_and_listed,
    api_keys_are_revoked_once_and_touched,
    invalid_api_keys_are_refused,
    accounts_survive_reopening,
);

const T0: i64 = 1_772_409_600_000;
const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

fn new_user(username: &str, role: &str) -> NewUser {
    NewUser::new(username, role, HASH)
}

fn session(token_hash: &str, user_id: i64, expires_at_ms: i64) -> Session {
    Session {
        token_hash: token_hash.to_string(),
        user_id,
        csrf_token: format!("csrf-{token_hash}"),
        created_at_ms: T0,
        expires_at_ms,
        last_seen_ms: T0,
    }
}

fn key(name: &str, prefix: &str, scopes: &[&str]) -> NewApiKey {
    NewApiKey {
        name: name.to_string(),
        prefix: prefix.to_string(),
        key_hash: format!("{:0>64}", prefix.len()),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        created_by: None,
    }
}

async fn users_are_created_and_read_back(t: &TestStore) {
    let store = &t.store;
    assert_eq!(store.user_count().await.unwrap(), 0);
    assert!(store.users().await.unwrap().is_empty());

    let admin = store
        .create_user(&new_user("  Admin ", "admin"), T0)
        .await
        .unwrap();
    assert_eq!(admin.username, "admin", "trimmed and lower-cased");
    assert_eq!(admin.role, "admin");
    assert_eq!(admin.password_hash, HASH);
    assert_eq!(admin.language, "en");
    assert!(!admin.disabled);
    assert_eq!((admin.created_at_ms, admin.updated_at_ms), (T0, T0));

    let mut manager = new_user("Minh.Tran", "manager");
    manager.display_name = Some("Trần Minh — quản lý".to_string());
    manager.team_ids = vec!["hcm-support".to_string(), "hn-sales".to_string()];
    manager.language = "vi".to_string();
    let manager = store.create_user(&manager, T0 + 1).await.unwrap();
    let mut agent = new_user("bao", "agent");
    agent.agent_id = Some("agent-007".to_string());
    let agent = store.create_user(&agent, T0 + 2).await.unwrap();
    let viewer = store
        .create_user(&new_user("o'brien \"quoted\"", "viewer"), T0 + 3)
        .await
        .unwrap();
    assert_ne!(admin.id, manager.id);

    assert_eq!(manager.username, "minh.tran");
    assert_eq!(manager.display_name.as_deref(), Some("Trần Minh — quản lý"));
    assert_eq!(manager.team_ids, ["hcm-support", "hn-sales"]);
    assert_eq!(manager.language, "vi");
    assert_eq!(agent.agent_id.as_deref(), Some("agent-007"));
    assert!(agent.team_ids.is_empty());

    assert_eq!(
        store.user(manager.id).await.unwrap().as_ref(),
        Some(&manager)
    );
    assert_eq!(store.user(agent.id).await.unwrap().as_ref(), Some(&agent));
    assert_eq!(store.user(9_999).await.unwrap(), None);
    for spelling in ["MINH.TRAN", " minh.tran ", "Minh.Tran"] {
        assert_eq!(
            store.user_by_username(spelling).await.unwrap().as_ref(),
            Some(&manager),
            "{spelling}"
        );
    }
    assert_eq!(
        store
            .user_by_username("O'Brien \"Quoted\"")
            .await
            .unwrap()
            .as_ref(),
        Some(&viewer)
    );
    assert_eq!(store.user_by_username("nobody").await.unwrap(), None);

    assert_eq!(store.user_count().await.unwrap(), 4);
    let names: Vec<String> = store
        .users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["admin", "bao", "minh.tran", "o'brien \"quoted\""]);
}

async fn a_taken_username_is_a_conflict_whatever_its_case(t: &TestStore) {
    let store = &t.store;
    store
        .create_user(&new_user("ana", "agent"), T0)
        .await
        .unwrap();
    for taken in ["ana", "ANA", " Ana "] {
        let err = store
            .create_user(&new_user(taken, "viewer"), T0)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StorageError::Conflict { what } if what.contains("`ana`")),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "a user named `ana` already exists");
    }
    assert_eq!(store.user_count().await.unwrap(), 1);
    assert_eq!(
        store.user_by_username("ana").await.unwrap().unwrap().role,
        "agent",
        "the first one stays as it was"
    );
}

async fn concurrent_creations_of_one_username_give_one_user(t: &TestStore) {
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = t.store.clone();
            tokio::spawn(async move {
                let name = if i % 2 == 0 { "Race" } else { "race" };
                store.create_user(&new_user(name, "viewer"), T0 + i).await
            })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(user) => {
                created += 1;
                assert_eq!(user.username, "race");
            }
            Err(StorageError::Conflict { .. }) => {}
            Err(other) => panic!("{other}"),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(t.store.user_count().await.unwrap(), 1);
}

async fn invalid_users_are_refused_and_nothing_is_written(t: &TestStore) {
    let store = &t.store;
    let cases = [
        (new_user("ana", "owner"), "role"),
        (new_user("ana", "Admin"), "role"),
        (new_user("   ", "admin"), "username"),
        (NewUser::new("ana", "admin", ""), "password_hash"),
        (
            NewUser {
                language: "fr".to_string(),
                ..new_user("ana", "admin")
            },
            "language",
        ),
    ];
    for (user, field) in cases {
        let err = store.create_user(&user, T0).await.unwrap_err();
        assert!(
            matches!(&err, StorageError::Invalid { field: f, .. } if *f == field),
            "{err:?}"
        );
        assert!(
            err.to_string().starts_with(&format!("invalid {field}: ")),
            "{err}"
        );
    }
    assert_eq!(
        store
            .create_user(&new_user("ana", "owner"), T0)
            .await
            .unwrap_err()
            .to_string(),
        "invalid role: `owner` is not one of `admin`, `manager`, `agent`, `viewer`"
    );
    assert_eq!(store.user_count().await.unwrap(), 0);
}

async fn users_are_updated_field_by_field(t: &TestStore) {
    let store = &t.store;
    let mut new = new_user("lan", "agent");
    new.display_name = Some("Lan".to_string());
    new.agent_id = Some("agent-001".to_string());
    let lan = store.create_user(&new, T0).await.unwrap();

    // Nothing to change: only updated_at_ms moves.
    let same = store
        .update_user(lan.id, &UserUpdate::default(), T0 + 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(same.updated_at_ms, T0 + 10);
    assert_eq!(
        crate::accounts::without_updated(&same),
        crate::accounts::without_updated(&lan)
    );

    // A promotion to manager: a role, teams, no agent any more; the display name stays.
    let promotion = UserUpdate {
        role: Some("manager".to_string()),
        agent_id: Some(None),
        team_ids: Some(vec!["t1".to_string(), "t2".to_string()]),
        ..UserUpdate::default()
    };
    let promoted = store
        .update_user(lan.id, &promotion, T0 + 20)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(promoted.role, "manager");
    assert_eq!(promoted.agent_id, None);
    assert_eq!(promoted.team_ids, ["t1", "t2"]);
    assert_eq!(promoted.display_name.as_deref(), Some("Lan"));
    assert_eq!(promoted.created_at_ms, T0);
    assert_eq!(promoted.updated_at_ms, T0 + 20);
    assert_eq!(store.user(lan.id).await.unwrap(), Some(promoted.clone()));

    // Everything else.
    let rest = UserUpdate {
        display_name: Some(None),
        password_hash: Some("$argon2id$new".to_string()),
        agent_id: Some(Some("agent-002".to_string())),
        team_ids: Some(Vec::new()),
        language: Some("vi".to_string()),
        disabled: Some(true),
        ..UserUpdate::default()
    };
    let updated = store
        .update_user(lan.id, &rest, T0 + 30)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.display_name, None);
    assert_eq!(updated.password_hash, "$argon2id$new");
    assert_eq!(updated.agent_id.as_deref(), Some("agent-002"));
    assert!(updated.team_ids.is_empty());
    assert_eq!(updated.language, "vi");
    assert!(updated.disabled);
    assert_eq!(updated.role, "manager");
    assert_eq!(
        store.user_by_username("LAN").await.unwrap(),
        Some(updated.clone())
    );

    let enabled = store
        .update_user(
            lan.id,
            &UserUpdate {
                disabled: Some(false),
                display_name: Some(Some("Lan N.".to_string())),
                ..UserUpdate::default()
            },
            T0 + 40,
        )
        .await
        .unwrap()
        .unwrap();
    assert!(!enabled.disabled);
    assert_eq!(enabled.display_name.as_deref(), Some("Lan N."));

    // An unknown user, a bad role or language: nothing changes.
    assert_eq!(
        store
            .update_user(9_999, &UserUpdate::default(), T0)
            .await
            .unwrap(),
        None
    );
    for bad in [
        UserUpdate {
            role: Some("root".to_string()),
            ..UserUpdate::default()
        },
        UserUpdate {
            language: Some("de".to_string()),
            disabled: Some(true),
            ..UserUpdate::default()
        },
    ] {
        let err = store.update_user(lan.id, &bad, T0 + 50).await.unwrap_err();
        assert!(matches!(err, StorageError::Invalid { .. }), "{err:?}");
    }
    assert_eq!(store.user(lan.id).await.unwrap(), Some(enabled));
}

async fn sessions_are_valid_until_they_expire(t: &TestStore) {
    let store = &t.store;
    let user = store
        .create_user(&new_user("ana", "agent"), T0)
        .await
        .unwrap();
    let expires = T0 + 3_600_000;
    let s = session("aa11", user.id, expires);
    store.create_session(&s).await.unwrap();

    let (found, owner) = store.session("aa11", T0 + 1).await.unwrap().unwrap();
    assert_eq!(found, s);
    assert_eq!(owner, user);
    assert_eq!(
        store.session("aa11", expires - 1).await.unwrap(),
        Some((s.clone(), user.clone()))
    );
    assert_eq!(
        store.session("aa11", expires).await.unwrap(),
        None,
        "expired at expires_at_ms"
    );
    assert_eq!(store.session("bb22", T0).await.unwrap(), None, "unknown");

    // Sliding expiry.
    let later = T0 + 1_800_000;
    assert!(
        store
            .touch_session("aa11", later, later + 3_600_000)
            .await
            .unwrap()
    );
    let (touched, _) = store.session("aa11", expires + 1).await.unwrap().unwrap();
    assert_eq!(touched.last_seen_ms, later);
    assert_eq!(touched.expires_at_ms, later + 3_600_000);
    assert_eq!(touched.created_at_ms, T0);
    assert_eq!(touched.csrf_token, s.csrf_token);

    // An expired session cannot be brought back; an unknown one is not touched.
    let end = later + 3_600_000;
    assert!(
        !store
            .touch_session("aa11", end, end + 3_600_000)
            .await
            .unwrap()
    );
    assert_eq!(store.session("aa11", end).await.unwrap(), None);
    assert!(!store.touch_session("nope", T0, T0 + 1).await.unwrap());
}

async fn a_disabled_user_has_no_session(t: &TestStore) {
    let store = &t.store;
    let user = store
        .create_user(&new_user("ana", "viewer"), T0)
        .await
        .unwrap();
    store
        .create_session(&session("cc33", user.id, T0 + 1_000_000))
        .await
        .unwrap();
    assert!(store.session("cc33", T0).await.unwrap().is_some());
    let disable = UserUpdate {
        disabled: Some(true),
        ..UserUpdate::default()
    };
    store.update_user(user.id, &disable, T0).await.unwrap();
    assert_eq!(store.session("cc33", T0).await.unwrap(), None);
    let enable = UserUpdate {
        disabled: Some(false),
        ..UserUpdate::default()
    };
    store.update_user(user.id, &enable, T0).await.unwrap();
    let (_, again) = store.session("cc33", T0).await.unwrap().unwrap();
    assert!(!again.disabled);
}

async fn sessions_are_deleted_one_by_user_or_when_expired(t: &TestStore) {
    let store = &t.store;
    let ana = store
        .create_user(&new_user("ana", "agent"), T0)
        .await
        .unwrap();
    let bao = store
        .create_user(&new_user("bao", "agent"), T0)
        .await
        .unwrap();
    for (token, user, expires) in [
        ("a1", ana.id, T0 + 10),
        ("a2", ana.id, T0 + 20),
        ("a3", ana.id, T0 + 30),
        ("b1", bao.id, T0 + 10),
        ("b2", bao.id, T0 + 40),
    ] {
        store
            .create_session(&session(token, user, expires))
            .await
            .unwrap();
    }
    assert!(store.delete_session("a3").await.unwrap());
    assert!(!store.delete_session("a3").await.unwrap());
    assert_eq!(store.session("a3", T0).await.unwrap(), None);

    // Expired at T0 + 20: a1, b1 and a2 (expires_at_ms <= now).
    assert_eq!(store.delete_expired_sessions(T0 + 20).await.unwrap(), 3);
    assert_eq!(store.delete_expired_sessions(T0 + 20).await.unwrap(), 0);
    assert!(store.session("b2", T0 + 20).await.unwrap().is_some());

    store
        .create_session(&session("a4", ana.id, T0 + 100))
        .await
        .unwrap();
    store
        .create_session(&session("a5", ana.id, T0 + 100))
        .await
        .unwrap();
    assert_eq!(store.delete_user_sessions(ana.id).await.unwrap(), 2);
    assert_eq!(store.delete_user_sessions(ana.id).await.unwrap(), 0);
    assert_eq!(store.session("a4", T0).await.unwrap(), None);
    assert!(
        store.session("b2", T0).await.unwrap().is_some(),
        "another user's"
    );
}

async fn a_session_needs_a_known_user_and_a_new_token(t: &TestStore) {
    let store = &t.store;
    let err = store
        .create_session(&session("dd44", 4_242, T0 + 1))
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::Database { .. }), "{err:?}");
    let user = store
        .create_user(&new_user("ana", "admin"), T0)
        .await
        .unwrap();
    store
        .create_session(&session("dd44", user.id, T0 + 1))
        .await
        .unwrap();
    let err = store
        .create_session(&session("dd44", user.id, T0 + 2))
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::Conflict { .. }), "{err:?}");
    let (kept, _) = store.session("dd44", T0).await.unwrap().unwrap();
    assert_eq!(
        kept.expires_at_ms,
        T0 + 1,
        "the first session stays as it was"
    );
}

async fn api_keys_are_created_found_by_prefix_and_listed(t: &TestStore) {
    let store = &t.store;
    assert!(store.api_keys().await.unwrap().is_empty());
    let admin = store
        .create_user(&new_user("admin", "admin"), T0)
        .await
        .unwrap();
    let mut ingest = key("helpdesk webhook", "ck_ab12cd34", &["ingest"]);
    ingest.created_by = Some(admin.id);
    let ingest = store.create_api_key(&ingest, T0).await.unwrap();
    let both = store
        .create_api_key(
            &key("BI tool", "ck_ef56gh78", &["read", "ingest", "read"]),
            T0 + 5,
        )
        .await
        .unwrap();
    assert_eq!(ingest.name, "helpdesk webhook");
    assert_eq!(ingest.prefix, "ck_ab12cd34");
    assert_eq!(ingest.key_hash, format!("{:0>64}", 11));
    assert_eq!(ingest.scopes, ["ingest"]);
    assert_eq!(ingest.created_by, Some(admin.id));
    assert_eq!(ingest.created_at_ms, T0);
    assert_eq!((ingest.last_used_ms, ingest.revoked_at_ms), (None, None));
    assert!(ingest.has_scope("ingest") && !ingest.has_scope("read"));
    assert_eq!(
        both.scopes,
        ["read", "ingest"],
        "each scope once, in the order given"
    );
    assert_eq!(both.created_by, None);

    assert_eq!(
        store.api_key_by_prefix("ck_ab12cd34").await.unwrap(),
        Some(ingest.clone())
    );
    assert_eq!(
        store.api_key_by_prefix("CK_AB12CD34").await.unwrap(),
        None,
        "exact"
    );
    assert_eq!(store.api_key_by_prefix("ck_zz").await.unwrap(), None);
    assert_eq!(store.api_keys().await.unwrap(), [ingest, both]);

    let err = store
        .create_api_key(&key("again", "ck_ab12cd34", &["read"]), T0)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "an API key with prefix `ck_ab12cd34` already exists"
    );
    assert_eq!(store.api_keys().await.unwrap().len(), 2);
}

async fn api_keys_are_revoked_once_and_touched(t: &TestStore) {
    let store = &t.store;
    let k = store
        .create_api_key(&key("k", "ck_11111111", &["read"]), T0)
        .await
        .unwrap();
    assert!(store.touch_api_key(k.id, T0 + 5).await.unwrap());
    assert!(!store.touch_api_key(k.id + 100, T0 + 5).await.unwrap());
    assert_eq!(
        store
            .api_key_by_prefix("ck_11111111")
            .await
            .unwrap()
            .unwrap()
            .last_used_ms,
        Some(T0 + 5)
    );

    assert!(store.revoke_api_key(k.id, T0 + 10).await.unwrap());
    assert!(!store.revoke_api_key(k.id, T0 + 20).await.unwrap(), "once");
    assert!(!store.revoke_api_key(k.id + 100, T0 + 20).await.unwrap());
    let revoked = store
        .api_key_by_prefix("ck_11111111")
        .await
        .unwrap()
        .unwrap();
    assert!(revoked.is_revoked());
    assert_eq!(
        revoked.revoked_at_ms,
        Some(T0 + 10),
        "the first revocation's time"
    );
    assert_eq!(
        revoked.key_hash, k.key_hash,
        "still there for the caller to compare"
    );
    assert_eq!(store.api_keys().await.unwrap(), [revoked]);
}

async fn invalid_api_keys_are_refused(t: &TestStore) {
    let store = &t.store;
    for (bad, field) in [
        (key("k", "ck_1", &["admin"]), "scope"),
        (key("k", "", &["read"]), "prefix"),
        (key("k", " ck_1", &["read"]), "prefix"),
        (
            NewApiKey {
                key_hash: String::new(),
                ..key("k", "ck_1", &["read"])
            },
            "key_hash",
        ),
    ] {
        let err = store.create_api_key(&bad, T0).await.unwrap_err();
        assert!(
            matches!(&err, StorageError::Invalid { field: f, .. } if *f == field),
            "{err:?}"
        );
    }
    assert!(store.api_keys().await.unwrap().is_empty());
}

async fn accounts_survive_reopening(t: &TestStore) {
    let user = t
        .store
        .create_user(&new_user("ana", "admin"), T0)
        .await
        .unwrap();
    t.store
        .create_session(&session("ee55", user.id, T0 + 100))
        .await
        .unwrap();
    let k = t
        .store
        .create_api_key(&key("k", "ck_22222222", &["ingest"]), T0)
        .await
        .unwrap();
    let again: Store = t.reopen().await;
    assert_eq!(
        again.user_by_username("ana").await.unwrap(),
        Some(user.clone())
    );
    assert_eq!(
        again.session("ee55", T0).await.unwrap().map(|(_, u)| u),
        Some(user)
    );
    assert_eq!(
        again.api_key_by_prefix("ck_22222222").await.unwrap(),
        Some(k)
    );
    // Ids go on from where they were.
    let next = again
        .create_user(&new_user("bao", "viewer"), T0)
        .await
        .unwrap();
    assert!(next.id > 0);
    again.close().await;
}

/// A user with `updated_at_ms` zeroed, to compare everything else.
pub fn without_updated(user: &carekpi_storage::User) -> carekpi_storage::User {
    carekpi_storage::User {
        updated_at_ms: 0,
        ..user.clone()
    }
}
