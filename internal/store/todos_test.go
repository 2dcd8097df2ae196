package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// todoFix is issFix (alice owns team and other) with bob a developer and
// carol a guest of team, and dave, a member without an e-mail address.
type todoFix struct {
	*issFix
	dave     *cairn.User
	bobCtx   context.Context
	carolCtx context.Context
}

func newTodoFix(tb testing.TB, s *store.Store) *todoFix {
	tb.Helper()
	f := &todoFix{issFix: newIssFix(tb, s)}
	coreMember(tb, s, f.team, f.bob, cairn.AccessDeveloper)
	coreMember(tb, s, f.team, f.carol, cairn.AccessGuest)
	dave, err := s.CreateUser(context.Background(), cairn.UserCreate{Username: "dave"})
	if err != nil {
		tb.Fatal(err)
	}
	f.dave = dave
	coreMember(tb, s, f.team, dave, cairn.AccessDeveloper)
	f.bobCtx = cairn.NewContextWithUser(context.Background(), f.bob)
	f.carolCtx = cairn.NewContextWithUser(context.Background(), f.carol)
	return f
}

// todos lists a user's to-dos with the filter, as "action:#iid" (or
// "action:milestone"), newest first.
func (f *todoFix) todos(tb testing.TB, u *cairn.User, flt cairn.TodoFilter) []string {
	tb.Helper()
	flt.UserID = u.ID
	list, _, err := f.s.ListTodos(context.Background(), flt)
	if err != nil {
		tb.Fatalf("list to-dos of %s: %v", u.Username, err)
	}
	out := []string{}
	for _, t := range list {
		switch {
		case t.Issue != nil:
			out = append(out, fmt.Sprintf("%s:#%d", t.ActionName, t.Issue.IID))
		case t.IssueID != 0:
			out = append(out, t.ActionName+":hidden")
		case t.MilestoneID != 0:
			out = append(out, t.ActionName+":milestone")
		default:
			out = append(out, t.ActionName+":group")
		}
	}
	return out
}

func (f *todoFix) emails(tb testing.TB) []*store.Delivery {
	tb.Helper()
	list, _, err := f.s.Deliveries(context.Background(), store.DeliveryFilter{Kind: store.DeliveryEmail})
	if err != nil {
		tb.Fatal(err)
	}
	return list
}

