-- Every value a setting was given through Store::set_setting_versioned: who (actor), when
-- (at_ms, epoch milliseconds UTC) and what (value), numbered 1, 2, … per key. The current
-- value stays in settings. Keep in step with ../sqlite/.

CREATE TABLE setting_versions (
    key TEXT COLLATE "C" NOT NULL,
    version BIGINT NOT NULL,
    value TEXT NOT NULL,
    actor TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (key, version)
);
