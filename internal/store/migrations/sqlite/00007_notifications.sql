-- +goose Up
-- The scheduler, notifications and outgoing deliveries (issue 5). Times are
-- integer milliseconds since the Unix epoch.

-- One row per occurrence of a recurring step ("status-request/12/2026-W48").
-- An instance runs an occurrence only after claiming its row: inserting it,
-- or taking over a 'running' row whose lease ran out (its runner crashed).
-- 'done' and 'failed' rows are never run again.
CREATE TABLE job_runs (
    key         TEXT    PRIMARY KEY,
    state       TEXT    NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    owner       TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 1,
    lease_until BIGINT  NOT NULL,
    last_error  TEXT    NOT NULL DEFAULT '',
    started_at  BIGINT  NOT NULL,
    finished_at BIGINT
);
CREATE INDEX job_runs_state ON job_runs (state, lease_until);

-- A user's to-do list, in GitLab's shape. dedupe_key makes a notification
-- idempotent: the same key twice gives a user one to-do.
CREATE TABLE todos (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    author_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    group_id     BIGINT REFERENCES groups (id) ON DELETE CASCADE,
    project_id   BIGINT REFERENCES projects (id) ON DELETE CASCADE,
    issue_id     BIGINT REFERENCES issues (id) ON DELETE CASCADE,
    milestone_id BIGINT REFERENCES milestones (id) ON DELETE CASCADE,
    action_name  TEXT   NOT NULL,
    body         TEXT   NOT NULL DEFAULT '',
    state        TEXT   NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
    dedupe_key   TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX todos_user ON todos (user_id, state, id);
CREATE UNIQUE INDEX todos_dedupe ON todos (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL;

-- A group's outgoing webhooks. token is the shared secret: sent as
-- X-Gitlab-Token and the key of the HMAC-SHA256 signature, so it is kept
-- as given (it is never shown back).
CREATE TABLE webhooks (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id                   BIGINT  NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    url                        TEXT    NOT NULL,
    token                      TEXT    NOT NULL DEFAULT '',
    name                       TEXT    NOT NULL DEFAULT '',
    description                TEXT    NOT NULL DEFAULT '',
    issues_events              BOOLEAN NOT NULL DEFAULT FALSE,
    confidential_issues_events BOOLEAN NOT NULL DEFAULT FALSE,
    note_events                BOOLEAN NOT NULL DEFAULT FALSE,
    confidential_note_events   BOOLEAN NOT NULL DEFAULT FALSE,
    status_update_events       BOOLEAN NOT NULL DEFAULT FALSE,
    planning_events            BOOLEAN NOT NULL DEFAULT FALSE,
    enable_ssl_verification    BOOLEAN NOT NULL DEFAULT TRUE,
    created_at                 BIGINT  NOT NULL,
    updated_at                 BIGINT  NOT NULL
);
CREATE INDEX webhooks_group ON webhooks (group_id);

-- The outbox: webhook calls and e-mails waiting to go out, written in the
-- transaction of the change that caused them, so that none is lost, and
-- kept afterwards as the delivery log. A worker claims due rows by setting
-- lease_until; a row whose lease ran out is claimed again.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT    NOT NULL CHECK (kind IN ('webhook', 'email')),
    hook_id         BIGINT  REFERENCES webhooks (id) ON DELETE CASCADE,
    dedupe_key      TEXT,
    event           TEXT    NOT NULL DEFAULT '',
    recipient       TEXT    NOT NULL,
    subject         TEXT    NOT NULL DEFAULT '',
    payload         TEXT    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    lease_owner     TEXT    NOT NULL DEFAULT '',
    lease_until     BIGINT  NOT NULL DEFAULT 0,
    response_status INTEGER,
    response_body   TEXT    NOT NULL DEFAULT '',
    last_error      TEXT    NOT NULL DEFAULT '',
    duration_ms     INTEGER,
    created_at      BIGINT  NOT NULL,
    finished_at     BIGINT
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
CREATE INDEX deliveries_hook ON deliveries (hook_id, id);
CREATE UNIQUE INDEX deliveries_dedupe ON deliveries (kind, dedupe_key) WHERE dedupe_key IS NOT NULL;

-- The secret of a user's calendar feed URLs, as SHA-256 (like tokens).
ALTER TABLE users ADD COLUMN feed_token_hash TEXT;
CREATE UNIQUE INDEX users_feed_token ON users (feed_token_hash) WHERE feed_token_hash IS NOT NULL;

-- +goose Down
DROP INDEX users_feed_token;
ALTER TABLE users DROP COLUMN feed_token_hash;
DROP TABLE deliveries;
DROP TABLE webhooks;
DROP TABLE todos;
DROP TABLE job_runs;
