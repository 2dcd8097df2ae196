package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
)

func TestDashboardTodos(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	emma, err := s.st.UserByUsername(ctx, "emma")
	if err != nil {
		t.Fatal(err)
	}
	g, err := s.st.GroupByPath(ctx, "code-creation")
	if err != nil {
		t.Fatal(err)
	}
	b := s.as("emma")
	b.get("/dashboard").want(t, http.StatusOK, "Nothing to do. Well done.")

	if err := s.st.Notify(ctx, cairn.Notification{Key: "test/1", UserID: emma.ID, Action: cairn.TodoPlanningFinalization,
		GroupID: g.ID, Subject: "Finalise", Body: "Finalise the plan of 2026-12 by Saturday"}); err != nil {
		t.Fatal(err)
	}
	p := b.get("/dashboard")
	p.want(t, http.StatusOK, "planning to finalise", "Finalise the plan of 2026-12 by Saturday", "Mark all as done")
	todos, _, err := s.st.ListTodos(ctx, cairn.TodoFilter{UserID: emma.ID})
	if err != nil || len(todos) != 1 {
		t.Fatalf("todos = %v, %v", todos, err)
	}
	// Another user cannot mark it done.
	if p := s.as("priya").post("/dashboard/todos/"+itoa(todos[0].ID)+"/done", nil); p.Status != http.StatusNotFound {
		t.Fatalf("priya marking emma's to-do: %d", p.Status)
	}
	if p := b.post("/dashboard/todos/"+itoa(todos[0].ID)+"/done", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("mark done: %d %s", p.Status, p.Body)
	}
	if p := b.get("/dashboard"); strings.Contains(p.Body, "Finalise the plan") {
		t.Fatal("done to-do still listed")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
