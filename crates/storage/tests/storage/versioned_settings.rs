//! Versioned settings, on every engine (see `engines!`).

use carekpi_storage::SettingVersion;

use crate::support::TestStore;

crate::engines!(
    each_write_is_a_new_version_newest_first,
    keys_have_their_own_versions,
    concurrent_writers_of_one_key_get_consecutive_versions,
    unversioned_writes_and_versioned_ones_share_the_current_value,
    settings_are_listed_by_literal_prefix_and_deleted,
);

const T0: i64 = 1_772_409_600_000;

fn version(key: &str, version: i64, value: &str, actor: &str, at_ms: i64) -> SettingVersion {
    SettingVersion {
        key: key.to_string(),
        version,
        value: value.to_string(),
        actor: actor.to_string(),
        at_ms,
    }
}

async fn each_write_is_a_new_version_newest_first(t: &TestStore) {
    let store = &t.store;
    let key = "account.config";
    assert!(store.setting_history(key).await.unwrap().is_empty());
    let odd = "{\"zone\": \"Asia/Ho_Chi_Minh\"} ' ; DROP TABLE settings; --";
    assert_eq!(
        store
            .set_setting_versioned(key, "{}", "user:1", T0)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .set_setting_versioned(key, odd, "user:2", T0 + 5)
            .await
            .unwrap(),
        2
    );
    // The same value again is a version too: someone saved it.
    assert_eq!(
        store
            .set_setting_versioned(key, odd, "cli", T0 + 9)
            .await
            .unwrap(),
        3
    );
    assert_eq!(store.setting(key).await.unwrap().as_deref(), Some(odd));
    assert_eq!(
        store.setting_history(key).await.unwrap(),
        [
            version(key, 3, odd, "cli", T0 + 9),
            version(key, 2, odd, "user:2", T0 + 5),
            version(key, 1, "{}", "user:1", T0),
        ]
    );
    let reopened = t.reopen().await;
    assert_eq!(reopened.setting_history(key).await.unwrap().len(), 3);
    assert_eq!(
        reopened
            .set_setting_versioned(key, "{\"v\":4}", "user:1", T0 + 20)
            .await
            .unwrap(),
        4
    );
    reopened.close().await;
}

async fn keys_have_their_own_versions(t: &TestStore) {
    let store = &t.store;
    for (i, key) in ["a", "b", "a", "c", "a", "b"].into_iter().enumerate() {
        store
            .set_setting_versioned(key, &format!("{key}{i}"), "user:1", T0 + i as i64)
            .await
            .unwrap();
    }
    let versions = |history: Vec<SettingVersion>| -> Vec<(i64, String)> {
        history.into_iter().map(|v| (v.version, v.value)).collect()
    };
    assert_eq!(
        versions(store.setting_history("a").await.unwrap()),
        [(3, "a4".into()), (2, "a2".into()), (1, "a0".into())]
    );
    assert_eq!(
        versions(store.setting_history("b").await.unwrap()),
        [(2, "b5".into()), (1, "b1".into())]
    );
    assert_eq!(
        versions(store.setting_history("c").await.unwrap()),
        [(1, "c3".into())]
    );
    assert!(
        store.setting_history("A").await.unwrap().is_empty(),
        "keys are exact"
    );
    assert_eq!(store.setting("b").await.unwrap().as_deref(), Some("b5"));
}

async fn concurrent_writers_of_one_key_get_consecutive_versions(t: &TestStore) {
    let key = "sla.policies";
    let writers: Vec<_> = (0..8i64)
        .map(|i| {
            let store = t.store.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                for j in 0..5i64 {
                    let value = format!("w{i}-{j}");
                    let v = store
                        .set_setting_versioned(key, &value, &format!("user:{i}"), T0 + j)
                        .await
                        .unwrap();
                    got.push(v);
                }
                got
            })
        })
        .collect();
    let mut all = Vec::new();
    for writer in writers {
        let got = writer.await.unwrap();
        assert!(got.windows(2).all(|w| w[0] < w[1]), "{got:?}");
        all.extend(got);
    }
    all.sort_unstable();
    assert_eq!(
        all,
        (1..=40).collect::<Vec<i64>>(),
        "distinct and consecutive"
    );
    let history = t.store.setting_history(key).await.unwrap();
    assert_eq!(history.len(), 40);
    assert_eq!(
        t.store.setting(key).await.unwrap(),
        Some(history[0].value.clone()),
        "the current value is the newest version's"
    );
}

async fn unversioned_writes_and_versioned_ones_share_the_current_value(t: &TestStore) {
    let store = &t.store;
    store.set_setting("thresholds", "old").await.unwrap();
    assert!(
        store
            .setting_history("thresholds")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .set_setting_versioned("thresholds", "new", "user:7", T0)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store.setting("thresholds").await.unwrap().as_deref(),
        Some("new")
    );
    store.set_setting("thresholds", "plain").await.unwrap();
    assert_eq!(
        store.setting("thresholds").await.unwrap().as_deref(),
        Some("plain")
    );
    assert_eq!(
        store.setting_history("thresholds").await.unwrap(),
        [version("thresholds", 1, "new", "user:7", T0)]
    );
}

async fn settings_are_listed_by_literal_prefix_and_deleted(t: &TestStore) {
    let store = &t.store;
    for key in [
        "mapping.a",
        "mapping.b_c",
        "mappingXb",
        "mapping%z",
        "account.config",
    ] {
        store.set_setting(key, "x").await.unwrap();
    }
    store
        .set_setting_versioned("mapping.v", "1", "user:1", T0)
        .await
        .unwrap();
    // `.`, `_` and `%` are literal: `mappingXb` and `mapping%z` do not start with `mapping.`.
    assert_eq!(
        store.setting_keys("mapping.").await.unwrap(),
        ["mapping.a", "mapping.b_c", "mapping.v"]
    );
    assert_eq!(store.setting_keys("mapping%").await.unwrap(), ["mapping%z"]);
    assert!(store.delete_setting("mapping.v").await.unwrap());
    assert!(!store.delete_setting("mapping.v").await.unwrap());
    assert_eq!(store.setting("mapping.v").await.unwrap(), None);
    // The history stays.
    assert_eq!(store.setting_history("mapping.v").await.unwrap().len(), 1);
    assert_eq!(store.setting_version("mapping.v").await.unwrap(), 1);
    assert_eq!(store.setting_version("mapping.a").await.unwrap(), 0);
    assert_eq!(
        store.setting_keys("mapping.").await.unwrap(),
        ["mapping.a", "mapping.b_c"]
    );
}
