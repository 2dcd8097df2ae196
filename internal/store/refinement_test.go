package store_test

import (
	"context"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/archive"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// readyDescription has every section the ready gate asks for.
const readyDescription = "## Context\n\nDrafts vanish on reload.\n\n## Proposal\n\nAutosave every ten seconds.\n\n## Acceptance Criteria\n\n- a reload keeps the draft\n"

const (
	labelRefinement = "workflow::refinement"
	labelReady      = "workflow::ready for development"
)

// gateMessage is the refusal for what is missing.
func gateMessage(missing string) string {
	return "Cannot move to workflow::ready for development: missing " + missing
}

// setSettings stores a group's planning settings (JSON over the defaults).
func setSettings(tb testing.TB, s *store.Store, groupID int64, settings string) {
	tb.Helper()
	if _, err := s.UpdatePlanningSettings(context.Background(), groupID, func([]byte) ([]byte, error) { return []byte(settings), nil }); err != nil {
		tb.Fatalf("settings: %v", err)
	}
}

func TestDefaultRefinementLabel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssFix(t, s)
		t.Run("GroupWithoutTheLabel", func(t *testing.T) {
			// A group that has not set up the workflow keeps GitLab's ways.
			is := f.issue(t, cairn.IssueCreate{Title: "plain"})
			issEqual(t, "labels", issLabelNames(is), nil)
		})
		f.label(t, cairn.LabelCreate{GroupID: f.team.ID, Name: labelRefinement})
		f.label(t, cairn.LabelCreate{GroupID: f.team.ID, Name: "Planning Issue"})
		planningProject, err := s.CreateProject(f.ctx, cairn.ProjectCreate{GroupID: f.team.ID, Path: "planning"})
		issWantCode(t, err, "")
		for _, tc := range []struct {
			name    string
			project int64
			labels  []string
			want    []string
		}{
			{"Bare", 0, nil, []string{labelRefinement}},
			{"OtherLabels", 0, []string{"bug"}, []string{"bug", labelRefinement}},
			{"WorkflowLabel", 0, []string{"workflow::in dev"}, []string{"workflow::in dev"}},
			{"ReadyLabel", 0, []string{labelReady}, []string{labelReady}},
			{"OtherLabelOfTheScope", 0, []string{"workflow::blocked"}, []string{"workflow::blocked"}},
			{"WorkflowLabelAnyCase", 0, []string{"Workflow::In Dev"}, []string{"workflow::in dev"}},
			{"PlanningLabel", 0, []string{"Planning Issue"}, []string{"Planning Issue"}},
			{"PlanningProject", planningProject.ID, nil, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				is := f.issue(t, cairn.IssueCreate{Title: tc.name, ProjectID: tc.project, Labels: tc.labels})
				issEqual(t, "labels", issLabelNames(is), tc.want)
			})
		}
		t.Run("EventRecorded", func(t *testing.T) {
			is := f.issue(t, cairn.IssueCreate{Title: "event"})
			issEqual(t, "events", f.events(t, is.IID, cairn.EventLabel), []string{"add " + labelRefinement})
		})
		t.Run("SettingsLabel", func(t *testing.T) {
			setSettings(t, s, f.team.ID, `{"workflow_labels": ["triage", "ready"], "refinement_label": "triage", "ready_label": "ready"}`)
			defer setSettings(t, s, f.team.ID, `{}`)
			is := f.issue(t, cairn.IssueCreate{Title: "team workflow"})
			issEqual(t, "labels", issLabelNames(is), nil) // the group has no "triage" label
			f.label(t, cairn.LabelCreate{GroupID: f.team.ID, Name: "triage"})
			is = f.issue(t, cairn.IssueCreate{Title: "team workflow 2", Labels: []string{"workflow::in dev"}})
			issEqual(t, "labels", issLabelNames(is), []string{"triage", "workflow::in dev"})
		})
		t.Run("OtherGroup", func(t *testing.T) {
			is := f.issue(t, cairn.IssueCreate{Title: "far", ProjectID: f.far.ID})
			issEqual(t, "labels", issLabelNames(is), nil)
		})
	})
}

