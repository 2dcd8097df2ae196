package store

// SetMaxPlanningIssuesForTest lowers the number of issues PlanningIssues
// (and the other planning loaders) read, so that a test reaches the limit
// with a handful; the returned function restores it.
func SetMaxPlanningIssuesForTest(n int) (restore func()) {
	old := maxPlanningIssues
	maxPlanningIssues = n
	return func() { maxPlanningIssues = old }
}