func TestNotify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newTodoFix(t, s)
		s.EmailEnabled, s.BaseURL = true, "https://cairn.test/"
		one := f.issue(t, cairn.IssueCreate{Title: "First"})
		two := f.issue(t, cairn.IssueCreate{Title: "Zweite Größe"})
		bg := context.Background()
		n := cairn.Notification{Key: "status-request/1/2026-W23", UserID: f.bob.ID, Action: cairn.TodoStatusUpdateRequested,
			GroupID: f.team.ID, Items: []cairn.NotificationItem{{IssueID: one.ID}, {IssueID: two.ID, Body: "Only two"}},
			Subject: "Status updates due", Body: "Please post your status updates."}

		t.Run("Idempotent", func(t *testing.T) {
			for range 2 {
				if err := s.Notify(bg, n); err != nil {
					t.Fatal(err)
				}
			}
			issEqual(t, "to-dos", f.todos(t, f.bob, cairn.TodoFilter{}),
				[]string{"status_update_requested:#2", "status_update_requested:#1"})
			list, _, err := s.ListTodos(bg, cairn.TodoFilter{UserID: f.bob.ID})
			issWantCode(t, err, "")
			if list[0].Body != "Only two" || list[1].Body != n.Body || list[0].Author != nil ||
				list[0].GroupID != f.team.ID || list[0].ProjectID != f.app.ID || list[0].State != cairn.TodoPending {
				t.Errorf("to-dos = %+v, %+v", list[0], list[1])
			}
			mails := f.emails(t)
			if len(mails) != 1 {
				t.Fatalf("%d e-mails, want 1", len(mails))
			}
			m := mails[0]
			body := string(m.Payload)
			if m.Recipient != "bob@example.com" || m.Subject != n.Subject || !strings.HasPrefix(body, n.Body+"\n\n") ||
				!strings.Contains(body, "- Zweite Größe (team/app#2)\n  https://cairn.test/team/app/-/issues/2\n") ||
				!strings.HasSuffix(body, "Your to-do list: https://cairn.test/dashboard/todos\n") {
				t.Errorf("e-mail to %s %q:\n%s", m.Recipient, m.Subject, body)
			}
		})

		t.Run("SameKeyOtherUser", func(t *testing.T) {
			other := n
			other.UserID = f.alice.ID
			issWantCode(t, s.Notify(bg, other), "")
			issEqual(t, "alice's to-dos", f.todos(t, f.alice, cairn.TodoFilter{}),
				[]string{"status_update_requested:#2", "status_update_requested:#1"})
			if got := len(f.emails(t)); got != 2 {
				t.Errorf("%d e-mails, want 2", got)
			}
		})

		t.Run("Milestone", func(t *testing.T) {
			m := cairn.Notification{Key: "planning-due/" + fmt.Sprint(f.jul.ID), UserID: f.bob.ID, Action: cairn.TodoPlanningFinalization,
				GroupID: f.team.ID, MilestoneID: f.jul.ID, Subject: "Finalise 2026-07", Body: "Two days left."}
			issWantCode(t, s.Notify(bg, m), "")
			issWantCode(t, s.Notify(bg, m), "")
			issEqual(t, "milestone to-dos", f.todos(t, f.bob, cairn.TodoFilter{Type: "Milestone"}),
				[]string{"planning_finalization_due:milestone"})
			issEqual(t, "issue to-dos", f.todos(t, f.bob, cairn.TodoFilter{Type: "Issue"}),
				[]string{"status_update_requested:#2", "status_update_requested:#1"})
			mails := f.emails(t)
			if len(mails) != 3 || !strings.HasSuffix(string(mails[0].Payload), "Two days left.\n\nYour to-do list: https://cairn.test/dashboard/todos\n") {
				t.Errorf("%d e-mails, newest %q", len(mails), mails[0].Payload)
			}
		})

		t.Run("NoEmail", func(t *testing.T) {
			before := len(f.emails(t))
			s.EmailEnabled = false
			issWantCode(t, s.Notify(bg, cairn.Notification{Key: "off", UserID: f.bob.ID, Action: cairn.TodoStatusUpdateReminder,
				GroupID: f.team.ID, Items: []cairn.NotificationItem{{IssueID: one.ID}}}), "")
			s.EmailEnabled = true
			// dave has no address: a to-do, no e-mail.
			issWantCode(t, s.Notify(bg, cairn.Notification{Key: "dave", UserID: f.dave.ID, Action: cairn.TodoStatusUpdateReminder,
				GroupID: f.team.ID, Items: []cairn.NotificationItem{{IssueID: one.ID}}}), "")
			if got := len(f.emails(t)); got != before {
				t.Errorf("%d e-mails, want %d", got, before)
			}
			issEqual(t, "dave's to-dos", f.todos(t, f.dave, cairn.TodoFilter{}), []string{"status_update_reminder:#1"})
			issEqual(t, "bob's reminders", f.todos(t, f.bob, cairn.TodoFilter{Action: cairn.TodoStatusUpdateReminder}),
				[]string{"status_update_reminder:#1"})
		})

		t.Run("Invalid", func(t *testing.T) {
			issWantCode(t, s.Notify(bg, cairn.Notification{UserID: f.bob.ID, Action: "x", GroupID: f.team.ID}), cairn.EINVALID)
			issWantCode(t, s.Notify(bg, cairn.Notification{Key: "k", UserID: f.bob.ID, Action: "x"}), cairn.EINVALID)
			issWantCode(t, s.Notify(bg, cairn.Notification{Key: "k", UserID: 99999, Action: "x", GroupID: f.team.ID}), cairn.ENOTFOUND)
			_, _, err := s.ListTodos(bg, cairn.TodoFilter{UserID: f.bob.ID, State: "open"})
			issWantCode(t, err, cairn.EINVALID)
			_, _, err = s.ListTodos(bg, cairn.TodoFilter{UserID: f.bob.ID, Type: "MergeRequest"})
			issWantCode(t, err, cairn.EINVALID)
		})
	})
}

