package cairn

import (
	"context"
	"net/url"
	"strings"
	"time"
)

// Webhook is a group's outgoing webhook: an HTTP endpoint that Cairn calls
// with a JSON payload, in GitLab's shape, when an issue, note, status update
// or plan of the group changes. Token is the shared secret: sent as
// X-Gitlab-Token and the key of the X-Cairn-Signature-256 signature; the
// API never shows it back.
type Webhook struct {
	ID          int64
	GroupID     int64
	URL         string
	Token       string
	Name        string
	Description string
	// The events the hook subscribes to. Confidential issues and their notes
	// go only to hooks with ConfidentialIssuesEvents and
	// ConfidentialNoteEvents, as in GitLab.
	IssuesEvents             bool
	ConfidentialIssuesEvents bool
	NoteEvents               bool
	ConfidentialNoteEvents   bool
	StatusUpdateEvents       bool
	PlanningEvents           bool
	// EnableSSLVerification off accepts any certificate from the receiver.
	EnableSSLVerification bool
	CreatedAt             time.Time
}

// Field limits of webhooks.
const (
	MaxWebhookURL         = 2048
	MaxWebhookToken       = 255
	MaxWebhookName        = 255
	MaxWebhookDescription = 2048
	// MaxWebhooksPerGroup is GitLab's limit of hooks per group.
	MaxWebhooksPerGroup = 50
)

// WebhookCreate is the input for adding a webhook to a group.
type WebhookCreate struct {
	GroupID                  int64
	URL                      string
	Token                    string
	Name                     string
	Description              string
	IssuesEvents             bool
	ConfidentialIssuesEvents bool
	NoteEvents               bool
	ConfidentialNoteEvents   bool
	StatusUpdateEvents       bool
	PlanningEvents           bool
	// EnableSSLVerification nil means true, GitLab's default.
	EnableSSLVerification *bool
}

// Validate checks the input: url is required and must be an absolute http
// or https URL with a host; the texts have length limits. It returns an
// EINVALID error naming the first bad field.
func (c *WebhookCreate) Validate() error {
	c.URL = strings.TrimSpace(c.URL)
	if c.URL == "" {
		return Missing("url")
	}
	if err := validateWebhookURL(c.URL); err != nil {
		return err
	}
	if c.EnableSSLVerification == nil {
		t := true
		c.EnableSSLVerification = &t
	}
	return validateWebhookTexts(&c.Token, &c.Name, &c.Description)
}

// WebhookUpdate changes a webhook; nil fields stay. A Token of "" removes
// the secret.
type WebhookUpdate struct {
	URL                      *string
	Token                    *string
	Name                     *string
	Description              *string
	IssuesEvents             *bool
	ConfidentialIssuesEvents *bool
	NoteEvents               *bool
	ConfidentialNoteEvents   *bool
	StatusUpdateEvents       *bool
	PlanningEvents           *bool
	EnableSSLVerification    *bool
}

// Validate checks the fields given, as WebhookCreate.Validate does; EINVALID
// naming the first bad field.
func (u *WebhookUpdate) Validate() error {
	if u.URL != nil {
		v := strings.TrimSpace(*u.URL)
		u.URL = &v
		if v == "" {
			return FieldError("url", "can't be blank")
		}
		if err := validateWebhookURL(v); err != nil {
			return err
		}
	}
	var token, name, desc string
	if u.Token != nil {
		token = *u.Token
	}
	if u.Name != nil {
		name = *u.Name
	}
	if u.Description != nil {
		desc = *u.Description
	}
	if err := validateWebhookTexts(&token, &name, &desc); err != nil {
		return err
	}
	if u.Name != nil {
		u.Name = &name
	}
	return nil
}

// Apply returns h with u's changes.
func (u *WebhookUpdate) Apply(h Webhook) Webhook {
	setS := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	setB := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	setS(&h.URL, u.URL)
	setS(&h.Token, u.Token)
	setS(&h.Name, u.Name)
	setS(&h.Description, u.Description)
	setB(&h.IssuesEvents, u.IssuesEvents)
	setB(&h.ConfidentialIssuesEvents, u.ConfidentialIssuesEvents)
	setB(&h.NoteEvents, u.NoteEvents)
	setB(&h.ConfidentialNoteEvents, u.ConfidentialNoteEvents)
	setB(&h.StatusUpdateEvents, u.StatusUpdateEvents)
	setB(&h.PlanningEvents, u.PlanningEvents)
	setB(&h.EnableSSLVerification, u.EnableSSLVerification)
	return h
}

// validateWebhookURL accepts absolute http and https URLs with a host, as
// GitLab's hook URL validation does (it says "is blocked" for other
// schemes).
func validateWebhookURL(raw string) error {
	if len(raw) > MaxWebhookURL {
		return FieldError("url", "is too long (maximum is 2048 characters)")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		return FieldError("url", "must be a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return FieldError("url", "is blocked: Only allowed schemes are http, https")
	}
	if u.Hostname() == "" {
		return FieldError("url", "is blocked: URI is invalid")
	}
	return nil
}

func validateWebhookTexts(token, name, desc *string) error {
	*name = strings.TrimSpace(*name)
	if len(*token) > MaxWebhookToken {
		return FieldError("token", "is too long (maximum is 255 characters)")
	}
	if strings.ContainsAny(*token, "\r\n") {
		// It travels in an HTTP header.
		return FieldError("token", "must not contain line breaks")
	}
	if len(*name) > MaxWebhookName {
		return FieldError("name", "is too long (maximum is 255 characters)")
	}
	if len(*desc) > MaxWebhookDescription {
		return FieldError("description", "is too long (maximum is 2048 characters)")
	}
	return nil
}

// WebhookService manages a group's webhooks. Changes to issues, notes,
// status updates and plans enqueue their webhook calls in their own
// transaction; a worker (internal/notify) delivers them.
type WebhookService interface {
	// CreateWebhook adds a webhook to a group. ENOTFOUND if the group does
	// not exist; EINVALID for bad input or more than MaxWebhooksPerGroup.
	CreateWebhook(ctx context.Context, in WebhookCreate) (*Webhook, error)
	// GroupWebhook returns one of a group's webhooks; ENOTFOUND if the
	// group has no such hook.
	GroupWebhook(ctx context.Context, groupID, id int64) (*Webhook, error)
	// ListWebhooks lists a group's webhooks, oldest first.
	ListWebhooks(ctx context.Context, groupID int64, p Page) ([]*Webhook, Total, error)
	// UpdateWebhook changes one of a group's webhooks; ENOTFOUND if the
	// group has no such hook; EINVALID for bad input.
	UpdateWebhook(ctx context.Context, groupID, id int64, u WebhookUpdate) (*Webhook, error)
	// DeleteWebhook deletes one of a group's webhooks with its delivery
	// log; ENOTFOUND if the group has no such hook.
	DeleteWebhook(ctx context.Context, groupID, id int64) error
	// TestWebhook sends the hook a sample issue event (the group's latest
	// issue the hook may see) through the outbox and returns the
	// delivery's id. ENOTFOUND if the group has no such hook; EINVALID if
	// the group has no issue to send.
	TestWebhook(ctx context.Context, groupID, id int64) (int64, error)
}