func TestReadyGate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssFix(t, s)
		f.label(t, cairn.LabelCreate{GroupID: f.team.ID, Name: labelRefinement})
		f.label(t, cairn.LabelCreate{GroupID: f.team.ID, Name: labelReady})
		f.label(t, cairn.LabelCreate{GroupID: f.team.ID, Name: "bug"})
		ctxOf := func(u *cairn.User) context.Context { return cairn.NewContextWithUser(context.Background(), u) }
		update := func(iid int64, u cairn.IssueUpdate) error {
			_, err := s.UpdateIssue(ctxOf(f.bob), f.app.ID, iid, u)
			return err
		}
		note := func(iid int64, body string) error {
			_, err := s.CreateNote(ctxOf(f.bob), cairn.NoteCreate{ProjectID: f.app.ID, IssueIID: iid, Body: body})
			return err
		}
		contextOnly := "## Context\n\nDrafts vanish.\n\n## Proposal\n\n_Proposed/suggested solution._\n"
		const all = "weight from the scale (1, 2, 3, 5), Context, Proposal, Acceptance Criteria"

		for _, tc := range []struct {
			name   string
			weight *int
			desc   string
			change func(iid int64) error
			refuse string // "" when the move passes
		}{
			{"LabelsRefused", nil, "", func(iid int64) error { return update(iid, cairn.IssueUpdate{Labels: &[]string{labelReady, "bug"}}) }, all},
			{"AddLabelsRefused", issPtr(3), contextOnly, func(iid int64) error { return update(iid, cairn.IssueUpdate{AddLabels: []string{labelReady}}) },
				"Proposal, Acceptance Criteria"},
			{"WeightOffScaleRefused", issPtr(4), readyDescription, func(iid int64) error { return update(iid, cairn.IssueUpdate{AddLabels: []string{labelReady}}) },
				"weight from the scale (1, 2, 3, 5)"},
			{"QuickActionRefused", nil, readyDescription, func(iid int64) error {
				return note(iid, "## Refinement Checklist\n- [x] done\n\n/label ~\"workflow::ready for development\"")
			}, "weight from the scale (1, 2, 3, 5)"},
			{"RelabelRefused", nil, "", func(iid int64) error { return note(iid, "/relabel ~\"workflow::ready for development\"") }, all},
			{"TemplateUntouchedRefused", issPtr(2), "## Context\n\n_Summary or background of the feature._\n\n## Proposal\n\n_Proposed/suggested solution._\n\n## Definition of Done / Acceptance Criteria\n\n_List the specific conditions._\n",
				func(iid int64) error { return update(iid, cairn.IssueUpdate{AddLabels: []string{labelReady}}) }, "Context, Proposal, Acceptance Criteria"},
			{"AddLabelsPass", issPtr(2), readyDescription, func(iid int64) error { return update(iid, cairn.IssueUpdate{AddLabels: []string{labelReady}}) }, ""},
			{"WeightInTheSameUpdate", nil, readyDescription, func(iid int64) error {
				return update(iid, cairn.IssueUpdate{Weight: cairn.SetTo(3), Labels: &[]string{labelReady}})
			}, ""},
			{"DescriptionInTheSameUpdate", issPtr(1), "", func(iid int64) error {
				return update(iid, cairn.IssueUpdate{Description: issPtr(readyDescription), AddLabels: []string{labelReady}})
			}, ""},
			{"QuickActionWeightAndLabel", nil, readyDescription, func(iid int64) error {
				return note(iid, "## Refinement Checklist\n- [x] done\n\n/weight 3\n/label ~\"workflow::ready for development\"")
			}, ""},
			{"DefinitionOfDoneCounts", issPtr(1), "## Context\nc\n## Proposal\np\n## Definition of Done\n- it works\n",
				func(iid int64) error { return update(iid, cairn.IssueUpdate{AddLabels: []string{labelReady}}) }, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				is := f.issue(t, cairn.IssueCreate{Title: tc.name, Weight: tc.weight, Description: tc.desc})
				before := f.events(t, is.IID, "")
				err := tc.change(is.IID)
				after, gerr := s.IssueByIID(f.ctx, f.app.ID, is.IID)
				issWantCode(t, gerr, "")
				if tc.refuse == "" {
					issWantCode(t, err, "")
					if !after.HasLabel(labelReady) || after.HasLabel(labelRefinement) {
						t.Errorf("labels after the move: %v", after.LabelNames())
					}
					return
				}
				issWantCode(t, err, cairn.EINVALID)
				if got := cairn.ErrorMessage(err); got != gateMessage(tc.refuse) {
					t.Errorf("message\n got %q\nwant %q", got, gateMessage(tc.refuse))
				}
				// Nothing changed: labels, weight, notes, events, time.
				issEqual(t, "labels", issLabelNames(after), []string{labelRefinement})
				if !equalWeights(after.Weight, tc.weight) || after.UserNotesCount != 0 || !after.UpdatedAt.Equal(is.UpdatedAt) {
					t.Errorf("issue changed: weight %v notes %d updated %v (was %v)", after.Weight, after.UserNotesCount, after.UpdatedAt, is.UpdatedAt)
				}
				issEqual(t, "events", f.events(t, is.IID, ""), before)
				notes, _, err := s.ListNotes(f.ctx, f.app.ID, is.IID, cairn.NoteFilter{})
				issWantCode(t, err, "")
				if len(notes) != 0 {
					t.Errorf("%d notes stored", len(notes))
				}
			})
		}

		t.Run("LargestWeightNote", func(t *testing.T) {
			is := f.issue(t, cairn.IssueCreate{Title: "big", Description: readyDescription})
			issWantCode(t, note(is.IID, "/weight 5\n/label ~\"workflow::ready for development\""), "")
			notes, _, err := s.ListNotes(f.ctx, f.app.ID, is.IID, cairn.NoteFilter{})
			issWantCode(t, err, "")
			if len(notes) != 1 || !notes[0].System || notes[0].Author == nil || notes[0].Author.ID != f.bob.ID ||
				notes[0].Body != "Weight 5 is the largest on the scale: consider splitting this issue into an epic with sub-issues or a spike." {
				t.Fatalf("notes = %+v", notes)
			}
			got, _ := s.IssueByIID(f.ctx, f.app.ID, is.IID)
			if got.UserNotesCount != 0 || got.Weight == nil || *got.Weight != 5 || !got.HasLabel(labelReady) {
				t.Errorf("issue: notes %d weight %v labels %v", got.UserNotesCount, got.Weight, got.LabelNames())
			}
		})

		t.Run("AlreadyReadyIsNotGated", func(t *testing.T) {
			// Made ready while the gate was off; later edits that keep the
			// ready label are not moves to it.
			setSettings(t, s, f.team.ID, `{"ready_gate": false}`)
			is := f.issue(t, cairn.IssueCreate{Title: "gate off"})
			issWantCode(t, update(is.IID, cairn.IssueUpdate{AddLabels: []string{labelReady}}), "")
			setSettings(t, s, f.team.ID, `{"ready_gate": true}`)
			issWantCode(t, update(is.IID, cairn.IssueUpdate{AddLabels: []string{"bug"}}), "")
			issWantCode(t, note(is.IID, "/label ~\"workflow::ready for development\""), "")
			// Leaving and coming back is a move again.
			issWantCode(t, update(is.IID, cairn.IssueUpdate{AddLabels: []string{labelRefinement}}), "")
			err := update(is.IID, cairn.IssueUpdate{AddLabels: []string{labelReady}})
			if cairn.ErrorMessage(err) != gateMessage(all) {
				t.Errorf("back to ready: %v", err)
			}
		})

		t.Run("OtherTeamsReadyLabel", func(t *testing.T) {
			// The gate guards the team's ready label, as its settings name it.
			setSettings(t, s, f.team.ID, `{"workflow_labels": ["triage", "go"], "refinement_label": "triage", "ready_label": "go"}`)
			defer setSettings(t, s, f.team.ID, `{}`)
			is := f.issue(t, cairn.IssueCreate{Title: "custom"})
			issWantCode(t, update(is.IID, cairn.IssueUpdate{AddLabels: []string{labelReady}}), "")
			err := update(is.IID, cairn.IssueUpdate{AddLabels: []string{"go"}})
			if want := "Cannot move to go: missing " + all; cairn.ErrorMessage(err) != want {
				t.Errorf("got %v, want %q", err, want)
			}
		})
	})
}

