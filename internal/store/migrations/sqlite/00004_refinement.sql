-- +goose Up
-- Refinement and metrics: each group's description templates (the built-in
-- ones live in the code, planning/templates.go; a row with a built-in's
-- name replaces it for the group), and the indexes the planning metrics and
-- the refinement queue read through. Times are integer milliseconds.
CREATE TABLE templates (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id    BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    name        TEXT   NOT NULL,
    description TEXT   NOT NULL DEFAULT '',
    content     TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX templates_group_name ON templates (group_id, lower(name));

-- +goose Down
DROP TABLE templates;
