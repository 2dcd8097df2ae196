-- +goose Up
-- Issue lists filter a project's issues by milestone and state and page
-- them newest first: this index serves that page in order and lets the
-- capped total count from the index alone, without reading issue rows.
CREATE INDEX issues_project_milestone_state ON issues (project_id, milestone_id, state, created_at, id);

-- +goose Down
DROP INDEX issues_project_milestone_state;