func equalWeights(a, b *int) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// queueArchive is a team with a refinement queue, imported on 20 November
// 2026: #1 entered refinement twice (last on 10 November), #2 has been in
// refinement since it was created on 5 November without any event, #3 is
// closed, #4 and #5 are ready without weights (imported so), #6 is ready and
// complete; another group has an issue in refinement too.
func queueArchive() *archive.Archive {
	const t0 = "2026-10-01T09:00:00.000Z"
	two := 2
	ev := func(action, label, at string) archive.Event {
		return archive.Event{Type: archive.EventLabel, Action: action, Label: label, CreatedAt: at}
	}
	return &archive.Archive{
		Format: archive.FormatName, Version: archive.Version,
		Users: []archive.User{{Username: "ana", CreatedAt: t0}, {Username: "ben", CreatedAt: t0}},
		Groups: []archive.Group{{
			Path: "team", CreatedAt: t0,
			Members: []archive.Member{{Username: "ana", PlanningRole: "engineer", AccessLevel: 30, CapacityFactor: 1, JoinedAt: "2026-10-01"}},
			Labels: []archive.Label{{Name: labelRefinement}, {Name: labelReady}, {Name: "code-creation-priority::high"},
				{Name: "code-creation-priority::low"}},
			Projects: []archive.Project{{Path: "app", CreatedAt: t0, Issues: []archive.Issue{
				{IID: 1, Title: "Twice", State: "opened", Author: "ana", Assignees: []string{"ben"},
					Labels:    []string{labelRefinement, "code-creation-priority::high"},
					CreatedAt: "2026-11-01T09:00:00.000Z",
					Events: []archive.Event{ev("add", labelRefinement, "2026-11-01T09:00:00.000Z"), ev("remove", labelRefinement, "2026-11-03T09:00:00.000Z"),
						ev("add", labelRefinement, "2026-11-10T08:00:00.000Z")},
					Notes: []archive.Note{
						{Author: "ben", Body: "## Refinement Checklist\n- [x] a\n- [x] b\n- [ ] c", CreatedAt: "2026-11-02T09:00:00.000Z"},
						{Author: "ana", Body: "## Refinement Checklist\n\n- [x] a\n- [ ] b\n  - [x] b.1\n- [ ] c", CreatedAt: "2026-11-12T09:00:00.000Z"},
						{Author: "ana", Body: "Any news?", CreatedAt: "2026-11-13T09:00:00.000Z"},
					}},
				{IID: 2, Title: "No history", State: "opened", Author: "ana", Weight: &two, Description: readyDescription,
					Labels: []string{labelRefinement}, CreatedAt: "2026-11-05T09:00:00.000Z"},
				{IID: 3, Title: "Closed", State: "closed", Author: "ana", Labels: []string{labelRefinement},
					CreatedAt: "2026-10-05T09:00:00.000Z", ClosedAt: "2026-10-06T09:00:00.000Z"},
				{IID: 4, Title: "Imported ready", State: "opened", Author: "ana", Labels: []string{labelReady},
					CreatedAt: "2026-10-10T09:00:00.000Z", Events: []archive.Event{ev("add", labelReady, "2026-10-12T09:00:00.000Z")}},
				{IID: 5, Title: "Imported ready too", State: "opened", Author: "ana", Labels: []string{labelReady}, Description: readyDescription,
					CreatedAt: "2026-10-09T09:00:00.000Z"},
				{IID: 6, Title: "Ready", State: "opened", Author: "ana", Labels: []string{labelReady}, Weight: &two, Description: readyDescription,
					CreatedAt: "2026-10-08T09:00:00.000Z"},
			}}},
		}, {
			Path: "other", CreatedAt: t0,
			Labels: []archive.Label{{Name: labelRefinement}},
			Projects: []archive.Project{{Path: "x", CreatedAt: t0, Issues: []archive.Issue{
				{IID: 1, Title: "Elsewhere", State: "opened", Author: "ana", Labels: []string{labelRefinement}, CreatedAt: "2026-10-01T09:00:00.000Z"},
			}}},
		}},
	}
}

func TestRefinementQueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		s.Now = func() time.Time { return time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC) }
		// Ready issues without weights import: imports never meet the gate.
		if _, err := s.ImportArchive(ctx, queueArchive()); err != nil {
			t.Fatalf("import: %v", err)
		}
		g, err := s.GroupByPath(ctx, "team")
		issWantCode(t, err, "")
		q, err := s.RefinementQueue(ctx, g.ID, cairn.Page{})
		issWantCode(t, err, "")

		type row struct {
			title     string
			age       int
			since     string
			missing   []string
			priority  string
			checklist *store.ChecklistProgress
		}
		got := func(items []*store.RefinementItem) []row {
			var out []row
			for _, it := range items {
				r := row{it.Issue.Title, it.AgeDays, it.Since.Format(time.RFC3339), it.Missing, it.Priority, it.Checklist}
				if r.checklist != nil {
					r.checklist = &store.ChecklistProgress{Count: it.Checklist.Count, Completed: it.Checklist.Completed}
				}
				out = append(out, r)
			}
			return out
		}
		const scale = "weight from the scale (1, 2, 3, 5)"
		want := []row{
			{"No history", 15, "2026-11-05T09:00:00Z", []string{}, "", nil},
			// The latest checklist counts: 2 of 4 boxes (the nested one too).
			{"Twice", 10, "2026-11-10T08:00:00Z", []string{scale, "Context", "Proposal", "Acceptance Criteria"}, "code-creation-priority::high",
				&store.ChecklistProgress{Count: 4, Completed: 2}},
		}
		if g := got(q.Items); !reflect.DeepEqual(g, want) {
			t.Errorf("queue\n got %+v\nwant %+v", g, want)
		}
		if q.Total.Count != 2 || len(q.Items[1].Issue.Assignees) != 1 {
			t.Errorf("total %+v, assignees %v", q.Total, q.Items[1].Issue.Assignees)
		}
		// #4 became ready on 12 October; #5 has no event: created 9 October.
		wantReady := []row{
			{"Imported ready too", 42, "2026-10-09T09:00:00Z", []string{scale}, "", nil},
			{"Imported ready", 39, "2026-10-12T09:00:00Z", []string{scale, "Context", "Proposal", "Acceptance Criteria"}, "", nil},
		}
		if g := got(q.ReadyButIncomplete); !reflect.DeepEqual(g, wantReady) || q.ReadyButIncompleteTotal != 2 {
			t.Errorf("ready but incomplete (%d)\n got %+v\nwant %+v", q.ReadyButIncompleteTotal, g, wantReady)
		}

		t.Run("Page", func(t *testing.T) {
			q, err := s.RefinementQueue(ctx, g.ID, cairn.Page{Page: 2, PerPage: 1})
			issWantCode(t, err, "")
			if len(q.Items) != 1 || q.Items[0].Issue.Title != "Twice" || q.Total.Count != 2 {
				t.Errorf("page 2: %d items, total %+v", len(q.Items), q.Total)
			}
		})
		t.Run("GateOff", func(t *testing.T) {
			setSettings(t, s, g.ID, `{"ready_gate": false}`)
			defer setSettings(t, s, g.ID, `{}`)
			q, err := s.RefinementQueue(ctx, g.ID, cairn.Page{})
			issWantCode(t, err, "")
			if len(q.ReadyButIncomplete) != 0 || len(q.Items) != 2 {
				t.Errorf("gate off: %d ready but incomplete, %d in refinement", len(q.ReadyButIncomplete), len(q.Items))
			}
		})
		t.Run("UnknownGroup", func(t *testing.T) {
			_, err := s.RefinementQueue(ctx, g.ID+100, cairn.Page{})
			issWantCode(t, err, cairn.ENOTFOUND)
		})
	})
}

