package planning

import (
	"cmp"
	"sort"
	"strings"
	"time"
)

// labels answers the label questions planning asks of an issue under one
// team's settings.
type labels struct {
	s              Settings
	workflowIndex  map[string]int
	workflowScopes map[string]bool
	priorityIndex  map[string]int
	readyIndex     int
}

func newLabels(s Settings) labels {
	l := labels{
		s:              s,
		workflowIndex:  make(map[string]int, len(s.WorkflowLabels)),
		workflowScopes: map[string]bool{},
		priorityIndex:  make(map[string]int, len(s.PriorityLabels)),
		readyIndex:     -1,
	}
	for i, w := range s.WorkflowLabels {
		l.workflowIndex[w] = i
		if sc, ok := labelScope(w); ok {
			l.workflowScopes[sc] = true
		}
	}
	if i, ok := l.workflowIndex[s.ReadyLabel]; ok {
		l.readyIndex = i
	}
	for i, p := range s.PriorityLabels {
		if _, dup := l.priorityIndex[p]; !dup {
			l.priorityIndex[p] = i
		}
	}
	return l
}

// labelScope returns the scope of a scoped label ("workflow" of
// "workflow::in dev"), as the domain's cairn.LabelScope.
func labelScope(name string) (string, bool) {
	i := strings.LastIndex(name, "::")
	if i <= 0 {
		return "", false
	}
	return name[:i], true
}

// priority returns the index of the issue's highest priority label, or
// len(PriorityLabels) for none.
func (l labels) priority(is *Issue) int {
	best := len(l.s.PriorityLabels)
	for _, n := range is.Labels {
		if i, ok := l.priorityIndex[n]; ok && i < best {
			best = i
		}
	}
	return best
}

// priorityName returns the short name of priority index p: the part after
// the last "::" of its label ("high"), or "none".
func (l labels) priorityName(p int) string {
	if p >= len(l.s.PriorityLabels) {
		return "none"
	}
	name := l.s.PriorityLabels[p]
	if i := strings.LastIndex(name, "::"); i >= 0 {
		return name[i+2:]
	}
	return name
}

func (l labels) has(is *Issue, name string) bool {
	for _, n := range is.Labels {
		if n == name {
			return true
		}
	}
	return false
}

// ready reports whether the issue carries the ready label or a later
// workflow label.
func (l labels) ready(is *Issue) bool {
	for _, n := range is.Labels {
		if i, ok := l.workflowIndex[n]; ok && l.readyIndex >= 0 && i >= l.readyIndex {
			return true
		}
	}
	return false
}

// workflowLabel returns the issue's workflow label: one of workflow_labels
// or another label of their scope ("workflow::blocked"), "" for none.
func (l labels) workflowLabel(is *Issue) string {
	other := ""
	for _, n := range is.Labels {
		if _, ok := l.workflowIndex[n]; ok {
			return n
		}
		if sc, ok := labelScope(n); ok && l.workflowScopes[sc] && other == "" {
			other = n
		}
	}
	return other
}

// process reports whether the issue belongs to the planning process itself
// (the planning issue, a retrospective, a coverage issue) rather than to the
// work being planned.
func (l labels) process(is *Issue, planningProjectID int64) bool {
	return (planningProjectID != 0 && is.ProjectID == planningProjectID) || l.has(is, l.s.PlanningLabel)
}

// orderKey sorts issues: group, then priority, then manual rank (none last),
// then creation time, then iid; project and global id only make the order
// total when two projects share an iid.
type orderKey struct {
	group, pri int
	rank       *int64
	created    time.Time
	iid        int64
	project    int64
	id         int64
}

func (a orderKey) less(b orderKey) bool {
	if a.group != b.group {
		return a.group < b.group
	}
	if a.pri != b.pri {
		return a.pri < b.pri
	}
	switch {
	case a.rank != nil && b.rank == nil:
		return true
	case a.rank == nil && b.rank != nil:
		return false
	case a.rank != nil && *a.rank != *b.rank:
		return *a.rank < *b.rank
	}
	if !a.created.Equal(b.created) {
		return a.created.Before(b.created)
	}
	if a.iid != b.iid {
		return a.iid < b.iid
	}
	if a.project != b.project {
		return a.project < b.project
	}
	return a.id < b.id
}

// compare orders a and b as less does, for slices.SortFunc: negative when
// a comes first.
func (a *orderKey) compare(b *orderKey) int {
	if a.group != b.group {
		return cmp.Compare(a.group, b.group)
	}
	if a.pri != b.pri {
		return cmp.Compare(a.pri, b.pri)
	}
	switch {
	case a.rank != nil && b.rank == nil:
		return -1
	case a.rank == nil && b.rank != nil:
		return 1
	case a.rank != nil && *a.rank != *b.rank:
		return cmp.Compare(*a.rank, *b.rank)
	}
	if c := a.created.Compare(b.created); c != 0 {
		return c
	}
	if a.iid != b.iid {
		return cmp.Compare(a.iid, b.iid)
	}
	if a.project != b.project {
		return cmp.Compare(a.project, b.project)
	}
	return cmp.Compare(a.id, b.id)
}

func keyOf(is *Issue, group, pri int) orderKey {
	return orderKey{group: group, pri: pri, rank: is.RelativePosition, created: is.CreatedAt, iid: is.IID, project: is.ProjectID, id: is.ID}
}

// WorkOrder returns the issues in the order the seeds say to work on them
// inside a milestone (planning-model.md, "Order of work"):
//
//  1. Deliverable and the highest priority label;
//  2. every other Deliverable, whatever its priority;
//  3. the rest by priority, highest first, then those without one.
//
// Within each step: manual rank (issues without one last), then creation
// time, then iid. The Stretch label does not move an issue. The input is not
// changed; the caller chooses the issues (an engineer's open issues of the
// current milestone, say).
func WorkOrder(s Settings, issues []Issue) []Issue {
	l := newLabels(s)
	keys := make([]orderKey, len(issues))
	idx := make([]int, len(issues))
	for i := range issues {
		is := &issues[i]
		p := l.priority(is)
		var group int
		switch {
		case l.has(is, s.DeliverableLabel) && p == 0 && len(s.PriorityLabels) > 0:
			group = 0
		case l.has(is, s.DeliverableLabel):
			group = 1
		default:
			group = 2 + p
		}
		keys[i] = keyOf(is, group, 0)
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return keys[idx[a]].less(keys[idx[b]]) })
	out := make([]Issue, len(issues))
	for i, j := range idx {
		out[i] = issues[j]
	}
	return out
}
