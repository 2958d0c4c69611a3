-- CareKPI records: one table per record kind (RecordKind::plural()).
-- Every table has the same columns; `body` is the record's canonical interchange JSON
-- (without `kind`), `content_hash` its xxh3 as a signed 64-bit integer, instants are epoch
-- milliseconds UTC. Ids collate byte-wise ("C"), like SQLite's BINARY, so both engines
-- order them identically.

CREATE TABLE teams (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);

CREATE TABLE agents (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX agents_occurred_at_ms ON agents (occurred_at_ms);
CREATE INDEX agents_team_id ON agents (team_id);

CREATE TABLE customers (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
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
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX cases_occurred_at_ms ON cases (occurred_at_ms);
CREATE INDEX cases_team_id ON cases (team_id);
CREATE INDEX cases_agent_id ON cases (agent_id);
CREATE INDEX cases_customer_id ON cases (customer_id);

CREATE TABLE calls (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX calls_occurred_at_ms ON calls (occurred_at_ms);
CREATE INDEX calls_team_id ON calls (team_id);
CREATE INDEX calls_agent_id ON calls (agent_id);
CREATE INDEX calls_case_id ON calls (case_id);

CREATE TABLE chats (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX chats_occurred_at_ms ON chats (occurred_at_ms);
CREATE INDEX chats_team_id ON chats (team_id);
CREATE INDEX chats_agent_id ON chats (agent_id);
CREATE INDEX chats_case_id ON chats (case_id);

CREATE TABLE surveys (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX surveys_occurred_at_ms ON surveys (occurred_at_ms);
CREATE INDEX surveys_team_id ON surveys (team_id);
CREATE INDEX surveys_agent_id ON surveys (agent_id);
CREATE INDEX surveys_case_id ON surveys (case_id);

CREATE TABLE servqual_responses (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
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
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX qa_reviews_occurred_at_ms ON qa_reviews (occurred_at_ms);
CREATE INDEX qa_reviews_agent_id ON qa_reviews (agent_id);
CREATE INDEX qa_reviews_case_id ON qa_reviews (case_id);

CREATE TABLE feedback (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX feedback_occurred_at_ms ON feedback (occurred_at_ms);
CREATE INDEX feedback_agent_id ON feedback (agent_id);
CREATE INDEX feedback_case_id ON feedback (case_id);

CREATE TABLE platform_reviews (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
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
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
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
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
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
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    occurred_at_ms BIGINT,
    team_id TEXT,
    agent_id TEXT,
    customer_id TEXT,
    case_id TEXT,
    content_hash BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX presence_intervals_occurred_at_ms ON presence_intervals (occurred_at_ms);
CREATE INDEX presence_intervals_agent_id ON presence_intervals (agent_id);

CREATE TABLE staffing_forecasts (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
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
    key TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
