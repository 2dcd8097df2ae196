-- +goose Up
-- Weekly async status updates (seed 002): one row per update, each also a
-- note on the issue. week is the ISO week in the team's time zone
-- ("2026-W48"); confidence is how sure the author is that the issue makes
-- the current milestone. Times are integer milliseconds.
CREATE TABLE status_updates (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id    BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    author_id   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    week        TEXT   NOT NULL,
    progress    TEXT   NOT NULL,
    next_steps  TEXT   NOT NULL,
    blockers    TEXT   NOT NULL,
    confidence  TEXT   NOT NULL CHECK (confidence IN ('not', 'slightly', 'very')),
    note_id     BIGINT REFERENCES notes (id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX status_updates_issue ON status_updates (issue_id, created_at);
CREATE INDEX status_updates_week ON status_updates (week, issue_id);

-- +goose Down
DROP TABLE status_updates;