func TestTodosFromActivity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newTodoFix(t, s)
		bg := context.Background()
		// alice assigns herself and bob, and mentions carol, bob and the
		// outsider... who cannot see the private group: no to-do for them.
		other, err := s.CreateUser(bg, cairn.UserCreate{Username: "olaf"})
		issWantCode(t, err, "")
		one := f.issue(t, cairn.IssueCreate{Title: "One", AssigneeIDs: []int64{f.alice.ID, f.bob.ID},
			Description: "Hi @Carol, see @bob's note; @olaf too. `@dave` is code; mail ann@alice.com"})

		t.Run("NewIssue", func(t *testing.T) {
			issEqual(t, "bob", f.todos(t, f.bob, cairn.TodoFilter{}), []string{"mentioned:#1", "assigned:#1"})
			issEqual(t, "carol", f.todos(t, f.carol, cairn.TodoFilter{}), []string{"mentioned:#1"})
			issEqual(t, "alice", f.todos(t, f.alice, cairn.TodoFilter{}), []string{})
			issEqual(t, "olaf", f.todos(t, other, cairn.TodoFilter{}), []string{})
			issEqual(t, "dave", f.todos(t, f.dave, cairn.TodoFilter{}), []string{})
			list, _, err := s.ListTodos(bg, cairn.TodoFilter{UserID: f.bob.ID, Action: cairn.TodoAssigned})
			issWantCode(t, err, "")
			if len(list) != 1 || list[0].Author == nil || list[0].Author.ID != f.alice.ID || list[0].Issue.Title != "One" ||
				len(list[0].Issue.Assignees) != 2 || list[0].Issue.Author == nil {
				t.Errorf("assigned to-do = %+v, issue %+v", list[0], list[0].Issue)
			}
		})

		t.Run("Note", func(t *testing.T) {
			_, err := s.CreateNote(f.ctx, cairn.NoteCreate{ProjectID: f.app.ID, IssueIID: one.IID, Body: "@bob, @dave please review. cc @carol @alice"})
			issWantCode(t, err, "")
			issEqual(t, "bob", f.todos(t, f.bob, cairn.TodoFilter{Action: cairn.TodoDirectlyAddressed}), []string{"directly_addressed:#1"})
			issEqual(t, "dave", f.todos(t, f.dave, cairn.TodoFilter{}), []string{"directly_addressed:#1"})
			issEqual(t, "carol", f.todos(t, f.carol, cairn.TodoFilter{}), []string{"mentioned:#1", "mentioned:#1"})
			issEqual(t, "alice", f.todos(t, f.alice, cairn.TodoFilter{}), []string{})
			list, _, err := s.ListTodos(bg, cairn.TodoFilter{UserID: f.dave.ID})
			issWantCode(t, err, "")
			if list[0].Body != "@bob, @dave please review. cc @carol @alice" {
				t.Errorf("body = %q", list[0].Body)
			}
		})

		t.Run("Confidential", func(t *testing.T) {
			conf := f.issue(t, cairn.IssueCreate{Title: "Secret", Confidential: true})
			_, err := s.CreateNote(f.ctx, cairn.NoteCreate{ProjectID: f.app.ID, IssueIID: conf.IID, Body: "@carol @bob see this"})
			issWantCode(t, err, "")
			issEqual(t, "bob", f.todos(t, f.bob, cairn.TodoFilter{ProjectID: f.app.ID, Action: cairn.TodoDirectlyAddressed}),
				[]string{"directly_addressed:#2", "directly_addressed:#1"})
			issEqual(t, "carol (guest)", f.todos(t, f.carol, cairn.TodoFilter{Action: cairn.TodoDirectlyAddressed}), []string{})
			// An assignee sees a confidential issue, guest or not.
			f.update(t, conf.IID, cairn.IssueUpdate{AssigneeIDs: &[]int64{f.carol.ID}})
			issEqual(t, "carol assigned", f.todos(t, f.carol, cairn.TodoFilter{Action: cairn.TodoAssigned}), []string{"assigned:#2"})
			// Issue #1 made confidential: carol's to-dos on it leave her list.
			f.update(t, one.IID, cairn.IssueUpdate{Confidential: issPtr(true)})
			issEqual(t, "carol after", f.todos(t, f.carol, cairn.TodoFilter{}), []string{"assigned:#2"})
			f.update(t, one.IID, cairn.IssueUpdate{Confidential: issPtr(false)})
		})

		t.Run("Assignees", func(t *testing.T) {
			two := f.issue(t, cairn.IssueCreate{Title: "Two", AssigneeIDs: []int64{f.bob.ID}})
			f.update(t, two.IID, cairn.IssueUpdate{AssigneeIDs: &[]int64{f.dave.ID, f.bob.ID}})
			f.update(t, two.IID, cairn.IssueUpdate{AssigneeIDs: &[]int64{f.bob.ID, f.dave.ID}})
			issEqual(t, "dave", f.todos(t, f.dave, cairn.TodoFilter{Action: cairn.TodoAssigned}), []string{"assigned:#3"})
			issEqual(t, "bob", f.todos(t, f.bob, cairn.TodoFilter{Action: cairn.TodoAssigned}), []string{"assigned:#3", "assigned:#1"})
			// bob assigning himself (a quick action) makes him no to-do.
			three := f.issue(t, cairn.IssueCreate{Title: "Three"})
			_, err := s.CreateNote(f.bobCtx, cairn.NoteCreate{ProjectID: f.app.ID, IssueIID: three.IID, Body: "/assign me"})
			issWantCode(t, err, "")
			issEqual(t, "bob after", f.todos(t, f.bob, cairn.TodoFilter{Action: cairn.TodoAssigned}), []string{"assigned:#3", "assigned:#1"})
			// An edited description gives to-dos for the new mentions only.
			f.update(t, three.IID, cairn.IssueUpdate{Description: issPtr("ask @bob")})
			f.update(t, three.IID, cairn.IssueUpdate{Description: issPtr("ask @bob and @dave")})
			issEqual(t, "bob mentioned", f.todos(t, f.bob, cairn.TodoFilter{Action: cairn.TodoMentioned, ProjectID: f.app.ID}),
				[]string{"mentioned:#4", "mentioned:#1"})
			issEqual(t, "dave mentioned", f.todos(t, f.dave, cairn.TodoFilter{Action: cairn.TodoMentioned}), []string{"mentioned:#4"})
		})

		t.Run("CloseMarksCloserDone", func(t *testing.T) {
			if _, err := s.UpdateIssue(f.bobCtx, f.app.ID, one.IID, cairn.IssueUpdate{StateEvent: "close"}); err != nil {
				t.Fatal(err)
			}
			for _, st := range f.todos(t, f.bob, cairn.TodoFilter{}) {
				if strings.HasSuffix(st, ":#1") {
					t.Errorf("bob's to-do %s still pending", st)
				}
			}
			done := f.todos(t, f.bob, cairn.TodoFilter{State: cairn.TodoDone})
			if len(done) != 3 {
				t.Errorf("bob's done to-dos = %q", done)
			}
			// carol did not close it: hers stay.
			if !slices.Contains(f.todos(t, f.carol, cairn.TodoFilter{}), "mentioned:#1") {
				t.Errorf("carol's to-dos = %q", f.todos(t, f.carol, cairn.TodoFilter{}))
			}
		})
	})
}

