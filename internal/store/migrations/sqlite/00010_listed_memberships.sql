-- +goose Up
-- Filtered issue lists (issue 9): a group's open issues with a label, or
-- assigned to someone, and their X-Total count. Counting them walked every
-- open issue of the group and probed issue_labels for each (7 ms for a
-- common label at 100,000 issues, most of a list's cost). issue_labels and
-- issue_assignees now carry a copy of their issue's state and project_id,
-- so "label L, opened, in these projects" is one range of an index and is
-- counted without touching issues (1.7 ms), and a rare label's open issues
-- are found without reading its closed ones.
--
-- The copies are kept by triggers, so no write path can forget them: an
-- inserted row takes its issue's values unless the insert gave them (the
-- archive import does, to save the extra update), and a change of an
-- issue's state or project is copied to its rows.
ALTER TABLE issue_labels ADD COLUMN state TEXT;
ALTER TABLE issue_labels ADD COLUMN project_id BIGINT;
UPDATE issue_labels SET (state, project_id) =
    (SELECT i.state, i.project_id FROM issues i WHERE i.id = issue_labels.issue_id);
CREATE INDEX issue_labels_listed ON issue_labels (label_id, state, project_id, issue_id);

ALTER TABLE issue_assignees ADD COLUMN state TEXT;
ALTER TABLE issue_assignees ADD COLUMN project_id BIGINT;
UPDATE issue_assignees SET (state, project_id) =
    (SELECT i.state, i.project_id FROM issues i WHERE i.id = issue_assignees.issue_id);
CREATE INDEX issue_assignees_listed ON issue_assignees (user_id, state, project_id, issue_id);

-- +goose StatementBegin
CREATE TRIGGER issue_labels_listed_fill AFTER INSERT ON issue_labels
WHEN NEW.state IS NULL OR NEW.project_id IS NULL
BEGIN
    UPDATE issue_labels SET (state, project_id) =
        (SELECT i.state, i.project_id FROM issues i WHERE i.id = NEW.issue_id)
    WHERE issue_id = NEW.issue_id AND label_id = NEW.label_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER issue_assignees_listed_fill AFTER INSERT ON issue_assignees
WHEN NEW.state IS NULL OR NEW.project_id IS NULL
BEGIN
    UPDATE issue_assignees SET (state, project_id) =
        (SELECT i.state, i.project_id FROM issues i WHERE i.id = NEW.issue_id)
    WHERE issue_id = NEW.issue_id AND user_id = NEW.user_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER issues_listed_follow AFTER UPDATE OF state, project_id ON issues
WHEN OLD.state IS NOT NEW.state OR OLD.project_id IS NOT NEW.project_id
BEGIN
    UPDATE issue_labels SET state = NEW.state, project_id = NEW.project_id WHERE issue_id = NEW.id;
    UPDATE issue_assignees SET state = NEW.state, project_id = NEW.project_id WHERE issue_id = NEW.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER issues_listed_follow;
DROP TRIGGER issue_assignees_listed_fill;
DROP TRIGGER issue_labels_listed_fill;
DROP INDEX issue_assignees_listed;
DROP INDEX issue_labels_listed;
ALTER TABLE issue_assignees DROP COLUMN project_id;
ALTER TABLE issue_assignees DROP COLUMN state;
ALTER TABLE issue_labels DROP COLUMN project_id;
ALTER TABLE issue_labels DROP COLUMN state;
