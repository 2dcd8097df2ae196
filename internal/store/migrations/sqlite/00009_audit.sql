-- +goose Up
-- The audit log (issue 7): who signed in, made or revoked a token, changed
-- a group's members, planning settings or webhooks, or finalised a plan.
-- Rows are written in the transaction of the action they record and never
-- changed. actor_id and group_id carry no foreign keys on purpose: the log
-- must outlive the users and groups it names. group_id is NULL for
-- instance-level events (sign-ins, tokens). details is a JSON object of
-- the action's particulars; ip is the client's address, '' when unknown.
-- Times are integer milliseconds since the Unix epoch.
CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id    BIGINT,
    actor_id    BIGINT,
    action      TEXT   NOT NULL,
    target_type TEXT   NOT NULL DEFAULT '',
    target_id   BIGINT,
    details     TEXT   NOT NULL DEFAULT '{}',
    ip          TEXT   NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE INDEX audit_events_group ON audit_events (group_id, created_at, id);
CREATE INDEX audit_events_created ON audit_events (created_at, id);

-- +goose Down
DROP TABLE audit_events;