func TestRefinementShare(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssFix(t, s)
		ctx := context.Background()
		f.label(t, cairn.LabelCreate{GroupID: f.team.ID, Name: labelRefinement})
		f.label(t, cairn.LabelCreate{GroupID: f.team.ID, Name: labelReady})
		dave, err := s.CreateUser(ctx, cairn.UserCreate{Username: "dave"})
		issWantCode(t, err, "")
		for _, u := range []*cairn.User{f.bob, f.carol, dave} {
			_, err := s.AddMember(f.ctx, cairn.MemberInput{GroupID: f.team.ID, UserID: u.ID, AccessLevel: cairn.AccessDeveloper, PlanningRole: cairn.RoleEngineer})
			issWantCode(t, err, "")
		}
		_, err = s.AddMember(f.ctx, cairn.MemberInput{GroupID: f.other.ID, UserID: f.carol.ID, AccessLevel: cairn.AccessDeveloper, PlanningRole: cairn.RoleEngineer})
		issWantCode(t, err, "")

		var now time.Time
		s.Now = func() time.Time { return now }
		at := func(day, hour int) { now = time.Date(2026, 6, day, hour, 0, 0, 0, time.UTC) }
		note := func(u *cairn.User, project, iid int64, body string) {
			t.Helper()
			if _, err := s.CreateNote(cairn.NewContextWithUser(ctx, u), cairn.NoteCreate{ProjectID: project, IssueIID: iid, Body: body}); err != nil {
				t.Fatalf("%s: %v", body, err)
			}
		}
		at(2, 9)
		a := f.issue(t, cairn.IssueCreate{Title: "A", Description: readyDescription}) // in refinement (default label)
		at(3, 10)
		note(f.bob, f.app.ID, a.IID, "/spend 2h") // refinement
		at(4, 10)
		// The checklist note logs its time as it ends refinement: refinement.
		note(f.bob, f.app.ID, a.IID, "## Refinement Checklist\n- [x] all\n\n/spend 1h\n/weight 2\n/label ~\"workflow::ready for development\"")
		at(5, 10)
		note(f.bob, f.app.ID, a.IID, "/spend 3h") // ready: development
		at(6, 10)
		note(f.carol, f.app.ID, a.IID, "/spend 30m") // development
		at(6, 11)
		b := f.issue(t, cairn.IssueCreate{Title: "B"})
		at(7, 10)
		note(f.carol, f.app.ID, b.IID, "/spend 1h30m") // refinement
		at(8, 10)
		note(f.carol, f.app.ID, b.IID, "/spend -30m") // refinement, subtracted
		at(8, 12)
		far := f.issue(t, cairn.IssueCreate{Title: "far", ProjectID: f.far.ID})
		note(f.carol, f.far.ID, far.IID, "/spend 4h") // another group
		at(31, 23)                                    // 1 July 23:00: after the window
		note(f.bob, f.app.ID, a.IID, "/spend 5h")

		rep, err := s.RefinementShare(ctx, f.team.ID, "2026-06-01", "2026-06-30")
		issWantCode(t, err, "")
		type line struct {
			user     string
			ref, dev float64
			share    float64 // -1 for none
		}
		var got []line
		for _, l := range rep.Engineers {
			got = append(got, line{l.User.Username, l.RefinementHours, l.DevelopmentHours, shareOf(l.Share)})
		}
		want := []line{
			{"bob", 3, 3, 0.5},
			{"carol", 1, 0.5, 0.666666667},
			{"dave", 0, 0, -1},
		}
		if !slices.Equal(got, want) {
			t.Errorf("engineers\n got %+v\nwant %+v", got, want)
		}
		team := line{"", rep.Team.RefinementHours, rep.Team.DevelopmentHours, shareOf(rep.Team.Share)}
		if team != (line{"", 4, 3.5, 0.533333333}) || rep.Target != 0.2 {
			t.Errorf("team %+v target %v", team, rep.Target)
		}

		t.Run("BadWindow", func(t *testing.T) {
			_, err := s.RefinementShare(ctx, f.team.ID, "2026-06-30", "2026-06-01")
			issWantCode(t, err, cairn.EINVALID)
		})
	})
}

func shareOf(p *float64) float64 {
	if p == nil {
		return -1
	}
	return math.Round(*p*1e9) / 1e9
}
