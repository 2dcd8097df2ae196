package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/cairnhq/cairn"
)

var _ cairn.FeedService = (*Store)(nil)

// maxMemberGroups bounds MemberGroups; nobody is in that many teams.
const maxMemberGroups = 1000

// ResetFeedToken gives the user a new calendar feed token ("glft-" and 20
// base62 characters) and returns it. Only its SHA-256 is stored (as
// personal access tokens are), so the token is shown once, and the
// previous one stops working at once. ENOTFOUND if the user does not exist.
func (s *Store) ResetFeedToken(ctx context.Context, userID int64) (string, error) {
	secret, err := newSecret(cairn.FeedTokenPrefix)
	if err != nil {
		return "", fmt.Errorf("feed token: %w", err)
	}
	err = s.write(ctx, func(c *conn) error {
		res, err := c.exec(ctx, "UPDATE users SET feed_token_hash = ? WHERE id = ?", tokenHash(secret), userID)
		if err != nil {
			return fmt.Errorf("reset feed token: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("reset feed token: %w", err)
		} else if n == 0 {
			return cairn.NotFound("User")
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// UserByFeedToken returns the user whose feed token this is. ENOTFOUND if
// the token is empty, not a feed token, unknown (also after a reset), or
// its user is blocked: a feed answers all of them alike.
func (s *Store) UserByFeedToken(ctx context.Context, token string) (*cairn.User, error) {
	if !strings.HasPrefix(token, cairn.FeedTokenPrefix) || len(token) > len(cairn.FeedTokenPrefix)+tokenRandomLen {
		return nil, cairn.NotFound("User")
	}
	u, err := scanUser(s.read().queryRow(ctx, "SELECT "+userColumns+" FROM users u WHERE u.feed_token_hash = ?", tokenHash(token)))
	if err != nil {
		return nil, notFound(fmt.Errorf("user by feed token: %w", err), "User")
	}
	if u.State != "active" {
		return nil, cairn.NotFound("User")
	}
	return u, nil
}

// MemberGroups lists the groups the user is a member of, by path (at most
// 1000).
func (s *Store) MemberGroups(ctx context.Context, userID int64) ([]*cairn.Group, error) {
	rows, err := s.read().query(ctx, "SELECT "+groupColumns+" FROM groups g JOIN group_members gm ON gm.group_id = g.id"+
		" WHERE gm.user_id = ? ORDER BY lower(g.path), g.id LIMIT ?", userID, maxMemberGroups)
	if err != nil {
		return nil, fmt.Errorf("member groups: %w", err)
	}
	defer rows.Close()
	var out []*cairn.Group
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, fmt.Errorf("scan group: %w", err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("member groups: %w", err)
	}
	return out, nil
}
