-- +goose Up
-- The indexes the planning metrics, the burndown and refinement time read
-- through (internal/store/metrics.go, refinement.go).

-- The metrics read the issues in reach of a window: open ones (by
-- issues_project_state_created) and those closed since its start (here).
CREATE INDEX issues_project_closed ON issues (project_id, closed_at);
-- Velocity, carryover and the burndown find every issue that ever had a
-- milestone through its milestone events.
CREATE INDEX issue_events_milestone ON issue_events (milestone_id, issue_id) WHERE milestone_id IS NOT NULL;
-- The metrics replay the label and state events of every issue in reach of
-- a window, issue by issue: this index holds all they read, so that no
-- event row is visited. It starts as issue_events_issue does, which it
-- replaces.
CREATE INDEX issue_events_history ON issue_events (issue_id, kind, created_at, id, action, label_name);
DROP INDEX issue_events_issue;
-- Refinement time reads a window's time logs by when they were spent.
CREATE INDEX timelogs_spent ON timelogs (spent_at);

-- +goose Down
DROP INDEX timelogs_spent;
CREATE INDEX issue_events_issue ON issue_events (issue_id, kind, created_at, id);
DROP INDEX issue_events_history;
DROP INDEX issue_events_milestone;
DROP INDEX issues_project_closed;
