-- +goose Up
-- Planning: per-team settings, time off, the parking lot of each milestone,
-- and what each milestone's finalised plan committed to. Times are integer
-- milliseconds since the Unix epoch (UTC); dates are 'YYYY-MM-DD' text.
CREATE TABLE planning_settings (
    group_id   BIGINT NOT NULL PRIMARY KEY REFERENCES groups (id) ON DELETE CASCADE,
    settings   TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE time_off (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id          BIGINT  NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id           BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    start_date        TEXT    NOT NULL,
    end_date          TEXT    NOT NULL,
    half_day          BOOLEAN NOT NULL DEFAULT FALSE,
    note              TEXT    NOT NULL DEFAULT '',
    coverage_issue_id BIGINT  REFERENCES issues (id) ON DELETE SET NULL,
    created_by        BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    created_at        BIGINT  NOT NULL
);
CREATE INDEX time_off_group_start ON time_off (group_id, start_date);
CREATE INDEX time_off_user ON time_off (user_id);

-- A parking lot entry proposes an existing issue (issue_id) or, when the
-- work has no issue yet, a free-text title.
CREATE TABLE parking_lot (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id     BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    milestone_id BIGINT NOT NULL REFERENCES milestones (id) ON DELETE CASCADE,
    issue_id     BIGINT REFERENCES issues (id) ON DELETE CASCADE,
    title        TEXT   NOT NULL DEFAULT '',
    reason       TEXT   NOT NULL,
    author_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX parking_lot_milestone ON parking_lot (milestone_id, id);

-- One row per planned milestone. The row is the lock finalisation takes, so
-- two finalisations at once serialise on it.
CREATE TABLE milestone_plans (
    milestone_id           BIGINT NOT NULL PRIMARY KEY REFERENCES milestones (id) ON DELETE CASCADE,
    group_id               BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    planning_issue_id      BIGINT REFERENCES issues (id) ON DELETE SET NULL,
    retrospective_issue_id BIGINT REFERENCES issues (id) ON DELETE SET NULL,
    finalized_at           BIGINT,
    finalized_by           BIGINT REFERENCES users (id) ON DELETE SET NULL,
    team_capacity          REAL,
    created_at             BIGINT NOT NULL
);
CREATE INDEX milestone_plans_group ON milestone_plans (group_id);

-- What a finalised plan committed to, kept for say/do and retrospectives.
CREATE TABLE plan_commitments (
    milestone_id BIGINT  NOT NULL REFERENCES milestones (id) ON DELETE CASCADE,
    issue_id     BIGINT  NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    placement    TEXT    NOT NULL CHECK (placement IN ('deliverable', 'stretch')),
    weight       INTEGER,
    carryover    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   BIGINT  NOT NULL,
    PRIMARY KEY (milestone_id, issue_id)
);
CREATE INDEX plan_commitments_issue ON plan_commitments (issue_id);

-- +goose Down
DROP TABLE plan_commitments;
DROP TABLE milestone_plans;
DROP TABLE parking_lot;
DROP TABLE time_off;
DROP TABLE planning_settings;