func TestTodosStatusUpdateAndMark(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newTodoFix(t, s)
		bg := context.Background()
		is := f.issue(t, cairn.IssueCreate{Title: "Work", AssigneeIDs: []int64{f.bob.ID}})
		for _, a := range []string{cairn.TodoStatusUpdateRequested, cairn.TodoStatusUpdateReminder} {
			issWantCode(t, s.Notify(bg, cairn.Notification{Key: a + "/W23", UserID: f.bob.ID, Action: a, GroupID: f.team.ID,
				Items: []cairn.NotificationItem{{IssueID: is.ID}}}), "")
		}

		t.Run("StatusUpdateAnswersRequest", func(t *testing.T) {
			_, err := s.CreateStatusUpdate(f.bobCtx, cairn.StatusUpdateCreate{ProjectID: f.app.ID, IssueIID: is.IID,
				Progress: "p", NextSteps: "n", Blockers: "b", Confidence: cairn.ConfidenceVery})
			issWantCode(t, err, "")
			issEqual(t, "bob pending", f.todos(t, f.bob, cairn.TodoFilter{}), []string{"assigned:#1"})
			issEqual(t, "bob done", f.todos(t, f.bob, cairn.TodoFilter{State: cairn.TodoDone}),
				[]string{"status_update_reminder:#1", "status_update_requested:#1"})
			// The update's /cc mentions alice, the engineering manager.
			issEqual(t, "alice", f.todos(t, f.alice, cairn.TodoFilter{}), []string{"mentioned:#1"})
		})

		t.Run("Mark", func(t *testing.T) {
			todo, added, err := s.MarkTodo(f.carolCtx, f.app.ID, is.IID)
			issWantCode(t, err, "")
			if !added || todo.ActionName != cairn.TodoMarked || todo.Author.ID != f.carol.ID || todo.Issue.ID != is.ID {
				t.Fatalf("marked %+v added %v", todo, added)
			}
			again, added, err := s.MarkTodo(f.carolCtx, f.app.ID, is.IID)
			issWantCode(t, err, "")
			if added || again.ID != todo.ID {
				t.Errorf("again: %+v added %v", again, added)
			}
			_, _, err = s.MarkTodo(f.carolCtx, f.app.ID, 999)
			issWantCode(t, err, cairn.ENOTFOUND)

			_, err = s.MarkTodoDone(bg, f.bob.ID, todo.ID)
			issWantCode(t, err, cairn.ENOTFOUND)
			done, err := s.MarkTodoDone(bg, f.carol.ID, todo.ID)
			issWantCode(t, err, "")
			if done.State != cairn.TodoDone || !done.UpdatedAt.After(todo.UpdatedAt) {
				t.Errorf("done: %+v", done)
			}
			// Marking a done one again changes nothing.
			twice, err := s.MarkTodoDone(bg, f.carol.ID, todo.ID)
			issWantCode(t, err, "")
			if !twice.UpdatedAt.Equal(done.UpdatedAt) {
				t.Errorf("updated again: %v, was %v", twice.UpdatedAt, done.UpdatedAt)
			}
			// Done, the issue can go on the list again.
			_, added, err = s.MarkTodo(f.carolCtx, f.app.ID, is.IID)
			if err != nil || !added {
				t.Errorf("mark after done: added %v, %v", added, err)
			}
		})

		t.Run("PagesAndAll", func(t *testing.T) {
			for k := range 3 {
				issWantCode(t, s.Notify(bg, cairn.Notification{Key: fmt.Sprint("page/", k), UserID: f.dave.ID, Action: "x",
					GroupID: f.team.ID, MilestoneID: f.jul.ID}), "")
			}
			list, total, err := s.ListTodos(bg, cairn.TodoFilter{UserID: f.dave.ID, Page: cairn.Page{Page: 2, PerPage: 2}})
			issWantCode(t, err, "")
			if total.Count != 3 || len(list) != 1 {
				t.Errorf("page 2: %d to-dos of %v", len(list), total)
			}
			issWantCode(t, s.MarkAllTodosDone(bg, f.dave.ID), "")
			issEqual(t, "dave pending", f.todos(t, f.dave, cairn.TodoFilter{}), []string{})
			if got := f.todos(t, f.dave, cairn.TodoFilter{State: cairn.TodoDone, GroupID: f.team.ID}); len(got) != 3 {
				t.Errorf("dave done = %q", got)
			}
			if got := f.todos(t, f.dave, cairn.TodoFilter{State: cairn.TodoDone, GroupID: f.other.ID}); len(got) != 0 {
				t.Errorf("dave done in other = %q", got)
			}
		})
	})
}
