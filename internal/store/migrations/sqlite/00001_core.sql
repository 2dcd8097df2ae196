-- +goose Up
-- Times are integer milliseconds since the Unix epoch (UTC); dates are
-- 'YYYY-MM-DD' text. Both databases store the same values.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    email         TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL DEFAULT '',
    is_admin      BOOLEAN NOT NULL DEFAULT FALSE,
    state         TEXT    NOT NULL DEFAULT 'active',
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (lower(username));
CREATE INDEX users_email ON users (lower(email));

CREATE TABLE personal_access_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    scopes       TEXT    NOT NULL,
    expires_at   TEXT,
    last_used_at BIGINT,
    revoked      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   BIGINT  NOT NULL
);
CREATE INDEX personal_access_tokens_user ON personal_access_tokens (user_id, id);

CREATE TABLE groups (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    path        TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    description TEXT   NOT NULL DEFAULT '',
    visibility  TEXT   NOT NULL DEFAULT 'private',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX groups_path ON groups (lower(path));

CREATE TABLE group_members (
    group_id        BIGINT  NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id         BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    access_level    INTEGER NOT NULL,
    planning_role   TEXT    NOT NULL,
    capacity_factor REAL    NOT NULL,
    joined_at       TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id, group_id);

CREATE TABLE projects (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id       BIGINT  NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    path           TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    description    TEXT    NOT NULL DEFAULT '',
    visibility     TEXT    NOT NULL DEFAULT 'private',
    last_issue_iid BIGINT  NOT NULL DEFAULT 0,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL
);
CREATE UNIQUE INDEX projects_path ON projects (group_id, lower(path));

CREATE TABLE labels (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id    BIGINT REFERENCES groups (id) ON DELETE CASCADE,
    project_id  BIGINT REFERENCES projects (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    color       TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    priority    INTEGER,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    CHECK ((group_id IS NULL) <> (project_id IS NULL))
);
CREATE UNIQUE INDEX labels_group_name ON labels (group_id, lower(name)) WHERE group_id IS NOT NULL;
CREATE UNIQUE INDEX labels_project_name ON labels (project_id, lower(name)) WHERE project_id IS NOT NULL;
CREATE INDEX labels_name ON labels (name);

CREATE TABLE milestones (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    iid         BIGINT NOT NULL,
    group_id    BIGINT REFERENCES groups (id) ON DELETE CASCADE,
    project_id  BIGINT REFERENCES projects (id) ON DELETE CASCADE,
    title       TEXT   NOT NULL,
    description TEXT   NOT NULL DEFAULT '',
    state       TEXT   NOT NULL DEFAULT 'active',
    start_date  TEXT,
    due_date    TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    CHECK ((group_id IS NULL) <> (project_id IS NULL))
);
CREATE UNIQUE INDEX milestones_group_title ON milestones (group_id, title) WHERE group_id IS NOT NULL;
CREATE UNIQUE INDEX milestones_project_title ON milestones (project_id, title) WHERE project_id IS NOT NULL;
CREATE INDEX milestones_title ON milestones (title);

CREATE TABLE issues (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id        BIGINT  NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    iid               BIGINT  NOT NULL,
    title             TEXT    NOT NULL,
    description       TEXT    NOT NULL DEFAULT '',
    state             TEXT    NOT NULL DEFAULT 'opened',
    author_id         BIGINT  NOT NULL REFERENCES users (id),
    milestone_id      BIGINT  REFERENCES milestones (id) ON DELETE SET NULL,
    weight            INTEGER,
    due_date          TEXT,
    confidential      BOOLEAN NOT NULL DEFAULT FALSE,
    discussion_locked BOOLEAN NOT NULL DEFAULT FALSE,
    issue_type        TEXT    NOT NULL DEFAULT 'issue',
    parent_id         BIGINT  REFERENCES issues (id) ON DELETE SET NULL,
    health_status     TEXT,
    relative_position BIGINT,
    time_estimate     INTEGER NOT NULL DEFAULT 0,
    total_time_spent  INTEGER NOT NULL DEFAULT 0,
    user_notes_count  INTEGER NOT NULL DEFAULT 0,
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL,
    closed_at         BIGINT,
    closed_by_id      BIGINT  REFERENCES users (id)
);
CREATE UNIQUE INDEX issues_project_iid ON issues (project_id, iid);
CREATE INDEX issues_project_created ON issues (project_id, created_at, id);
CREATE INDEX issues_project_state_created ON issues (project_id, state, created_at, id);
CREATE INDEX issues_project_updated ON issues (project_id, updated_at, id);
CREATE INDEX issues_milestone ON issues (milestone_id, state);
CREATE INDEX issues_author ON issues (author_id);
CREATE INDEX issues_parent ON issues (parent_id);

CREATE TABLE issue_labels (
    issue_id BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    label_id BIGINT NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    PRIMARY KEY (issue_id, label_id)
);
CREATE INDEX issue_labels_label ON issue_labels (label_id, issue_id);

CREATE TABLE issue_assignees (
    issue_id BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    user_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (issue_id, user_id)
);
CREATE INDEX issue_assignees_user ON issue_assignees (user_id, issue_id);

CREATE TABLE notes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id   BIGINT  NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    author_id  BIGINT  NOT NULL REFERENCES users (id),
    body       TEXT    NOT NULL,
    system     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL
);
CREATE INDEX notes_issue ON notes (issue_id, created_at, id);

-- One table for every kind of issue event: label, weight, milestone, state.
-- label_name and milestone_title keep history readable after deletions.
CREATE TABLE issue_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id        BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    kind            TEXT   NOT NULL,
    action          TEXT   NOT NULL,
    label_id        BIGINT REFERENCES labels (id) ON DELETE SET NULL,
    label_name      TEXT   NOT NULL DEFAULT '',
    weight          INTEGER,
    milestone_id    BIGINT REFERENCES milestones (id) ON DELETE SET NULL,
    milestone_title TEXT   NOT NULL DEFAULT '',
    user_id         BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX issue_events_issue ON issue_events (issue_id, kind, created_at, id);
CREATE INDEX issue_events_label ON issue_events (kind, label_name, created_at);

CREATE TABLE issue_links (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id  BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    target_id  BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    link_type  TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX issue_links_pair ON issue_links (source_id, target_id);
CREATE INDEX issue_links_target ON issue_links (target_id);

CREATE TABLE timelogs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id   BIGINT  NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    user_id    BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    seconds    INTEGER NOT NULL,
    summary    TEXT    NOT NULL DEFAULT '',
    spent_at   BIGINT  NOT NULL,
    created_at BIGINT  NOT NULL
);
CREATE INDEX timelogs_issue ON timelogs (issue_id, spent_at);
CREATE INDEX timelogs_user ON timelogs (user_id, spent_at);

-- +goose Down
DROP TABLE timelogs;
DROP TABLE issue_links;
DROP TABLE issue_events;
DROP TABLE notes;
DROP TABLE issue_assignees;
DROP TABLE issue_labels;
DROP TABLE issues;
DROP TABLE milestones;
DROP TABLE labels;
DROP TABLE projects;
DROP TABLE group_members;
DROP TABLE groups;
DROP TABLE personal_access_tokens;
DROP TABLE users;
