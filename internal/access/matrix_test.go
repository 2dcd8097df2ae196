package access

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
)

var update = flag.Bool("update", false, "rewrite the permission matrix in README.md")

const (
	readmePath   = "../../README.md"
	matrixStart  = "<!-- permission-matrix:start -->\n"
	matrixEnd    = "<!-- permission-matrix:end -->"
	matrixUpdate = "go test ./internal/access -run TestREADMEMatrix -update"
)

// TestREADMEMatrix checks that the README shows the matrix the code
// enforces; -update rewrites the README's table.
func TestREADMEMatrix(t *testing.T) {
	b, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	before, rest, ok := strings.Cut(readme, matrixStart)
	if !ok {
		t.Fatalf("README.md has no %q", matrixStart)
	}
	got, after, ok := strings.Cut(rest, matrixEnd)
	if !ok {
		t.Fatalf("README.md has no %q after the start marker", matrixEnd)
	}
	want := Markdown()
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(readmePath, []byte(before+matrixStart+want+matrixEnd+after), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote the permission matrix in %s", readmePath)
		return
	}
	t.Errorf("README.md's permission matrix is out of date; run %s\n--- README\n%s--- want\n%s", matrixUpdate, got, want)
}

// TestActionsDescribed checks that every action is described once, with
// a name, words and endpoints, so the README and the API test miss none.
func TestActionsDescribed(t *testing.T) {
	seen := map[Action]bool{}
	names := map[string]bool{}
	for _, a := range Actions() {
		if a.Action < 0 || a.Action >= numActions {
			t.Errorf("%q: not an action: %d", a.Name, a.Action)
		}
		if seen[a.Action] || names[a.Name] {
			t.Errorf("%q described twice", a.Name)
		}
		seen[a.Action], names[a.Name] = true, true
		if a.Name == "" || a.Covers == "" || len(a.Endpoints) == 0 || strings.Contains(a.Name, "|") || strings.Contains(a.Covers, "|") {
			t.Errorf("%q: incomplete or breaks the table: %+v", a.Name, a)
		}
		if a.Action.String() != a.Name {
			t.Errorf("String() = %q, want %q", a.Action.String(), a.Name)
		}
	}
	for a := Action(0); a < numActions; a++ {
		if !seen[a] {
			t.Errorf("action %d is not described in Actions", a)
		}
	}
}

// TestRolesAllow pins a few cells of the matrix that the product relies
// on, so that a change to the tables above shows up here too.
func TestRolesAllow(t *testing.T) {
	byName := map[string]Role{}
	for _, r := range Roles() {
		byName[r.Name] = r
	}
	for _, tc := range []struct {
		role string
		act  Action
		want bool
	}{
		{"non-member¹", Read, true},
		{"non-member¹", CreateNote, true},
		{"non-member¹", UpdateIssue, false},
		{"non-member¹", ReadPlanning, false},
		{"guest (10)", CreateIssue, true},
		{"guest (10)", UpdateIssue, false},
		{"reporter (20)", UpdateIssue, true},
		{"maintainer (40)", DeleteIssue, false},
		{"owner (50)", ManageWebhooks, true},
		{"owner (50)", Admin, false},
		{"engineering manager²", ManagePlanning, true},
		{"engineering manager²", ProposePlanning, true},
		{"product manager²", AdminLabels, false},
		{"admin", Admin, true},
	} {
		r, ok := byName[tc.role]
		if !ok {
			t.Fatalf("no role %q", tc.role)
		}
		if got := r.Allows(tc.act); got != tc.want {
			t.Errorf("%s may %s = %v, want %v", tc.role, tc.act, got, tc.want)
		}
	}
	private := Role{Visibility: cairn.VisibilityPrivate}
	for _, a := range Actions() {
		if private.Allows(a.Action) {
			t.Errorf("a non-member of a private group may %s", a.Name)
		}
	}
}
