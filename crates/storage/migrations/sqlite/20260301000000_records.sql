-- CareKPI records: one table per record kind (RecordKind::plural()).
-- Every table has the same columns; `body` is the record's canonical interchange JSON
-- (without `kind`), `content_hash` its xxh3 as a signed 64-bit integer, instants are epoch
-- milliseconds UTC. Keep in step with ../postgres/ (same tables, columns and indexes).

-- Indexes serve the queries the store answers itself: loading or deleting by time
-- (occurred_at_ms) and finding a customer's records (customer_id, for erasure). Filtering by
-- team, agent or case happens in the metric engine's memory, so those columns carry no index:
-- each index costs every import a B-tree insert per row (measured: dropping the team and agent
-- indexes of cases raised `carekpi bench import` from ~95k to ~125k cases/s).

CREATE TABLE teams (
    id TEXT PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);

CREATE TABLE agents (
    id TEXT PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX agents_occurred_at_ms ON agents (occurred_at_ms);

CREATE TABLE customers (
    id TEXT PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX customers_occurred_at_ms ON customers (occurred_at_ms);

CREATE TABLE cases (
    id TEXT PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX cases_occurred_at_ms ON cases (occurred_at_ms);
CREATE INDEX cases_customer_id ON cases (customer_id);

CREATE TABLE calls (
    id TEXT PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX calls_occurred_at_ms ON calls (occurred_at_ms);

CREATE TABLE chats (
    id TEXT PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX chats_occurred_at_ms ON chats (occurred_at_ms);

CREATE TABLE surveys (
    id TEXT PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX surveys_occurred_at_ms ON surveys (occurred_at_ms);

CREATE TABLE servqual_responses (
    id TEXT PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX servqual_responses_occurred_at_ms ON servqual_responses (occurred_at_ms);

CREATE TABLE qa_reviews (
    id TEXT PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX qa_reviews_occurred_at_ms ON qa_reviews (occurred_at_ms);

CREATE TABLE feedback (
    id TEXT PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX feedback_occurred_at_ms ON feedback (occurred_at_ms);

CREATE TABLE platform_reviews (
    id TEXT PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX platform_reviews_occurred_at_ms ON platform_reviews (occurred_at_ms);

CREATE TABLE engagement_events (
    id TEXT PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX engagement_events_occurred_at_ms ON engagement_events (occurred_at_ms);
CREATE INDEX engagement_events_customer_id ON engagement_events (customer_id);

CREATE TABLE orders (
    id TEXT PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX orders_occurred_at_ms ON orders (occurred_at_ms);
CREATE INDEX orders_customer_id ON orders (customer_id);

CREATE TABLE presence_intervals (
    id TEXT PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX presence_intervals_occurred_at_ms ON presence_intervals (occurred_at_ms);

CREATE TABLE staffing_forecasts (
    id TEXT PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX staffing_forecasts_occurred_at_ms ON staffing_forecasts (occurred_at_ms);

-- Stored settings (key → value).
CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
