package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/cairnhq/cairn"
)

var _ cairn.AuditService = (*Store)(nil)

// auditEntry is one audit event to record in the transaction of its action.
type auditEntry struct {
	groupID    int64 // 0 for instance-level events
	actorID    int64 // 0: the context's user
	action     string
	targetType string
	targetID   int64
	details    map[string]any
	ip         string // "": the context's client address
}

// maxAuditDetails bounds the stored details; bigger ones (a large
// settings change) keep only their summary.
const maxAuditDetails = 16 << 10

// audit records e inside c's transaction, so that the event is in the log
// if and only if its action committed.
func (s *Store) audit(ctx context.Context, c *conn, e auditEntry) error {
	if e.actorID == 0 {
		e.actorID = cairn.UserIDFromContext(ctx)
	}
	if e.ip == "" {
		e.ip = cairn.ClientIPFromContext(ctx)
	}
	details, err := json.Marshal(e.details)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.action, err)
	}
	if e.details == nil {
		details = []byte("{}")
	}
	if len(details) > maxAuditDetails {
		delete(e.details, "changes")
		e.details["truncated"] = true
		if details, err = json.Marshal(e.details); err != nil {
			return fmt.Errorf("audit %s: %w", e.action, err)
		}
	}
	var target sql.NullInt64
	if e.targetID != 0 {
		target = sql.NullInt64{Int64: e.targetID, Valid: true}
	}
	_, err = c.exec(ctx, `INSERT INTO audit_events (group_id, actor_id, action, target_type, target_id, details, ip, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		optID(e.groupID), optID(e.actorID), e.action, e.targetType, target, string(details), truncate(e.ip, 64), ms(s.now()))
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.action, err)
	}
	return nil
}

// accessLevelName is GitLab's name of an access level, as its audit events
// show it ("Developer").
func accessLevelName(level int) string {
	switch level {
	case cairn.AccessGuest:
		return "Guest"
	case cairn.AccessReporter:
		return "Reporter"
	case cairn.AccessDeveloper:
		return "Developer"
	case cairn.AccessMaintainer:
		return "Maintainer"
	case cairn.AccessOwner:
		return "Owner"
	}
	return fmt.Sprintf("Access level %d", level)
}

// change is one field's change in an event's "changes".
func change(from, to any) map[string]any { return map[string]any{"from": from, "to": to} }

// memberChanges lists what an update changed in a membership.
func memberChanges(before, after *cairn.Member) map[string]any {
	out := map[string]any{}
	if before.AccessLevel != after.AccessLevel {
		out["access_level"] = change(accessLevelName(before.AccessLevel), accessLevelName(after.AccessLevel))
	}
	if before.PlanningRole != after.PlanningRole {
		out["planning_role"] = change(before.PlanningRole, after.PlanningRole)
	}
	if before.CapacityFactor != after.CapacityFactor {
		out["capacity_factor"] = change(before.CapacityFactor, after.CapacityFactor)
	}
	if before.JoinedAt != after.JoinedAt {
		out["joined_at"] = change(before.JoinedAt, after.JoinedAt)
	}
	return out
}

// settingsChanges lists the top-level keys whose values differ between
// two JSON objects of planning settings (nil for none stored). Documents
// that are not objects, which the planner never writes, show as one
// change of "settings" rather than fail the change they record.
func settingsChanges(before, after []byte) map[string]any {
	var b, a map[string]json.RawMessage
	errB, errA := unmarshalObject(before, &b), unmarshalObject(after, &a)
	if errB != nil || errA != nil {
		if string(before) == string(after) {
			return nil
		}
		return map[string]any{"settings": change(nil, "changed")}
	}
	out := map[string]any{}
	for k, v := range a {
		if old, ok := b[k]; !ok || !jsonEqual(old, v) {
			out[k] = change(b[k], v)
		}
	}
	for k, old := range b {
		if _, ok := a[k]; !ok {
			out[k] = change(old, nil)
		}
	}
	return out
}

// unmarshalObject reads a JSON object; empty input is none.
func unmarshalObject(doc []byte, v *map[string]json.RawMessage) error {
	if len(doc) == 0 {
		return nil
	}
	return json.Unmarshal(doc, v)
}

// jsonEqual compares two JSON values by meaning, not spelling.
func jsonEqual(x, y json.RawMessage) bool {
	var a, b any
	if json.Unmarshal(x, &a) != nil || json.Unmarshal(y, &b) != nil {
		return string(x) == string(y)
	}
	ax, _ := json.Marshal(a)
	bx, _ := json.Marshal(b)
	return string(ax) == string(bx)
}

// auditURL is a webhook URL fit for the log: without user information,
// query and fragment, which may carry credentials.
func auditURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

// webhookChanges lists what an update changed in a hook; the secret token
// only as changed, never its value.
func webhookChanges(before, after *cairn.Webhook) map[string]any {
	out := map[string]any{}
	if before.URL != after.URL {
		out["url"] = change(auditURL(before.URL), auditURL(after.URL))
	}
	if before.Token != after.Token {
		out["token"] = change(nil, "changed")
	}
	if before.Name != after.Name {
		out["name"] = change(before.Name, after.Name)
	}
	if before.Description != after.Description {
		out["description"] = change(nil, "changed")
	}
	flags := []struct {
		name string
		b, a bool
	}{
		{"issues_events", before.IssuesEvents, after.IssuesEvents},
		{"confidential_issues_events", before.ConfidentialIssuesEvents, after.ConfidentialIssuesEvents},
		{"note_events", before.NoteEvents, after.NoteEvents},
		{"confidential_note_events", before.ConfidentialNoteEvents, after.ConfidentialNoteEvents},
		{"status_update_events", before.StatusUpdateEvents, after.StatusUpdateEvents},
		{"planning_events", before.PlanningEvents, after.PlanningEvents},
		{"enable_ssl_verification", before.EnableSSLVerification, after.EnableSSLVerification},
	}
	for _, f := range flags {
		if f.b != f.a {
			out[f.name] = change(f.b, f.a)
		}
	}
	return out
}

// maxAuditLogin bounds the login text a failed sign-in records.
const maxAuditLogin = 255

// RecordFailedSignIn records a failed sign-in with login (the text typed
// as username or e-mail address) in the audit log, from ip ("": the
// context's client address). The event's target is the user the login
// names, when there is one, so that an account's owner and the admins can
// see it being guessed at.
func (s *Store) RecordFailedSignIn(ctx context.Context, login, ip string) error {
	login = truncate(strings.TrimSpace(login), maxAuditLogin)
	return s.write(ctx, func(c *conn) error {
		var uid int64
		var username string
		if login != "" {
			// The account Authenticate would have tried.
			err := c.queryRow(ctx, "SELECT u.id, u.username FROM users u"+
				" WHERE lower(u.username) = lower(?) OR (u.email <> '' AND lower(u.email) = lower(?))"+
				" ORDER BY CASE WHEN lower(u.username) = lower(?) THEN 0 ELSE 1 END, u.id LIMIT 1",
				login, login, login).Scan(&uid, &username)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("failed sign-in: find user: %w", err)
			}
		}
		details := map[string]any{"failed_login": "STANDARD", "login": login}
		if username != "" {
			details["target_details"] = username
		}
		return s.audit(ctx, c, auditEntry{action: cairn.AuditSignInFailed, actorID: -1, targetType: cairn.AuditEntityUser,
			targetID: uid, details: details, ip: ip})
	})
}

// auditColumns are the columns scanAuditEvent reads, for audit_events "a"
// with its actor "u" and group "g" (both LEFT JOINed).
const auditColumns = "a.id, a.group_id, a.actor_id, a.action, a.target_type, a.target_id, a.details, a.ip, a.created_at, " +
	"COALESCE(u.name, ''), COALESCE(g.path, '')"

const auditFrom = " FROM audit_events a LEFT JOIN users u ON u.id = a.actor_id LEFT JOIN groups g ON g.id = a.group_id"

func scanAuditEvent(r scanner) (*cairn.AuditEvent, error) {
	var e cairn.AuditEvent
	var group, actor, target sql.NullInt64
	var details string
	var created int64
	if err := r.Scan(&e.ID, &group, &actor, &e.Action, &e.TargetType, &target, &details, &e.IP, &created,
		&e.ActorName, &e.GroupPath); err != nil {
		return nil, err
	}
	e.GroupID, e.ActorID, e.TargetID = group.Int64, actor.Int64, target.Int64
	if e.ActorID < 0 {
		// An unauthenticated actor (a failed sign-in) is recorded as -1,
		// GitLab's id for one, and read back as none.
		e.ActorID = 0
	}
	if err := json.Unmarshal([]byte(details), &e.Details); err != nil || e.Details == nil {
		e.Details = map[string]any{}
	}
	e.CreatedAt = fromMS(created)
	return &e, nil
}

// ListAuditEvents lists the audit events f selects, newest first, with
// their total: a group's (EntityType "Group"), the instance-level ones
// (EntityType "User": sign-ins and tokens, narrowed by EntityID to the
// events about one user) or all. EINVALID for another entity type.
func (s *Store) ListAuditEvents(ctx context.Context, f cairn.AuditFilter) ([]*cairn.AuditEvent, cairn.Total, error) {
	var conds []string
	var args []any
	switch f.EntityType {
	case "":
		if f.EntityID != 0 {
			return nil, cairn.Total{}, cairn.FieldError("entity_type", "is missing")
		}
	case cairn.AuditEntityGroup:
		conds = append(conds, "a.group_id IS NOT NULL")
		if f.EntityID != 0 {
			conds, args = append(conds, "a.group_id = ?"), append(args, f.EntityID)
		}
	case cairn.AuditEntityUser:
		conds = append(conds, "a.group_id IS NULL")
		if f.EntityID != 0 {
			conds, args = append(conds, "a.target_id = ?"), append(args, f.EntityID)
		}
	default:
		return nil, cairn.Total{}, cairn.FieldError("entity_type", "does not have a valid value")
	}
	if f.CreatedAfter != nil {
		conds, args = append(conds, "a.created_at >= ?"), append(args, ms(*f.CreatedAfter))
	}
	if f.CreatedBefore != nil {
		conds, args = append(conds, "a.created_at <= ?"), append(args, ms(*f.CreatedBefore))
	}
	p := f.Page.Normalize()
	c := s.read()
	where := whereClause(conds)
	rows, err := c.query(ctx, "SELECT "+auditColumns+auditFrom+where+" ORDER BY a.created_at DESC, a.id DESC LIMIT ? OFFSET ?",
		append(args, p.PerPage, p.Offset())...)
	if err != nil {
		return nil, cairn.Total{}, fmt.Errorf("list audit events: %w", err)
	}
	out := []*cairn.AuditEvent{}
	for rows.Next() {
		e, err := scanAuditEvent(rows)
		if err != nil {
			rows.Close()
			return nil, cairn.Total{}, fmt.Errorf("scan audit event: %w", err)
		}
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, cairn.Total{}, fmt.Errorf("list audit events: %w", err)
	}
	total, err := countPage(ctx, c, " FROM audit_events a"+where, args, p, len(out))
	if err != nil {
		return nil, cairn.Total{}, fmt.Errorf("count audit events: %w", err)
	}
	return out, total, nil
}

// auditFinalize records a plan's finalisation: the milestone, the team
// capacity and how many issues were committed as Deliverable and Stretch.
func (s *Store) auditFinalize(ctx context.Context, c *conn, in FinalizeInput, commitments []PlanCommitment, planningIssueID int64) error {
	var title string
	if err := c.queryRow(ctx, "SELECT title FROM milestones WHERE id = ?", in.MilestoneID).Scan(&title); err != nil {
		return fmt.Errorf("audit finalisation: %w", err)
	}
	var deliverable, stretch int
	for _, cm := range commitments {
		if cm.Placement == PlacementStretch {
			stretch++
		} else {
			deliverable++
		}
	}
	return s.audit(ctx, c, auditEntry{groupID: in.GroupID, action: cairn.AuditPlanFinalize, targetType: "Milestone", targetID: in.MilestoneID,
		details: map[string]any{"custom_message": "Finalized the plan of " + title, "target_details": title,
			"team_capacity": in.TeamCapacity, "deliverable": deliverable, "stretch": stretch, "planning_issue_id": planningIssueID}})
}

// AuditEventByID returns one audit event; ENOTFOUND ("Audit Event") if
// there is none of that id.
func (s *Store) AuditEventByID(ctx context.Context, id int64) (*cairn.AuditEvent, error) {
	e, err := scanAuditEvent(s.read().queryRow(ctx, "SELECT "+auditColumns+auditFrom+" WHERE a.id = ?", id))
	if err != nil {
		return nil, notFound(fmt.Errorf("audit event %d: %w", id, err), "Audit Event")
	}
	return e, nil
}
