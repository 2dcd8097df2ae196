package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cairnhq/cairn"
)

// userColumns are the columns scanUser reads, for a users table aliased "u".
const userColumns = "u.id, u.username, u.name, u.email, u.is_admin, u.state, u.created_at, u.updated_at"

type scanner interface{ Scan(dest ...any) error }

// scanUser reads userColumns.
func scanUser(r scanner) (*cairn.User, error) {
	var u cairn.User
	var created, updated int64
	if err := r.Scan(&u.ID, &u.Username, &u.Name, &u.Email, &u.IsAdmin, &u.State, &created, &updated); err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt = fromMS(created), fromMS(updated)
	return &u, nil
}

// usersByIDs loads the users with the given ids in one query.
func usersByIDs(ctx context.Context, c *conn, ids []int64) (map[int64]*cairn.User, error) {
	out := make(map[int64]*cairn.User, len(ids))
	ids = uniqueNonZero(ids)
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := c.query(ctx, "SELECT "+userColumns+" FROM users u WHERE u.id IN ("+placeholders(len(ids))+")", int64Args(ids)...)
	if err != nil {
		return nil, fmt.Errorf("load users: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("scan user: %w", err)
		}
		out[u.ID] = u
	}
	return out, rows.Err()
}

// projectGroupID returns the group of a project; ENOTFOUND if none.
func projectGroupID(ctx context.Context, c *conn, projectID int64) (int64, error) {
	var gid int64
	err := c.queryRow(ctx, "SELECT group_id FROM projects WHERE id = ?", projectID).Scan(&gid)
	if err != nil {
		return 0, notFound(err, "Project")
	}
	return gid, nil
}

func uniqueNonZero(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id != 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// nullInt64 returns a nullable argument: NULL for nil.
func nullInt64(p *int64) sql.NullInt64 {
	if p == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: *p, Valid: true}
}

// nullString returns NULL for "", else the string.
func nullString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}
