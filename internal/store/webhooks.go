package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/netguard"
	"github.com/cairnhq/cairn/internal/webhook"
)

var _ cairn.WebhookService = (*Store)(nil)

// webhookColumns are the columns scanWebhook reads, for webhooks "w".
const webhookColumns = "w.id, w.group_id, w.url, w.token, w.name, w.description, w.issues_events, w.confidential_issues_events, " +
	"w.note_events, w.confidential_note_events, w.status_update_events, w.planning_events, w.enable_ssl_verification, w.created_at"

func scanWebhook(r scanner) (*cairn.Webhook, error) {
	var h cairn.Webhook
	var created int64
	if err := r.Scan(&h.ID, &h.GroupID, &h.URL, &h.Token, &h.Name, &h.Description, &h.IssuesEvents, &h.ConfidentialIssuesEvents,
		&h.NoteEvents, &h.ConfidentialNoteEvents, &h.StatusUpdateEvents, &h.PlanningEvents, &h.EnableSSLVerification, &created); err != nil {
		return nil, err
	}
	h.CreatedAt = fromMS(created)
	return &h, nil
}

// CreateWebhook adds a webhook to a group. The group is locked while its
// hooks are counted, so concurrent creations cannot pass
// cairn.MaxWebhooksPerGroup. ENOTFOUND if the group does not exist;
// EINVALID for bad input or one hook too many.
func (s *Store) CreateWebhook(ctx context.Context, in cairn.WebhookCreate) (*cairn.Webhook, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkHookURL(in.URL); err != nil {
		return nil, err
	}
	var id int64
	err := s.write(ctx, func(c *conn) error {
		if err := lockGroup(ctx, c, in.GroupID); err != nil {
			return err
		}
		var n int
		if err := c.queryRow(ctx, "SELECT count(*) FROM webhooks WHERE group_id = ?", in.GroupID).Scan(&n); err != nil {
			return fmt.Errorf("count webhooks: %w", err)
		}
		if n >= cairn.MaxWebhooksPerGroup {
			return cairn.Errorf(cairn.EINVALID, "Maximum number of group hooks (%d) exceeded", cairn.MaxWebhooksPerGroup)
		}
		now := ms(s.now())
		var err error
		id, err = c.insert(ctx, `INSERT INTO webhooks (group_id, url, token, name, description, issues_events, confidential_issues_events,
				note_events, confidential_note_events, status_update_events, planning_events, enable_ssl_verification, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			in.GroupID, in.URL, in.Token, in.Name, in.Description, in.IssuesEvents, in.ConfidentialIssuesEvents,
			in.NoteEvents, in.ConfidentialNoteEvents, in.StatusUpdateEvents, in.PlanningEvents, *in.EnableSSLVerification, now, now)
		if err != nil {
			return fmt.Errorf("create webhook: %w", err)
		}
		return s.audit(ctx, c, auditEntry{groupID: in.GroupID, action: cairn.AuditWebhookCreate, targetType: "Webhook", targetID: id,
			details: map[string]any{"add": "webhook", "target_details": auditURL(in.URL), "name": in.Name}})
	})
	if err != nil {
		return nil, err
	}
	return s.GroupWebhook(ctx, in.GroupID, id)
}

// checkHookURL refuses a hook URL (valid already) whose host is a literal
// address, or localhost, outside s.WebhookNetworks, so that its owner
// learns at once what the sender would refuse on every delivery.
func (s *Store) checkHookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return cairn.FieldError("url", "must be a valid URL")
	}
	if re, ok := netguard.IsRefused(s.WebhookNetworks.CheckHost(u.Hostname())); ok {
		return cairn.FieldError("url", "is blocked: "+re.Reason())
	}
	return nil
}

// GroupWebhook returns one of a group's webhooks; ENOTFOUND ("Hook") if
// the group has no such hook.
func (s *Store) GroupWebhook(ctx context.Context, groupID, id int64) (*cairn.Webhook, error) {
	h, err := scanWebhook(s.read().queryRow(ctx, "SELECT "+webhookColumns+" FROM webhooks w WHERE w.id = ? AND w.group_id = ?", id, groupID))
	if err != nil {
		return nil, notFound(fmt.Errorf("webhook %d: %w", id, err), "Hook")
	}
	return h, nil
}

// WebhookByID returns a webhook of any group, for the sender that needs its
// token and TLS setting; ENOTFOUND ("Hook") once it has been deleted.
func (s *Store) WebhookByID(ctx context.Context, id int64) (*cairn.Webhook, error) {
	h, err := scanWebhook(s.read().queryRow(ctx, "SELECT "+webhookColumns+" FROM webhooks w WHERE w.id = ?", id))
	if err != nil {
		return nil, notFound(fmt.Errorf("webhook %d: %w", id, err), "Hook")
	}
	return h, nil
}

// ListWebhooks lists a group's webhooks, oldest first, with the total.
func (s *Store) ListWebhooks(ctx context.Context, groupID int64, p cairn.Page) ([]*cairn.Webhook, cairn.Total, error) {
	p = p.Normalize()
	c := s.read()
	rows, err := c.query(ctx, "SELECT "+webhookColumns+" FROM webhooks w WHERE w.group_id = ? ORDER BY w.id LIMIT ? OFFSET ?",
		groupID, p.PerPage, p.Offset())
	if err != nil {
		return nil, cairn.Total{}, fmt.Errorf("list webhooks: %w", err)
	}
	out := []*cairn.Webhook{}
	for rows.Next() {
		h, err := scanWebhook(rows)
		if err != nil {
			rows.Close()
			return nil, cairn.Total{}, fmt.Errorf("scan webhook: %w", err)
		}
		out = append(out, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, cairn.Total{}, fmt.Errorf("list webhooks: %w", err)
	}
	total, err := countPage(ctx, c, "FROM webhooks w WHERE w.group_id = ?", []any{groupID}, p, len(out))
	return out, total, err
}

// UpdateWebhook changes one of a group's webhooks. Deliveries still in the
// outbox go out to the hook as it is when they are sent (its new URL and
// token), so fixing a wrong URL lets pending retries through. ENOTFOUND
// ("Hook") if the group has no such hook; EINVALID for bad input.
func (s *Store) UpdateWebhook(ctx context.Context, groupID, id int64, u cairn.WebhookUpdate) (*cairn.Webhook, error) {
	if err := u.Validate(); err != nil {
		return nil, err
	}
	if u.URL != nil {
		if err := s.checkHookURL(*u.URL); err != nil {
			return nil, err
		}
	}
	err := s.write(ctx, func(c *conn) error {
		cur, err := scanWebhook(c.queryRow(ctx, "SELECT "+webhookColumns+" FROM webhooks w WHERE w.id = ? AND w.group_id = ?"+c.forUpdate(), id, groupID))
		if err != nil {
			return notFound(fmt.Errorf("webhook %d: %w", id, err), "Hook")
		}
		h := u.Apply(*cur)
		_, err = c.exec(ctx, `UPDATE webhooks SET url = ?, token = ?, name = ?, description = ?, issues_events = ?, confidential_issues_events = ?,
				note_events = ?, confidential_note_events = ?, status_update_events = ?, planning_events = ?, enable_ssl_verification = ?, updated_at = ?
			WHERE id = ?`,
			h.URL, h.Token, h.Name, h.Description, h.IssuesEvents, h.ConfidentialIssuesEvents, h.NoteEvents, h.ConfidentialNoteEvents,
			h.StatusUpdateEvents, h.PlanningEvents, h.EnableSSLVerification, ms(s.now()), id)
		if err != nil {
			return fmt.Errorf("update webhook %d: %w", id, err)
		}
		changes := webhookChanges(cur, &h)
		if len(changes) == 0 {
			return nil
		}
		return s.audit(ctx, c, auditEntry{groupID: groupID, action: cairn.AuditWebhookUpdate, targetType: "Webhook", targetID: id,
			details: map[string]any{"change": "webhook", "target_details": auditURL(h.URL), "changes": changes}})
	})
	if err != nil {
		return nil, err
	}
	return s.GroupWebhook(ctx, groupID, id)
}

// DeleteWebhook deletes one of a group's webhooks; its deliveries, pending
// ones and the log, go with it. ENOTFOUND ("Hook") if the group has no such
// hook.
func (s *Store) DeleteWebhook(ctx context.Context, groupID, id int64) error {
	return s.write(ctx, func(c *conn) error {
		var hookURL string
		err := c.queryRow(ctx, "DELETE FROM webhooks WHERE id = ? AND group_id = ? RETURNING url", id, groupID).Scan(&hookURL)
		if err != nil {
			return notFound(fmt.Errorf("delete webhook %d: %w", id, err), "Hook")
		}
		return s.audit(ctx, c, auditEntry{groupID: groupID, action: cairn.AuditWebhookDelete, targetType: "Webhook", targetID: id,
			details: map[string]any{"remove": "webhook", "target_details": auditURL(hookURL)}})
	})
}

// TestWebhook enqueues an Issue Hook for the group's most recently updated
// issue, a confidential one only if the hook takes confidential issues
// events, as GitLab's "Test" button does, and returns the delivery's id.
// ENOTFOUND ("Hook") if the group has no such hook; EINVALID if it has no
// issue to send.
func (s *Store) TestWebhook(ctx context.Context, groupID, id int64) (int64, error) {
	var deliveryID int64
	err := s.write(ctx, func(c *conn) error {
		h, err := scanWebhook(c.queryRow(ctx, "SELECT "+webhookColumns+" FROM webhooks w WHERE w.id = ? AND w.group_id = ?", id, groupID))
		if err != nil {
			return notFound(fmt.Errorf("webhook %d: %w", id, err), "Hook")
		}
		where, args := "p.group_id = ?", []any{groupID}
		if !h.ConfidentialIssuesEvents {
			where, args = where+" AND i.confidential = ?", append(args, false)
		}
		var issueID int64
		err = c.queryRow(ctx, "SELECT i.id FROM issues i JOIN projects p ON p.id = i.project_id WHERE "+where+
			" ORDER BY i.updated_at DESC, i.id DESC LIMIT 1", args...).Scan(&issueID)
		if errors.Is(err, sql.ErrNoRows) {
			return cairn.Errorf(cairn.EINVALID, "Ensure the group has issues.")
		}
		if err != nil {
			return fmt.Errorf("test webhook: find an issue: %w", err)
		}
		e, err := issueEventOf(ctx, c, issueID, nil, cairn.UserFromContext(ctx))
		if err != nil {
			return err
		}
		payload, err := webhook.IssuePayload(s.BaseURL, *e)
		if err != nil {
			return err
		}
		deliveryID, err = s.enqueueDelivery(ctx, c, &Delivery{Kind: DeliveryWebhook, HookID: h.ID,
			Event: webhook.Header(webhook.EventIssue, e.Confidential()), Recipient: h.URL, Payload: payload})
		return err
	})
	return deliveryID, err
}

// hookCondition is the SQL condition on webhooks "w" that selects the hooks
// subscribed to an event. Confidential issues, their notes and their status
// updates go only to hooks that take confidential issues (or notes).
func hookCondition(event string, confidential bool) (string, error) {
	switch event {
	case webhook.EventIssue:
		if confidential {
			return "w.confidential_issues_events", nil
		}
		return "w.issues_events", nil
	case webhook.EventNote:
		if confidential {
			return "w.confidential_note_events", nil
		}
		return "w.note_events", nil
	case webhook.EventStatusUpdate:
		if confidential {
			return "w.status_update_events AND w.confidential_issues_events", nil
		}
		return "w.status_update_events", nil
	case webhook.EventPlanning:
		return "w.planning_events", nil
	}
	return "", fmt.Errorf("unknown webhook event %q", event)
}

// enqueueHooks puts one delivery of event into the outbox, inside c's
// transaction, for each of the group's hooks subscribed to it; a change
// that rolls back thus calls no hook. build makes the payload, once for all
// the hooks, and is not called when no hook wants the event, so a group
// without webhooks pays one indexed query per change.
func (s *Store) enqueueHooks(ctx context.Context, c *conn, groupID int64, event string, confidential bool, build func() ([]byte, error)) error {
	cond, err := hookCondition(event, confidential)
	if err != nil {
		return err
	}
	rows, err := c.query(ctx, "SELECT w.id, w.url FROM webhooks w WHERE w.group_id = ? AND "+cond+" ORDER BY w.id LIMIT ?",
		groupID, cairn.MaxWebhooksPerGroup)
	if err != nil {
		return fmt.Errorf("find %s webhooks: %w", event, err)
	}
	type hook struct {
		id  int64
		url string
	}
	var hooks []hook
	for rows.Next() {
		var h hook
		if err := rows.Scan(&h.id, &h.url); err != nil {
			rows.Close()
			return fmt.Errorf("scan webhook: %w", err)
		}
		hooks = append(hooks, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(hooks) == 0 {
		return err
	}
	payload, err := build()
	if err != nil {
		return fmt.Errorf("%s webhook payload: %w", event, err)
	}
	header := webhook.Header(event, confidential)
	for _, h := range hooks {
		if _, err := s.enqueueDelivery(ctx, c, &Delivery{Kind: DeliveryWebhook, HookID: h.id, Event: header,
			Recipient: h.url, Payload: payload}); err != nil {
			return err
		}
	}
	return nil
}

// deliveryEnqueued tells the outbox worker (Store.OnDelivery) that a
// committed transaction put deliveries in the outbox, so that they go out
// at once rather than at its next poll.
func (s *Store) deliveryEnqueued() {
	if s.OnDelivery != nil {
		s.OnDelivery()
	}
}

// hookProjects loads projects with their groups by id, in one query.
func hookProjects(ctx context.Context, c *conn, ids []int64) (map[int64]*cairn.Project, error) {
	ids = uniqueNonZero(ids)
	out := make(map[int64]*cairn.Project, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := c.query(ctx, "SELECT "+projectColumns+projectFrom+" WHERE p.id IN ("+placeholders(len(ids))+") ORDER BY p.id LIMIT ?",
		append(int64Args(ids), len(ids))...)
	if err != nil {
		return nil, fmt.Errorf("load projects: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, fmt.Errorf("scan project: %w", err)
		}
		out[p.ID] = p
	}
	return out, rows.Err()
}

func hookProject(ctx context.Context, c *conn, id int64) (*cairn.Project, error) {
	ps, err := hookProjects(ctx, c, []int64{id})
	if err != nil {
		return nil, err
	}
	if ps[id] == nil {
		return nil, cairn.NotFound("Project")
	}
	return ps[id], nil
}

// hookIssueScope returns the group of an issue and whether it is
// confidential, as it is now in c's transaction (a quick action may just
// have changed it).
func hookIssueScope(ctx context.Context, c *conn, issueID int64) (groupID int64, confidential bool, err error) {
	err = c.queryRow(ctx, "SELECT p.group_id, i.confidential FROM issues i JOIN projects p ON p.id = i.project_id WHERE i.id = ?",
		issueID).Scan(&groupID, &confidential)
	if err != nil {
		return 0, false, notFound(fmt.Errorf("webhook issue %d: %w", issueID, err), "Issue")
	}
	return groupID, confidential, nil
}

// issueEventOf loads the issue as it is now in c's transaction, with its
// project, into an IssueEvent.
func issueEventOf(ctx context.Context, c *conn, issueID int64, previous *cairn.Issue, actor *cairn.User) (*webhook.IssueEvent, error) {
	is, err := issueWhere(ctx, c, "i.id = ?", issueID)
	if err != nil {
		return nil, err
	}
	p, err := hookProject(ctx, c, is.ProjectID)
	if err != nil {
		return nil, err
	}
	return &webhook.IssueEvent{User: actor, Project: p, Issue: is, Previous: previous}, nil
}

// issueOpenedHook enqueues the Issue Hook (action "open") of an issue just
// created in c's transaction by user actorID (0 for none).
func (s *Store) issueOpenedHook(ctx context.Context, c *conn, groupID, issueID int64, confidential bool, actorID int64) error {
	return s.enqueueHooks(ctx, c, groupID, webhook.EventIssue, confidential, func() ([]byte, error) {
		us, err := usersByIDs(ctx, c, []int64{actorID})
		if err != nil {
			return nil, err
		}
		e, err := issueEventOf(ctx, c, issueID, nil, us[actorID])
		if err != nil {
			return nil, err
		}
		return webhook.IssuePayload(s.BaseURL, *e)
	})
}

// issueHookBefore returns the issue cur as it is before a change, for the
// "changes" of its Issue Hook, or nil when the group has no hook that takes
// issue events (then the change sends none, and loading it is skipped).
func issueHookBefore(ctx context.Context, c *conn, groupID int64, cur *storedIssue) (*cairn.Issue, error) {
	var one int
	err := c.queryRow(ctx, "SELECT 1 FROM webhooks w WHERE w.group_id = ? AND (w.issues_events OR w.confidential_issues_events) LIMIT 1",
		groupID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find issue webhooks: %w", err)
	}
	return issueWhere(ctx, c, "i.id = ?", cur.ID)
}

// issueChangedHook enqueues the Issue Hook of a change to the issue that
// was before (from issueHookBefore; nil sends nothing). It goes to the
// hooks that take confidential issues when the issue is confidential or
// was before the change.
func (s *Store) issueChangedHook(ctx context.Context, c *conn, groupID int64, before *cairn.Issue, actor *cairn.User) error {
	if before == nil {
		return nil
	}
	e, err := issueEventOf(ctx, c, before.ID, before, actor)
	if err != nil {
		return err
	}
	return s.enqueueHooks(ctx, c, groupID, webhook.EventIssue, e.Confidential(), func() ([]byte, error) {
		return webhook.IssuePayload(s.BaseURL, *e)
	})
}

// noteHook enqueues the Note Hook of a note just posted in c's transaction
// by actor; a note on a confidential issue goes only to hooks that take
// confidential notes.
func (s *Store) noteHook(ctx context.Context, c *conn, issueID, noteID int64, actor *cairn.User) error {
	gid, confidential, err := hookIssueScope(ctx, c, issueID)
	if err != nil {
		return err
	}
	return s.enqueueHooks(ctx, c, gid, webhook.EventNote, confidential, func() ([]byte, error) {
		n, err := noteWhere(ctx, c, "n.id = ?", noteID)
		if err != nil {
			return nil, err
		}
		e, err := issueEventOf(ctx, c, issueID, nil, actor)
		if err != nil {
			return nil, err
		}
		return webhook.NotePayload(s.BaseURL, webhook.NoteEvent{User: actor, Project: e.Project, Issue: e.Issue, Note: n})
	})
}

// statusUpdateHook enqueues the Status Update Hook of a status update just
// recorded in c's transaction.
func (s *Store) statusUpdateHook(ctx context.Context, c *conn, issueID, updateID int64, actor *cairn.User) error {
	gid, confidential, err := hookIssueScope(ctx, c, issueID)
	if err != nil {
		return err
	}
	return s.enqueueHooks(ctx, c, gid, webhook.EventStatusUpdate, confidential, func() ([]byte, error) {
		list, err := loadStatusUpdates(ctx, c, "SELECT "+statusUpdateColumns+" FROM status_updates su JOIN issues i ON i.id = su.issue_id WHERE su.id = ?", updateID)
		if err != nil {
			return nil, err
		}
		if len(list) == 0 {
			return nil, cairn.NotFound("Status update")
		}
		e, err := issueEventOf(ctx, c, issueID, nil, actor)
		if err != nil {
			return nil, err
		}
		return webhook.StatusUpdatePayload(s.BaseURL, webhook.StatusUpdateEvent{User: actor, Project: e.Project, Issue: e.Issue, Update: list[0]})
	})
}

// planningHook enqueues the Planning Hook of a plan finalised in c's
// transaction: the milestone, its commitments with their weights, and the
// team capacity.
func (s *Store) planningHook(ctx context.Context, c *conn, groupID, milestoneID int64, commitments []PlanCommitment,
	capacity float64, actor *cairn.User, at int64) error {
	return s.enqueueHooks(ctx, c, groupID, webhook.EventPlanning, false, func() ([]byte, error) {
		g, err := scanGroup(c.queryRow(ctx, "SELECT "+groupColumns+" FROM groups g WHERE g.id = ?", groupID))
		if err != nil {
			return nil, notFound(fmt.Errorf("planning webhook: %w", err), "Group")
		}
		m, err := milestoneByID(ctx, c, milestoneID, false)
		if err != nil {
			return nil, err
		}
		ids := make([]int64, 0, len(commitments))
		for _, cm := range commitments {
			ids = append(ids, cm.IssueID)
		}
		var issues []*cairn.Issue
		if len(ids) > 0 {
			if issues, err = loadIssues(ctx, c, "SELECT "+issueColumns+" FROM issues i WHERE i.id IN ("+placeholders(len(ids))+
				") ORDER BY i.id LIMIT ?", append(int64Args(ids), len(ids))...); err != nil {
				return nil, err
			}
		}
		byID := make(map[int64]*cairn.Issue, len(issues))
		projectIDs := make([]int64, 0, len(issues))
		for _, is := range issues {
			byID[is.ID] = is
			projectIDs = append(projectIDs, is.ProjectID)
		}
		projects, err := hookProjects(ctx, c, projectIDs)
		if err != nil {
			return nil, err
		}
		e := webhook.PlanningEvent{User: actor, Group: g, Milestone: m, FinalizedAt: fromMS(at), TeamCapacity: capacity,
			Deliverables: []webhook.PlannedIssue{}, Stretch: []webhook.PlannedIssue{}}
		for _, cm := range commitments {
			is := byID[cm.IssueID]
			if is == nil {
				continue
			}
			pi := webhook.PlannedIssue{Issue: is, Project: projects[is.ProjectID], Weight: cm.Weight, Carryover: cm.Carryover}
			if strings.EqualFold(cm.Placement, PlacementStretch) {
				e.Stretch = append(e.Stretch, pi)
			} else {
				e.Deliverables = append(e.Deliverables, pi)
			}
		}
		return webhook.PlanningPayload(s.BaseURL, e)
	})
}
