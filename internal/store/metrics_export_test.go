package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// MetricsBenchTeam describes what SeedMetricsForBench writes into.
type MetricsBenchTeam struct {
	GroupID, ProjectID, AuthorID int64
	// Labels are the ids of the workflow labels, by name: refinement,
	// ready, in dev and in review (the defaults), and of "Deliverable" if
	// the team has it.
	Labels map[string]int64
	// Milestones are monthly group milestones by "YYYY-MM", covering
	// [Start, Now].
	Milestones map[string]int64
}

// SeedMetricsForBench adds n issues with their whole history to a team's
// project, with multi-row INSERTs in large transactions: each issue is
// created in refinement at a time spread evenly over [start, now), refined
// (ready, weighed, put in the milestone of its development month and
// labelled Deliverable when the team has that label), then in dev, in
// review and closed, eleven events in all, at seeded random delays of
// days to weeks. Events after now are not written, so the youngest issues
// are still on their way; about 3% stop early for good (the open
// backlog). Each milestone commits its issues as Deliverables. It returns
// the number of events written. On PostgreSQL the tables are analysed
// afterwards, as autovacuum soon does after bulk inserts.
func SeedMetricsForBench(s *Store, t MetricsBenchTeam, n int, start, now time.Time) (int, error) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	const perStatement, perTx = 400, 10000
	labelName := map[string]string{"R": "workflow::refinement", "D": "workflow::ready for development", "V": "workflow::in dev", "W": "workflow::in review"}
	var first int64
	if err := s.read().queryRow(ctx, "SELECT last_issue_iid FROM projects WHERE id = ?", t.ProjectID).Scan(&first); err != nil {
		return 0, fmt.Errorf("seed: project: %w", err)
	}
	type ev struct {
		at                 time.Time
		kind, action, name string
		label, milestone   any
		weight             any
	}
	type issue struct {
		created, closed time.Time
		closedOK        bool
		weight          int
		milestone       int64
		label           string // the workflow label it ends with, "" for none
		deliverable     bool
		events          []ev
	}
	span := now.Sub(start)
	day := 24 * time.Hour
	build := func(k int) issue {
		is := issue{created: start.Add(time.Duration(float64(span) * float64(k) / float64(n)))}
		is.weight = []int{1, 2, 3, 5}[rng.IntN(4)]
		steps := 11
		if rng.IntN(100) < 3 {
			steps = 1 + rng.IntN(10)
		}
		at := is.created
		add := func(e ev) bool {
			if len(is.events) >= steps || !e.at.Before(now) {
				return false
			}
			is.events = append(is.events, e)
			return true
		}
		lab := func(action, l string) ev {
			return ev{at: at, kind: "label", action: action, name: labelName[l], label: t.Labels[labelName[l]]}
		}
		if add(lab("add", "R")) {
			is.label = "R"
		}
		at = at.Add(time.Duration(1+rng.IntN(20))*day + time.Duration(rng.IntN(8))*time.Hour)
		ms := t.Milestones[at.Format("2006-01")]
		if add(lab("remove", "R")) && add(lab("add", "D")) {
			is.label = "D"
		}
		if add(ev{at: at, kind: "weight", action: "add", weight: is.weight}) && ms != 0 && add(ev{at: at, kind: "milestone", action: "add", milestone: ms}) {
			is.milestone = ms
			if l := t.Labels["Deliverable"]; l != 0 && add(ev{at: at, kind: "label", action: "add", name: "Deliverable", label: l}) {
				is.deliverable = true
			}
		}
		at = at.Add(time.Duration(rng.IntN(15))*day + time.Duration(rng.IntN(8))*time.Hour)
		if add(lab("remove", "D")) && add(lab("add", "V")) {
			is.label = "V"
		}
		at = at.Add(time.Duration(1+rng.IntN(10))*day + time.Duration(rng.IntN(8))*time.Hour)
		if add(lab("remove", "V")) && add(lab("add", "W")) {
			is.label = "W"
		}
		at = at.Add(time.Duration(1+rng.IntN(4))*day + time.Duration(rng.IntN(8))*time.Hour)
		if add(ev{at: at, kind: "state", action: "closed"}) {
			is.closed, is.closedOK = at, true
		}
		return is
	}

	total := 0
	for done := 0; done < n; {
		txN := min(perTx, n-done)
		err := s.write(ctx, func(c *conn) error {
			for k := 0; k < txN; k += perStatement {
				m := min(perStatement, txN-k)
				batch := make([]issue, m)
				args := make([]any, 0, 11*m)
				for j := range batch {
					is := build(done + k + j)
					batch[j] = is
					iid := first + int64(done+k+j) + 1
					state, closed := "opened", any(nil)
					if is.closedOK {
						state, closed = "closed", ms(is.closed)
					}
					var weight, milestone any
					if len(is.events) >= 4 {
						weight = is.weight
					}
					if is.milestone != 0 {
						milestone = is.milestone
					}
					args = append(args, t.ProjectID, iid, fmt.Sprintf("Issue %d", iid), "## Context\n\nx\n\n## Proposal\n\ny\n\n## Acceptance Criteria\n\nz\n",
						state, t.AuthorID, milestone, weight, ms(is.created), ms(is.created), closed)
				}
				rows, err := c.query(ctx, `INSERT INTO issues (project_id, iid, title, description, state, author_id, milestone_id, weight,
					created_at, updated_at, closed_at) VALUES `+valueRows(m, 11)+" RETURNING id", args...)
				if err != nil {
					return fmt.Errorf("seed issues: %w", err)
				}
				ids := make([]int64, 0, m)
				for rows.Next() {
					var id int64
					if err := rows.Scan(&id); err != nil {
						rows.Close()
						return err
					}
					ids = append(ids, id)
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
				var labels, events, commits []any
				for j, is := range batch {
					if is.label != "" && !is.closedOK {
						labels = append(labels, ids[j], t.Labels[labelName[is.label]])
					}
					if is.deliverable {
						labels = append(labels, ids[j], t.Labels["Deliverable"])
					}
					for _, e := range is.events {
						events = append(events, ids[j], e.kind, e.action, e.label, e.name, e.weight, e.milestone, "", t.AuthorID, ms(e.at))
					}
					if is.milestone != 0 {
						commits = append(commits, is.milestone, ids[j], "deliverable", is.weight, false, ms(is.created))
					}
				}
				if len(labels) > 0 {
					if _, err := c.exec(ctx, "INSERT INTO issue_labels (issue_id, label_id) VALUES "+valueRows(len(labels)/2, 2), labels...); err != nil {
						return fmt.Errorf("seed labels: %w", err)
					}
				}
				for len(events) > 0 {
					chunk := events[:min(len(events), 10*perStatement)]
					events = events[len(chunk):]
					total += len(chunk) / 10
					if _, err := c.exec(ctx, `INSERT INTO issue_events (issue_id, kind, action, label_id, label_name, weight, milestone_id, milestone_title,
						user_id, created_at) VALUES `+valueRows(len(chunk)/10, 10), chunk...); err != nil {
						return fmt.Errorf("seed events: %w", err)
					}
				}
				if len(commits) > 0 {
					if _, err := c.exec(ctx, "INSERT INTO plan_commitments (milestone_id, issue_id, placement, weight, carryover, created_at) VALUES "+
						valueRows(len(commits)/6, 6), commits...); err != nil {
						return fmt.Errorf("seed commitments: %w", err)
					}
				}
			}
			_, err := c.exec(ctx, "UPDATE projects SET last_issue_iid = ? WHERE id = ?", first+int64(done+txN), t.ProjectID)
			return err
		})
		if err != nil {
			return 0, err
		}
		done += txN
	}
	if s.dialect.name == "postgres" {
		for _, tbl := range []string{"issues", "issue_labels", "issue_events", "plan_commitments", "milestones", "projects"} {
			if _, err := s.writeDB.ExecContext(ctx, "VACUUM ANALYZE "+tbl); err != nil {
				return 0, fmt.Errorf("vacuum %s: %w", tbl, err)
			}
		}
	} else if _, err := s.writeDB.ExecContext(ctx, "ANALYZE"); err != nil {
		return 0, fmt.Errorf("analyze: %w", err)
	}
	return total, nil
}

