package store

import (
	"context"
	"strings"
)

// planningChanged tells Store.OnChange, once c's transaction has committed,
// that the group's plan may have changed.
func planningChanged(c *conn, groupID int64) {
	if c.s.OnChange == nil || groupID == 0 {
		return
	}
	hook := c.s.OnChange
	c.afterCommit(func() { hook(groupID) })
}

// projectPlanningChanged is planningChanged for a change known by project.
// A project that cannot be found changes no plan.
func projectPlanningChanged(ctx context.Context, c *conn, projectID int64) {
	if c.s.OnChange == nil {
		return
	}
	if gid, err := projectGroupID(ctx, c, projectID); err == nil {
		planningChanged(c, gid)
	}
}

// issueUpdatePlanningChanged is planningChanged for an issue update whose
// column changes are sets ("col = ?") and whose other changes (labels,
// assignees, time spent) are touched. An update of the description alone
// changes no plan; skipping it matters because refreshing a planning
// issue is such an update and would otherwise trigger itself.
func issueUpdatePlanningChanged(c *conn, groupID int64, sets []string, touched bool) {
	if !touched && len(sets) == 1 && strings.HasPrefix(sets[0], "description ") {
		return
	}
	planningChanged(c, groupID)
}
