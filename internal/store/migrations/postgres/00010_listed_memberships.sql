-- +goose Up
-- Filtered issue lists (issue 9): a group's open issues with a label, or
-- assigned to someone, and their X-Total count. Counting them walked every
-- open issue of the group and probed issue_labels for each. issue_labels
-- and issue_assignees now carry a copy of their issue's state and
-- project_id, so "label L, opened, in these projects" is one range of an
-- index and is counted without touching issues, and a rare label's open
-- issues are found without reading its closed ones.
--
-- The copies are kept by triggers, so no write path can forget them: an
-- inserted row takes its issue's values unless the insert gave them (the
-- archive import does), and a change of an issue's state or project is
-- copied to its rows. Writers that add labels or assignees to an existing
-- issue hold its row lock (lockIssue), so a concurrent close cannot leave
-- a row with the old state.
ALTER TABLE issue_labels ADD COLUMN state TEXT, ADD COLUMN project_id BIGINT;
UPDATE issue_labels il SET state = i.state, project_id = i.project_id FROM issues i WHERE i.id = il.issue_id;
CREATE INDEX issue_labels_listed ON issue_labels (label_id, state, project_id, issue_id);

ALTER TABLE issue_assignees ADD COLUMN state TEXT, ADD COLUMN project_id BIGINT;
UPDATE issue_assignees ia SET state = i.state, project_id = i.project_id FROM issues i WHERE i.id = ia.issue_id;
CREATE INDEX issue_assignees_listed ON issue_assignees (user_id, state, project_id, issue_id);

-- +goose StatementBegin
CREATE FUNCTION cairn_listed_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state IS NULL OR NEW.project_id IS NULL THEN
        SELECT i.state, i.project_id INTO NEW.state, NEW.project_id FROM issues i WHERE i.id = NEW.issue_id;
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER issue_labels_listed_fill BEFORE INSERT ON issue_labels
    FOR EACH ROW EXECUTE FUNCTION cairn_listed_fill();
CREATE TRIGGER issue_assignees_listed_fill BEFORE INSERT ON issue_assignees
    FOR EACH ROW EXECUTE FUNCTION cairn_listed_fill();

-- +goose StatementBegin
CREATE FUNCTION cairn_listed_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE issue_labels SET state = NEW.state, project_id = NEW.project_id WHERE issue_id = NEW.id;
    UPDATE issue_assignees SET state = NEW.state, project_id = NEW.project_id WHERE issue_id = NEW.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER issues_listed_follow AFTER UPDATE OF state, project_id ON issues
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.project_id IS DISTINCT FROM NEW.project_id)
    EXECUTE FUNCTION cairn_listed_follow();

-- +goose Down
DROP TRIGGER issues_listed_follow ON issues;
DROP FUNCTION cairn_listed_follow();
DROP TRIGGER issue_assignees_listed_fill ON issue_assignees;
DROP TRIGGER issue_labels_listed_fill ON issue_labels;
DROP FUNCTION cairn_listed_fill();
DROP INDEX issue_assignees_listed;
DROP INDEX issue_labels_listed;
ALTER TABLE issue_assignees DROP COLUMN state, DROP COLUMN project_id;
ALTER TABLE issue_labels DROP COLUMN state, DROP COLUMN project_id;