// ExplainForTest returns the query plan of a query, as the database
// prints it, for tests that check that a query can use its indexes. On
// PostgreSQL sequential scans are turned off for it, so that the plan
// shows whether an index path exists, whatever the planner would prefer
// for a table of the test's size.
func (s *Store) ExplainForTest(ctx context.Context, query string, args ...any) (string, error) {
	tx, err := s.readDB.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	prefix := "EXPLAIN QUERY PLAN "
	if s.dialect.name == "postgres" {
		prefix = "EXPLAIN "
		if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			return "", err
		}
	}
	c := &conn{q: tx, d: s.dialect, s: s}
	rows, err := c.query(ctx, prefix+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var out string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		out += fmt.Sprintln(vals[len(vals)-1])
	}
	return out, rows.Err()
}

// MetricsQueriesForTest returns the queries MetricsInput runs on a
// group's issues and events for a window, each with its arguments, so that
// a test can explain them.
func (s *Store) MetricsQueriesForTest(groupID int64, start, end time.Time, due []int64) map[string][]any {
	reach, args := issuesInReach(groupID, ms64(start), ms64(end), due)
	labels := []any{"workflow::refinement", "workflow::ready for development", "workflow::in dev", "workflow::in review"}
	events := append(append(append(append([]any{}, args...), labels...), ms64(end)), labels...)
	changes := "SELECT DISTINCT me.issue_id FROM issue_events me WHERE me.milestone_id IN (" + placeholders(len(due)) + ")"
	return map[string][]any{
		factsQuery(reach): args,
		eventsQuery(s.dialect, shardQuery(reach, 1), 4): events,
		perIssueEvents(s.dialect, changes, []string{"e.issue_id", "e.action", "e.milestone_id", "e.created_at"},
			"e.kind = 'milestone'", "issue_id", "created_at", "id"): int64Args(due),
	}
}
