package cairn

import (
	"context"
	"time"
)

// AuditEvent is one entry of the audit log: a security- or planning-relevant
// action (a sign-in, a token, a membership, planning settings, a plan's
// finalisation, a webhook), recorded in the transaction of the action
// itself, so that the log holds what happened and nothing that rolled back.
type AuditEvent struct {
	ID int64
	// GroupID is the group the action happened in; 0 for instance-level
	// events (sign-ins, tokens).
	GroupID int64
	// GroupPath is the group's full path, "" for none or a deleted group.
	GroupPath string
	// ActorID is the user who acted; 0 for none (a failed sign-in, the
	// command line).
	ActorID int64
	// ActorName is the actor's name, "" for none or a deleted user.
	ActorName string
	// Action is one of the Audit* constants.
	Action string
	// TargetType ("User", "Group", "Milestone", "Webhook") and TargetID
	// name what the action changed; TargetID is 0 for none (a failed
	// sign-in with an unknown login).
	TargetType string
	TargetID   int64
	// Details are the action's particulars (GitLab's "add", "change",
	// "from", "to", …, and "target_details", the target's name).
	Details map[string]any
	// IP is the client's address, "" when unknown.
	IP        string
	CreatedAt time.Time
}

// The audit log's actions.
const (
	AuditSignIn                 = "sign_in"
	AuditSignInFailed           = "sign_in_failed"
	AuditTokenCreate            = "token_created"
	AuditTokenRevoke            = "token_revoked"
	AuditMemberAdd              = "member_added"
	AuditMemberUpdate           = "member_updated"
	AuditMemberRemove           = "member_removed"
	AuditPlanningSettingsUpdate = "planning_settings_updated"
	AuditPlanFinalize           = "plan_finalized"
	AuditWebhookCreate          = "webhook_created"
	AuditWebhookUpdate          = "webhook_updated"
	AuditWebhookDelete          = "webhook_deleted"
)

// Audit entity types, GitLab's: the scope an event belongs to. Group
// events belong to their group; instance-level events to the user they
// concern.
const (
	AuditEntityGroup = "Group"
	AuditEntityUser  = "User"
)

// AuditFilter selects audit events, newest first.
type AuditFilter struct {
	// EntityType "" selects every event; AuditEntityGroup a group's events,
	// AuditEntityUser instance-level ones. EntityID, when not 0, narrows
	// them to one group or user.
	EntityType string
	EntityID   int64
	// CreatedAfter and CreatedBefore, when set, bound the events' times
	// (both inclusive).
	CreatedAfter  *time.Time
	CreatedBefore *time.Time
	Page          Page
}

// AuditService reads the audit log; the services that act write it.
type AuditService interface {
	// ListAuditEvents lists the events f selects, newest first, with
	// their total. EINVALID for an unknown entity type.
	ListAuditEvents(ctx context.Context, f AuditFilter) ([]*AuditEvent, Total, error)
	// AuditEventByID returns one event; ENOTFOUND if there is none.
	AuditEventByID(ctx context.Context, id int64) (*AuditEvent, error)
}

type clientIPKey struct{}

// NewContextWithClientIP returns a context carrying the client's IP
// address, which the audit log records with the actions taken in it.
func NewContextWithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

// ClientIPFromContext returns the client's IP address, "" when unknown.
func ClientIPFromContext(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey{}).(string)
	return ip
}
