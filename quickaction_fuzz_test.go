package cairn_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
)

// quickActionSeeds are note bodies as people write them; the files in
// testdata/fuzz/FuzzParseQuickActions hold more, and the API's no-500 test
// posts all of them as notes.
var quickActionSeeds = []string{
	"",
	"/close",
	"LGTM\n\n/label ~bug ~\"workflow::in dev\"\n/weight 3",
	"/relabel ~\"workflow::in review\"\n/unlabel ~bug\n/spend 1h 30m 2026-10-20",
	"```\n/close\n```\n/reopen",
	"~~~go\n/weight 1\n~~~\ntext",
	"/assign @alice me\n/unassign\n/reassign @bob",
	"/milestone %\"2026-11\"\n/remove_milestone\n/due in 3 days\n/remove_due_date",
	"/due tomorrow\r\n/spend -30m\r\n/clear_weight",
	"  /close\nindented is not an action",
	"/unknown command stays\n/CLOSE",
	"/label",
	"/weight -1",
	"/spend 99999999999mo",
	"/due in 99999999 weeks",
}

// quickActionResolver resolves names against a fixed set of labels,
// milestones and users, as the store does inside its transaction.
type quickActionResolver struct{}

var (
	fuzzLabels     = []string{"bug", "Deliverable", "workflow::in dev", "workflow::in review", "two words"}
	fuzzMilestones = []string{"2026-11", "v1"}
	fuzzUsers      = []string{"alice", "bob"}
)

func (quickActionResolver) Label(name string) (*cairn.Label, error) {
	if i := slices.Index(fuzzLabels, name); i >= 0 {
		return &cairn.Label{ID: int64(i + 1), Name: name}, nil
	}
	return nil, cairn.NotFound("Label")
}

func (quickActionResolver) Milestone(title string) (*cairn.Milestone, error) {
	if i := slices.Index(fuzzMilestones, title); i >= 0 {
		return &cairn.Milestone{ID: int64(i + 1), Title: title}, nil
	}
	return nil, cairn.NotFound("Milestone")
}

func (quickActionResolver) User(username string) (*cairn.User, error) {
	if i := slices.Index(fuzzUsers, username); i >= 0 {
		return &cairn.User{ID: int64(i + 1), Username: username}, nil
	}
	return nil, cairn.NotFound("User")
}

// FuzzParseQuickActions checks that any note body splits into text and
// quick actions without panicking, that the text kept holds no quick action
// (it is stored, rendered and may be parsed again), and that applying the
// actions either succeeds with values the store accepts or fails with an
// EINVALID *cairn.Error a user can read.
func FuzzParseQuickActions(f *testing.F) {
	for _, s := range quickActionSeeds {
		f.Add(s)
	}
	canonical := map[string]bool{"label": true, "unlabel": true, "relabel": true, "weight": true, "clear_weight": true,
		"milestone": true, "remove_milestone": true, "assign": true, "unassign": true, "reassign": true, "close": true,
		"reopen": true, "due": true, "remove_due_date": true, "spend": true}
	f.Fuzz(func(t *testing.T, body string) {
		text, actions := cairn.ParseQuickActions(body)
		lines := strings.Count(strings.ReplaceAll(body, "\r\n", "\n"), "\n") + 1
		for _, a := range actions {
			if !canonical[a.Name] {
				t.Errorf("action %q is not a canonical name", a.Name)
			}
			if a.Args != strings.TrimSpace(a.Args) {
				t.Errorf("args %q not trimmed", a.Args)
			}
			if a.Line < 1 || a.Line > lines {
				t.Errorf("line %d outside 1..%d", a.Line, lines)
			}
		}
		if _, again := cairn.ParseQuickActions(text); len(again) > 0 {
			t.Errorf("the text kept, %q, still holds quick actions %+v", text, again)
		}

		issue := &cairn.Issue{ID: 1, IID: 1, Labels: []*cairn.Label{{ID: 1, Name: "bug"}},
			Assignees: []*cairn.User{{ID: 1, Username: "alice"}}}
		actor := &cairn.User{ID: 2, Username: "bob"}
		res, err := cairn.ApplyQuickActions(issue, actions, quickActionResolver{}, actor, "2026-10-26")
		if err != nil {
			var e *cairn.Error
			if !errors.As(err, &e) || e.Code != cairn.EINVALID || e.Message == "" {
				t.Fatalf("error %#v is not an EINVALID *cairn.Error with a message", err)
			}
			return
		}
		u := res.Update
		if u.Weight.Set && u.Weight.Value != nil && *u.Weight.Value < 0 {
			t.Errorf("weight %d below 0", *u.Weight.Value)
		}
		if u.DueDate.Set && u.DueDate.Value != nil && !cairn.ValidDate(*u.DueDate.Value) {
			t.Errorf("due date %q is not a valid date", *u.DueDate.Value)
		}
		if u.Labels != nil {
			scopes := map[string]bool{}
			for _, l := range *u.Labels {
				if s, ok := cairn.LabelScope(l); ok {
					if scopes[s] {
						t.Errorf("labels %q hold scope %q twice", *u.Labels, s)
					}
					scopes[s] = true
				}
			}
		}
	})
}
