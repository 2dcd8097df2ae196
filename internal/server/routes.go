package server

import (
	"net/http"

	"github.com/cairnhq/cairn/internal/api"
)

// routes lists every route Cairn serves, in one place. {id} of a project or
// group is a number or a URL-encoded full path ("grp%2Fproj"); ServeMux
// hands the handlers the decoded value.
func (s *Server) routes(mux *http.ServeMux) {
	a := s.api
	route := s.route
	// v4 registers an authenticated GitLab API route.
	v4 := func(pattern string, h api.HandlerFunc) {
		mux.Handle(pattern, route(pattern, s.authenticate(a.Handler(h))))
	}

	if s.web != nil {
		s.web.Register(mux, route)
	}
	mux.Handle("GET /-/health", route("GET /-/health", http.HandlerFunc(s.health)))
	mux.Handle("GET /-/readiness", route("GET /-/readiness", http.HandlerFunc(s.readiness)))
	if s.metricsPage != nil {
		mux.Handle("GET /metrics", route("GET /metrics", s.metricsPage))
	}

	v4("GET /api/v4/version", a.Version)
	v4("GET /api/v4/user", a.CurrentUser)

	v4("GET /api/v4/users", a.ListUsers)
	v4("POST /api/v4/users", a.CreateUser)
	v4("GET /api/v4/users/{user_id}", a.GetUser)

	v4("GET /api/v4/groups", a.ListGroups)
	v4("POST /api/v4/groups", a.CreateGroup)
	v4("GET /api/v4/groups/{id}", a.GetGroup)
	v4("GET /api/v4/groups/{id}/projects", a.ListGroupProjects)
	v4("GET /api/v4/groups/{id}/members", a.ListGroupMembers)
	v4("POST /api/v4/groups/{id}/members", a.AddGroupMember)
	v4("GET /api/v4/groups/{id}/members/{user_id}", a.GetGroupMember)
	v4("PUT /api/v4/groups/{id}/members/{user_id}", a.UpdateGroupMember)
	v4("DELETE /api/v4/groups/{id}/members/{user_id}", a.RemoveGroupMember)
	v4("GET /api/v4/groups/{id}/issues", a.ListGroupIssues)
	v4("GET /api/v4/groups/{id}/labels", a.ListGroupLabels)
	v4("POST /api/v4/groups/{id}/labels", a.CreateGroupLabel)
	v4("GET /api/v4/groups/{id}/labels/{label_id}", a.GetGroupLabel)
	v4("PUT /api/v4/groups/{id}/labels/{label_id}", a.UpdateGroupLabel)
	v4("DELETE /api/v4/groups/{id}/labels/{label_id}", a.DeleteGroupLabel)
	v4("GET /api/v4/groups/{id}/milestones", a.ListGroupMilestones)
	v4("POST /api/v4/groups/{id}/milestones", a.CreateGroupMilestone)
	v4("GET /api/v4/groups/{id}/milestones/{milestone_id}", a.GetGroupMilestone)
	v4("PUT /api/v4/groups/{id}/milestones/{milestone_id}", a.UpdateGroupMilestone)
	v4("DELETE /api/v4/groups/{id}/milestones/{milestone_id}", a.DeleteGroupMilestone)
	v4("GET /api/v4/groups/{id}/milestones/{milestone_id}/issues", a.GroupMilestoneIssues)
	// Group webhooks and their delivery log (owners only).
	v4("GET /api/v4/groups/{id}/hooks", a.ListGroupHooks)
	v4("POST /api/v4/groups/{id}/hooks", a.CreateGroupHook)
	v4("GET /api/v4/groups/{id}/hooks/{hook_id}", a.GetGroupHook)
	v4("PUT /api/v4/groups/{id}/hooks/{hook_id}", a.UpdateGroupHook)
	v4("DELETE /api/v4/groups/{id}/hooks/{hook_id}", a.DeleteGroupHook)
	v4("POST /api/v4/groups/{id}/hooks/{hook_id}/test/issue_events", a.TestGroupHook)
	v4("GET /api/v4/groups/{id}/hooks/{hook_id}/events", a.ListGroupHookEvents)
	v4("POST /api/v4/groups/{id}/hooks/{hook_id}/events/{event_id}/resend", a.ResendGroupHookEvent)
	// The audit log: a group's for its owners, the instance's for admins.
	v4("GET /api/v4/groups/{id}/audit_events", a.ListGroupAuditEvents)
	v4("GET /api/v4/groups/{id}/audit_events/{event_id}", a.GetGroupAuditEvent)
	v4("GET /api/v4/audit_events", a.ListAuditEvents)
	v4("GET /api/v4/audit_events/{event_id}", a.GetAuditEvent)

	v4("GET /api/v4/projects", a.ListProjects)
	v4("POST /api/v4/projects", a.CreateProject)
	v4("GET /api/v4/projects/{id}", a.GetProject)
	v4("GET /api/v4/projects/{id}/labels", a.ListProjectLabels)
	v4("POST /api/v4/projects/{id}/labels", a.CreateProjectLabel)
	v4("GET /api/v4/projects/{id}/labels/{label_id}", a.GetProjectLabel)
	v4("PUT /api/v4/projects/{id}/labels/{label_id}", a.UpdateProjectLabel)
	v4("DELETE /api/v4/projects/{id}/labels/{label_id}", a.DeleteProjectLabel)
	v4("GET /api/v4/projects/{id}/milestones", a.ListProjectMilestones)
	v4("POST /api/v4/projects/{id}/milestones", a.CreateProjectMilestone)
	v4("GET /api/v4/projects/{id}/milestones/{milestone_id}", a.GetProjectMilestone)
	v4("PUT /api/v4/projects/{id}/milestones/{milestone_id}", a.UpdateProjectMilestone)
	v4("DELETE /api/v4/projects/{id}/milestones/{milestone_id}", a.DeleteProjectMilestone)
	v4("GET /api/v4/projects/{id}/milestones/{milestone_id}/issues", a.ProjectMilestoneIssues)

	v4("GET /api/v4/projects/{id}/issues", a.ListProjectIssues)
	v4("POST /api/v4/projects/{id}/issues", a.CreateIssue)
	v4("GET /api/v4/projects/{id}/issues/{issue_iid}", a.GetIssue)
	v4("PUT /api/v4/projects/{id}/issues/{issue_iid}", a.UpdateIssue)
	v4("DELETE /api/v4/projects/{id}/issues/{issue_iid}", a.DeleteIssue)
	v4("GET /api/v4/projects/{id}/issues/{issue_iid}/notes", a.ListIssueNotes)
	v4("POST /api/v4/projects/{id}/issues/{issue_iid}/notes", a.CreateIssueNote)
	v4("GET /api/v4/projects/{id}/issues/{issue_iid}/notes/{note_id}", a.GetIssueNote)
	v4("PUT /api/v4/projects/{id}/issues/{issue_iid}/notes/{note_id}", a.UpdateIssueNote)
	v4("DELETE /api/v4/projects/{id}/issues/{issue_iid}/notes/{note_id}", a.DeleteIssueNote)
	v4("GET /api/v4/projects/{id}/issues/{issue_iid}/resource_label_events", a.ListLabelEvents)
	v4("GET /api/v4/projects/{id}/issues/{issue_iid}/resource_weight_events", a.ListWeightEvents)
	v4("GET /api/v4/projects/{id}/issues/{issue_iid}/resource_milestone_events", a.ListMilestoneEvents)
	v4("GET /api/v4/projects/{id}/issues/{issue_iid}/resource_state_events", a.ListStateEvents)
	v4("GET /api/v4/projects/{id}/issues/{issue_iid}/links", a.ListIssueLinks)
	v4("POST /api/v4/projects/{id}/issues/{issue_iid}/links", a.CreateIssueLink)
	v4("POST /api/v4/projects/{id}/issues/{issue_iid}/todo", a.CreateIssueTodo)

	// The caller's to-do list.
	v4("GET /api/v4/todos", a.ListTodos)
	v4("POST /api/v4/todos/mark_as_done", a.MarkAllTodosDone)
	v4("POST /api/v4/todos/{todo_id}/mark_as_done", a.MarkTodoDone)
	v4("DELETE /api/v4/projects/{id}/issues/{issue_iid}/links/{issue_link_id}", a.DeleteIssueLink)

	// Planning: Cairn's own endpoints beside the GitLab subset. Without a
	// planner they are not served, and answer as unknown routes do.
	if s.planner != nil {
		v4("GET /api/v4/groups/{id}/planning_settings", a.GetPlanningSettings)
		v4("PUT /api/v4/groups/{id}/planning_settings", a.UpdatePlanningSettings)
		v4("GET /api/v4/groups/{id}/time_off", a.ListTimeOff)
		v4("POST /api/v4/groups/{id}/time_off", a.AddTimeOff)
		v4("DELETE /api/v4/groups/{id}/time_off/{time_off_id}", a.DeleteTimeOff)
		v4("GET /api/v4/groups/{id}/milestones/{milestone_id}/capacity", a.GetCapacity)
		v4("GET /api/v4/groups/{id}/milestones/{milestone_id}/plan", a.Heavy(a.GetPlan))
		v4("GET /api/v4/groups/{id}/milestones/{milestone_id}/plan.csv", a.Heavy(a.GetPlanCSV))
		v4("GET /api/v4/groups/{id}/milestones/{milestone_id}/capacity.csv", a.Heavy(a.GetCapacityCSV))
		v4("POST /api/v4/groups/{id}/milestones/{milestone_id}/plan/finalize", a.FinalizePlan)
		v4("GET /api/v4/groups/{id}/milestones/{milestone_id}/parking_lot", a.ListParkingLot)
		v4("POST /api/v4/groups/{id}/milestones/{milestone_id}/parking_lot", a.AddParkingLot)
		v4("DELETE /api/v4/groups/{id}/milestones/{milestone_id}/parking_lot/{entry_id}", a.DeleteParkingLot)
		v4("GET /api/v4/groups/{id}/work_queue", a.GetWorkQueue)
		v4("GET /api/v4/groups/{id}/milestone_plans", a.ListMilestonePlans)
	}

	// Refinement and metrics (Cairn's own): description templates, the
	// refinement queue, refinement time, planning metrics and burndowns.
	v4("GET /api/v4/groups/{id}/templates", a.ListTemplates)
	v4("POST /api/v4/groups/{id}/templates", a.CreateTemplate)
	v4("GET /api/v4/groups/{id}/templates/{name}", a.GetTemplate)
	v4("PUT /api/v4/groups/{id}/templates/{name}", a.UpdateTemplate)
	v4("DELETE /api/v4/groups/{id}/templates/{name}", a.DeleteTemplate)
	v4("GET /api/v4/groups/{id}/refinement_queue", a.GetRefinementQueue)
	v4("GET /api/v4/groups/{id}/refinement_share", a.GetRefinementShare)
	v4("GET /api/v4/groups/{id}/planning_metrics", a.Heavy(a.GetPlanningMetrics))
	v4("GET /api/v4/groups/{id}/planning_metrics.csv", a.Heavy(a.GetPlanningMetricsCSV))
	v4("GET /api/v4/groups/{id}/milestones/{milestone_id}/burndown", a.Heavy(a.GetBurndown))

	// Weekly status updates (Cairn's own): per issue, per group and week,
	// who owes one, and each milestone's Deliverables at risk. They read the
	// team's planning settings (time zone, status update day), so they are
	// served with planning.
	if s.planner != nil {
		v4("POST /api/v4/projects/{id}/issues/{issue_iid}/status_updates", a.CreateStatusUpdate)
		v4("GET /api/v4/projects/{id}/issues/{issue_iid}/status_updates", a.ListIssueStatusUpdates)
		v4("GET /api/v4/groups/{id}/status_updates", a.ListGroupStatusUpdates)
		v4("GET /api/v4/groups/{id}/status_updates/due", a.ListStatusUpdatesDue)
		v4("GET /api/v4/groups/{id}/milestones/{milestone_id}/risk", a.GetMilestoneRisk)
	}

	// Calendar feeds and the kickoff agenda (Cairn's own). The feeds are
	// polled by calendar applications, which send no token header: they
	// skip authenticate and take only ?feed_token=, which the handler
	// resolves itself.
	if s.planner != nil {
		feed := func(pattern string, h api.HandlerFunc) {
			mux.Handle(pattern, route(pattern, a.Handler(h)))
		}
		v4("POST /api/v4/user/feed_token", a.ResetFeedToken)
		feed("GET /api/v4/user/calendar.ics", a.UserCalendar)
		feed("GET /api/v4/groups/{id}/calendar.ics", a.GroupCalendar)
		v4("GET /api/v4/groups/{id}/milestones/{milestone_id}/kickoff", a.GetKickoff)
	}

	// Anything else is GitLab's unknown-route answer, whatever the method,
	// without asking for credentials first (as GitLab's catch-all route).
	mux.Handle("/", route("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
	})))
}
