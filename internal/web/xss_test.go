package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/demo"
	"github.com/cairnhq/cairn/internal/markdown"
	"github.com/cairnhq/cairn/internal/markdown/markdowntest"
	"github.com/cairnhq/cairn/planning"
)

// hostileTeam is the demo team after hostile users, labels, milestones,
// issues, notes, status updates, parking lot proposals, time off and
// webhooks were added, each carrying one string of the hostile corpus.
type hostileTeam struct {
	group    *cairn.Group
	project  *cairn.Project
	issues   []*cairn.Issue // one per markdowntest.Hostile entry
	planning int64          // the next milestone's planning issue
	coverage []int64        // time-off coverage issues listing hostile titles
}

// clip cuts s to n bytes, as a limit would refuse it whole.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// ignoreConflict passes ECONFLICT: two corpus strings may differ only in
// case, which label and milestone names compare without.
func ignoreConflict(err error) error {
	if cairn.ErrorCode(err) == cairn.ECONFLICT {
		return nil
	}
	return err
}

func addHostileTeam(t *testing.T, s *site) *hostileTeam {
	t.Helper()
	ctx := context.Background()
	g, tm := planMilestones(t, s)
	emma, err := s.st.UserByUsername(ctx, demo.ManagerName)
	if err != nil {
		t.Fatal(err)
	}
	asEmma := cairn.NewContextWithUser(ctx, emma)
	settings, err := s.p.Settings(ctx, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := s.st.CreateProject(asEmma, cairn.ProjectCreate{GroupID: g.ID, Path: "hostile", Name: "Hostile"})
	if err != nil {
		t.Fatal(err)
	}
	ht := &hostileTeam{group: g, project: pr}
	must := func(what string, i int, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s for hostile string %d (%q): %v", what, i, markdowntest.Hostile[i], err)
		}
	}
	labelSafe := map[string]bool{}
	for _, l := range markdowntest.LabelSafe() {
		labelSafe[l] = true
	}
	for i, h := range markdowntest.Hostile {
		u, err := s.st.CreateUser(ctx, cairn.UserCreate{Username: fmt.Sprintf("xss%02d", i), Name: clip(h, 255), Email: fmt.Sprintf("xss%02d@example.com", i)})
		must("user", i, err)
		_, err = s.st.AddMember(ctx, cairn.MemberInput{GroupID: g.ID, UserID: u.ID, AccessLevel: cairn.AccessDeveloper})
		must("member", i, err)
		labels := []string{demo.LabelInDev}
		if labelSafe[h] {
			_, err = s.st.CreateLabel(asEmma, cairn.LabelCreate{GroupID: g.ID, Name: h, Color: "#ff0000", Description: h})
			must("label", i, ignoreConflict(err))
			labels = append(labels, h)
		}
		_, err = s.st.CreateMilestone(asEmma, cairn.MilestoneCreate{GroupID: g.ID, Title: clip(h, 255), Description: h})
		must("milestone", i, ignoreConflict(err))

		// Even entries are in-progress work of the current milestone with
		// status updates; odd ones are ready for the next, so that they
		// land in the planning issue, the parking lot and coverage.
		milestone := tm.Current.ID
		if i%2 == 1 {
			milestone = tm.Next.ID
			labels = []string{demo.LabelReady, demo.LabelHigh, demo.LabelDeliver}
			if labelSafe[h] {
				labels = append(labels, h)
			}
		}
		two := 2
		is, err := s.st.CreateIssue(asEmma, cairn.IssueCreate{ProjectID: pr.ID, Title: clip(h, 255), Description: h, Labels: labels,
			MilestoneID: milestone, Weight: &two, AssigneeIDs: []int64{u.ID, emma.ID}})
		must("issue", i, err)
		ht.issues = append(ht.issues, is)
		_, err = s.st.CreateNote(asEmma, cairn.NoteCreate{ProjectID: pr.ID, IssueIID: is.IID, Body: h})
		must("note", i, err)
		// A mention puts the issue on emma's to-do list (the dashboard).
		_, err = s.st.CreateNote(cairn.NewContextWithUser(ctx, u), cairn.NoteCreate{ProjectID: pr.ID, IssueIID: is.IID, Body: "@emma\n\n" + h})
		must("mention", i, err)
		if i%2 == 0 {
			_, err = s.st.CreateStatusUpdate(cairn.NewContextWithUser(ctx, u), cairn.StatusUpdateCreate{ProjectID: pr.ID, IssueIID: is.IID,
				Progress: h, NextSteps: h, Blockers: h, Confidence: cairn.ConfidenceNot})
			must("status update", i, err)
		} else {
			_, err = s.p.AddParkingLot(asEmma, cairn.ParkingLotCreate{GroupID: g.ID, MilestoneID: tm.Next.ID, Title: clip(h, 255), Reason: h})
			must("parking lot", i, err)
			off, err := s.p.AddTimeOff(asEmma, cairn.TimeOffCreate{GroupID: g.ID, UserID: u.ID, StartDate: tm.Next.StartDate,
				Note: h, CreateCoverageIssue: i%4 == 1})
			must("time off", i, err)
			if off.CoverageIssueID != nil {
				ht.coverage = append(ht.coverage, *off.CoverageIssueID)
			}
		}
		if i < 10 {
			_, err = s.st.CreateWebhook(asEmma, cairn.WebhookCreate{GroupID: g.ID, URL: "https://hooks.example.com/cairn", Name: clip(h, 255),
				Description: h, IssuesEvents: true})
			must("webhook", i, err)
		}
	}
	if err := s.p.RefreshPlanningIssue(ctx, g.ID, tm.Next.ID); err != nil {
		t.Fatal(err)
	}
	ht.planning, err = s.st.FindPlanningIssue(ctx, g.ID, tm.Next.ID, settings.PlanningProject, settings.PlanningLabel)
	if err != nil || ht.planning == 0 {
		t.Fatalf("planning issue of %s: %d, %v", tm.Next.Title, ht.planning, err)
	}
	if len(ht.coverage) == 0 {
		t.Fatal("no coverage issue was opened")
	}
	return ht
}

