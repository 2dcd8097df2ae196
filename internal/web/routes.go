package web

import (
	"net/http"
	"strconv"

	"github.com/cairnhq/cairn/internal/limit"
)

// Register adds every page route to mux. wrap is applied to each handler
// (the server's route-pattern recording for the access log).
func (w *Web) Register(mux *http.ServeMux, wrap func(pattern string, h http.Handler) http.Handler) {
	// page registers a page for anyone; user for signed-in users only.
	// Every one passes the security headers, the session and CSRF checks.
	page := func(pattern string, h HandlerFunc) {
		mux.Handle(pattern, wrap(pattern, SecurityHeaders(w.sessions(protect(w.handle(h))))))
	}
	user := func(pattern string, h HandlerFunc) {
		mux.Handle(pattern, wrap(pattern, SecurityHeaders(w.sessions(protect(signedIn(w.handle(h)))))))
	}
	// Static files are one or two levels deep (static/, static/vendor/):
	// "/-/static/{path...}" would overlap GitLab's project page paths
	// ("/{group}/{project}/-/issues" matches "/-/static/-/issues"), which
	// ServeMux refuses.
	mux.Handle("GET /-/static/{file}", wrap("GET /-/static/{file}", w.assets))
	mux.Handle("GET /-/static/vendor/{file}", wrap("GET /-/static/vendor/{file}", w.assets))

	page("GET /{$}", w.home)
	page("GET /users/sign_in", w.signInForm)
	page("POST /users/sign_in", w.signIn)
	page("POST /users/sign_out", w.signOut)

	user("POST /groups/{group}/-/team/webhooks", w.createWebhook)
	user("GET /groups/{group}/-/team/webhooks/{hook_id}", w.webhookDeliveries)
	user("POST /groups/{group}/-/team/webhooks/{hook_id}/delete", w.deleteWebhook)
	user("POST /groups/{group}/-/team/webhooks/{hook_id}/deliveries/{id}/resend", w.resendDelivery)

	user("GET /dashboard", w.dashboard)
	user("POST /dashboard/todos/done", w.markAllTodosDone)
	user("POST /dashboard/todos/{id}/done", w.markTodoDone)
	user("GET /-/profile/personal_access_tokens", w.tokens)
	user("POST /-/profile/personal_access_tokens", w.createToken)
	user("POST /-/profile/personal_access_tokens/{id}/revoke", w.revokeToken)

	// Issues: the lists, the issue page and its forms, the new issue form
	// (issues.go, issue.go, issue_new.go).
	user("GET /groups/{group}/-/issues", w.groupIssues)
	user("GET /groups/{group}/-/issues/new", w.newGroupIssue)
	user("GET /{group}/{project}/-/issues", w.projectIssues)
	user("GET /{group}/{project}/-/issues/new", w.newIssue)
	user("POST /{group}/{project}/-/issues/new", w.createIssue)
	user("GET /{group}/{project}/-/issues/new/template", w.newIssueTemplate)
	user("GET /{group}/{project}/-/issues/{iid}", w.issue)
	user("POST /{group}/{project}/-/issues/{iid}/notes", w.createIssueNote)
	user("POST /{group}/{project}/-/issues/{iid}/edit", w.editIssue)
	user("POST /{group}/{project}/-/issues/{iid}/status_updates", w.createIssueStatusUpdate)

	// Boards and the refinement queue (boards.go, refinement.go).
	user("GET /groups/{group}/-/boards", w.boards)
	user("POST /groups/{group}/-/boards/move", w.boardMove)
	user("GET /groups/{group}/-/refinement", w.refinement)

	// Milestone planning and the team's status updates (planning.go,
	// status.go).
	user("GET /groups/{group}/-/planning", w.planning)
	user("GET /groups/{group}/-/planning/{milestone_id}", w.heavyView(w.planningMilestone))
	user("GET /groups/{group}/-/planning/{milestone_id}/plan.csv", w.heavyView(w.planningCSV))
	user("GET /groups/{group}/-/planning/{milestone_id}/capacity.csv", w.heavyView(w.capacityCSV))
	user("POST /groups/{group}/-/planning/{milestone_id}/finalize", w.finalizePlanning)
	user("POST /groups/{group}/-/planning/{milestone_id}/parking_lot", w.addParkingLot)
	user("POST /groups/{group}/-/planning/{milestone_id}/parking_lot/{entry_id}/delete", w.removeParkingLot)
	user("GET /groups/{group}/-/status", w.statusUpdates)

	// Metrics charts and the team page: members, time off, planning
	// settings (metrics.go, team.go, team_settings.go).
	user("GET /groups/{group}/-/metrics", w.heavyView(w.metrics))
	user("GET /groups/{group}/-/metrics.csv", w.heavyView(w.metricsCSV))
	user("GET /groups/{group}/-/team", w.teamPage)
	user("POST /groups/{group}/-/team/members/{user_id}", w.teamMember)
	user("POST /groups/{group}/-/team/time_off", w.teamAddTimeOff)
	user("POST /groups/{group}/-/team/time_off/{id}/delete", w.teamDeleteTimeOff)
	user("POST /groups/{group}/-/team/settings", w.teamSettings)
}

// home serves GET /: the dashboard for the signed in, sign-in otherwise.
func (w *Web) home(rw http.ResponseWriter, r *http.Request) error {
	if userFrom(r.Context()) == nil {
		http.Redirect(rw, r, "/users/sign_in", http.StatusSeeOther)
		return nil
	}
	http.Redirect(rw, r, "/dashboard", http.StatusSeeOther)
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// heavyView wraps a page that computes a plan or metrics, so that the
// pages and the API together compute at most as many at once as the
// shared gate lets in (internal/limit).
func (w *Web) heavyView(h HandlerFunc) HandlerFunc { return limit.Handler(w.heavy, h) }
