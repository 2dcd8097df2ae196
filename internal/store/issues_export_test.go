package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// SeedIssuesForBench adds n issues to a project with multi-row INSERTs in a
// few large transactions, far faster than CreateIssue one by one, for
// benchmarks and tests that need many issues. The spread is fixed by a
// seeded generator: about half the issues are open; 85% have one of
// milestoneIDs, 70% a weight, 80% one of assigneeIDs; each carries up to
// three of labelIDs, the first labels being the most common. No events are
// written. On PostgreSQL the tables are vacuumed and analysed afterwards,
// as autovacuum soon does after bulk inserts, so that plans and index-only
// scans are those of a live database.
func SeedIssuesForBench(s *Store, projectID, authorID int64, n int, labelIDs, milestoneIDs, assigneeIDs []int64) error {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(uint64(projectID), uint64(n)))
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const perStatement, perTx = 500, 20000
	var start int64
	if err := s.read().queryRow(ctx, "SELECT last_issue_iid FROM projects WHERE id = ?", projectID).Scan(&start); err != nil {
		return fmt.Errorf("seed: project: %w", err)
	}
	pick := func(ids []int64, share float64) any {
		if len(ids) == 0 || rng.Float64() >= share {
			return nil
		}
		return ids[rng.IntN(len(ids))]
	}
	for done := 0; done < n; {
		txN := min(perTx, n-done)
		err := s.write(ctx, func(c *conn) error {
			for k := 0; k < txN; k += perStatement {
				m := min(perStatement, txN-k)
				args := make([]any, 0, 11*m)
				labels := map[int64][]int64{}
				assignees := map[int64]int64{}
				for j := 0; j < m; j++ {
					iid := start + int64(done+k+j) + 1
					created := base.Add(time.Duration(iid) * time.Minute)
					state, closed := "opened", any(nil)
					if rng.IntN(2) == 0 {
						state, closed = "closed", ms(created.Add(72*time.Hour))
					}
					var weight any
					if rng.Float64() < 0.7 {
						weight = []int{1, 2, 3, 5}[rng.IntN(4)]
					}
					args = append(args, projectID, iid, fmt.Sprintf("Issue %d about %s", iid, benchWords[rng.IntN(len(benchWords))]),
						"Context and proposal for "+benchWords[rng.IntN(len(benchWords))], state, authorID,
						pick(milestoneIDs, 0.85), weight, ms(created), ms(created.Add(time.Hour)), closed)
					if len(labelIDs) > 0 {
						seen := map[int64]bool{}
						for range rng.IntN(4) {
							// Squaring skews the choice towards the first labels.
							f := rng.Float64()
							l := labelIDs[int(f*f*float64(len(labelIDs)))]
							if !seen[l] {
								seen[l] = true
								labels[iid] = append(labels[iid], l)
							}
						}
					}
					if a := pick(assigneeIDs, 0.8); a != nil {
						assignees[iid] = a.(int64)
					}
				}
				rows, err := c.query(ctx, `INSERT INTO issues (project_id, iid, title, description, state, author_id, milestone_id, weight,
					created_at, updated_at, closed_at) VALUES `+valueRows(m, 11)+" RETURNING id, iid", args...)
				if err != nil {
					return fmt.Errorf("seed issues: %w", err)
				}
				var links, people []any
				for rows.Next() {
					var id, iid int64
					if err := rows.Scan(&id, &iid); err != nil {
						rows.Close()
						return err
					}
					for _, l := range labels[iid] {
						links = append(links, id, l)
					}
					if a, ok := assignees[iid]; ok {
						people = append(people, id, a, 0)
					}
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
				for len(links) > 0 {
					chunk := links[:min(len(links), 2000)]
					links = links[len(chunk):]
					if _, err := c.exec(ctx, "INSERT INTO issue_labels (issue_id, label_id) VALUES "+valueRows(len(chunk)/2, 2), chunk...); err != nil {
						return fmt.Errorf("seed labels: %w", err)
					}
				}
				if len(people) > 0 {
					if _, err := c.exec(ctx, "INSERT INTO issue_assignees (issue_id, user_id, position) VALUES "+valueRows(len(people)/3, 3), people...); err != nil {
						return fmt.Errorf("seed assignees: %w", err)
					}
				}
			}
			_, err := c.exec(ctx, "UPDATE projects SET last_issue_iid = ? WHERE id = ?", start+int64(done+txN), projectID)
			return err
		})
		if err != nil {
			return err
		}
		done += txN
	}
	if s.dialect.name == "postgres" {
		for _, t := range []string{"issues", "issue_labels", "issue_assignees", "labels", "milestones"} {
			if _, err := s.writeDB.ExecContext(ctx, "VACUUM ANALYZE "+t); err != nil {
				return fmt.Errorf("vacuum %s: %w", t, err)
			}
		}
	}
	return nil
}

var benchWords = strings.Fields("planning capacity refinement carryover velocity milestone label weight board retro status update import export search")