// pageText returns the text a reader sees on the page (text nodes, runs
// of white space as one space).
func pageText(t *testing.T, body string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return strings.Join(strings.Fields(b.String()), " ")
}

// oneLine is s as pageText shows it.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// safePage fetches path, fails the test on a status other than want or on
// anything UnsafePage finds, and returns the page's text.
func safePage(t *testing.T, b *browser, path string, want int) string {
	t.Helper()
	p := b.get(path)
	if p.Status != want {
		t.Fatalf("GET %s: status %d, want %d; body:\n%.2000s", path, p.Status, want, p.Body)
	}
	if bad := markdowntest.UnsafePage(p.Body); bad != "" {
		t.Fatalf("GET %s: %s", path, bad)
	}
	return pageText(t, p.Body)
}

// shown counts the hostile issue titles that appear as text.
func (ht *hostileTeam) shown(text string) int {
	n := 0
	for _, is := range ht.issues {
		if strings.Contains(text, oneLine(is.Title)) {
			n++
		}
	}
	return n
}

// TestPagesRenderHostileInputInert puts every string of the hostile corpus
// into every field people type that a page shows, renders the pages, and
// checks as a browser would parse them that no script, handler, foreign
// URL or htmx request came out of the data — and that the titles are
// still shown, as text.
func TestPagesRenderHostileInputInert(t *testing.T) {
	s := newSite(t)
	ht := addHostileTeam(t, s)
	emma := s.as(demo.ManagerName)
	g := ht.group.Path
	ctx := context.Background()

	t.Run("IssuePages", func(t *testing.T) {
		for _, is := range ht.issues {
			text := safePage(t, emma, fmt.Sprintf("/%s/-/issues/%d", ht.project.FullPath(), is.IID), 200)
			if !strings.Contains(text, oneLine(is.Title)) {
				t.Errorf("the page of %q does not show its title as text", is.Title)
			}
		}
	})

	t.Run("PlanningIssue", func(t *testing.T) {
		is, err := s.st.IssueByID(ctx, ht.planning)
		if err != nil {
			t.Fatal(err)
		}
		pr, err := s.st.ProjectByID(ctx, is.ProjectID)
		if err != nil {
			t.Fatal(err)
		}
		text := safePage(t, emma, fmt.Sprintf("/%s/-/issues/%d", pr.FullPath(), is.IID), 200)
		// The generated tables list the hostile titles; each one listed
		// must read as its own text, not as a link, cell break or markup.
		listed := 0
		rendered := pageText(t, string(markdown.Render(is.Description)))
		for _, h := range ht.issues {
			if !strings.Contains(is.Description, planning.Text(h.Title)) {
				continue
			}
			listed++
			if !strings.Contains(rendered, oneLine(h.Title)) || !strings.Contains(text, oneLine(h.Title)) {
				t.Errorf("the planning issue lists %q but does not show it as text", h.Title)
			}
		}
		if listed < 5 {
			t.Errorf("the planning issue lists %d hostile titles, want them in its tables:\n%s", listed, is.Description)
		}
	})

	t.Run("CoverageIssues", func(t *testing.T) {
		for _, id := range ht.coverage {
			is, err := s.st.IssueByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			pr, err := s.st.ProjectByID(ctx, is.ProjectID)
			if err != nil {
				t.Fatal(err)
			}
			safePage(t, emma, fmt.Sprintf("/%s/-/issues/%d", pr.FullPath(), is.IID), 200)
		}
	})

	t.Run("Lists", func(t *testing.T) {
		seen := 0
		for page := 1; page <= len(ht.issues)/20+1; page++ {
			text := safePage(t, emma, fmt.Sprintf("/%s/-/issues?page=%d", ht.project.FullPath(), page), 200)
			seen += ht.shown(text)
			safePage(t, emma, fmt.Sprintf("/groups/%s/-/issues?page=%d", g, page), 200)
		}
		if seen < len(ht.issues) {
			t.Errorf("the project's issue list shows %d of %d hostile titles", seen, len(ht.issues))
		}
	})

	for _, tc := range []struct {
		name, path string
		titles     bool // hostile issue titles must show
	}{
		{"BoardWorkflow", "/groups/" + g + "/-/boards", true},
		{"BoardProject", "/groups/" + g + "/-/boards?by=project", true},
		{"BoardMilestone", "/groups/" + g + "/-/boards?by=milestone", true},
		{"Planning", "/groups/" + g + "/-/planning", true},
		{"Status", "/groups/" + g + "/-/status", true},
		{"Refinement", "/groups/" + g + "/-/refinement", false},
		{"Metrics", "/groups/" + g + "/-/metrics", false},
		{"Team", "/groups/" + g + "/-/team", false},
		{"Dashboard", "/dashboard", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := safePage(t, emma, tc.path, 200)
			if tc.titles && ht.shown(text) == 0 {
				t.Errorf("%s shows none of the hostile titles:\n%.3000s", tc.path, text)
			}
			if tc.name == "Team" && !strings.Contains(text, oneLine(clip(markdowntest.Hostile[0], 255))) {
				t.Errorf("the team page does not show the hostile member names as text")
			}
		})
	}

	// Reflected input: hostile strings in the query of every list page are
	// echoed into filters and search boxes; none may become markup, and
	// none may make a page fail.
	t.Run("ReflectedQuery", func(t *testing.T) {
		for _, h := range markdowntest.Hostile[:20] {
			q := url.Values{"search": {h}, "label_name[]": {h}, "milestone_title": {h}, "assignee_username": {h}, "by": {h}, "state": {h}, "page": {h}}
			for _, path := range []string{"/groups/" + g + "/-/issues", "/" + ht.project.FullPath() + "/-/issues", "/groups/" + g + "/-/boards",
				"/groups/" + g + "/-/planning", "/groups/" + g + "/-/status", "/groups/" + g + "/-/refinement", "/groups/" + g + "/-/metrics"} {
				p := emma.get(path + "?" + q.Encode())
				if p.Status >= 500 {
					t.Fatalf("GET %s?%s: status %d", path, q.Encode(), p.Status)
				}
				if bad := markdowntest.UnsafePage(p.Body); bad != "" {
					t.Fatalf("GET %s with %q in the query: %s", path, h, bad)
				}
			}
		}
	})
}
