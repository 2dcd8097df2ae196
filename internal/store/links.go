package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/cairnhq/cairn"
)

var _ cairn.LinkService = (*Store)(nil)

// maxLinks bounds the links and sub-tasks listed for one issue; GitLab
// does not page them either.
const maxLinks = 1000

// CreateLink links two issues, as seen from sourceID: "is_blocked_by" is
// stored as the target blocking the source, so each link has one stored
// direction. linkType "" means relates_to. EINVALID for a self-link or a
// bad type; ENOTFOUND if an issue does not exist; ECONFLICT if the two are
// already linked in either direction.
func (s *Store) CreateLink(ctx context.Context, sourceID, targetID int64, linkType string) (*cairn.IssueLink, error) {
	if linkType == "" {
		linkType = cairn.LinkRelatesTo
	}
	from, to, stored := sourceID, targetID, linkType
	switch linkType {
	case cairn.LinkRelatesTo, cairn.LinkBlocks:
	case cairn.LinkIsBlockedBy:
		from, to, stored = targetID, sourceID, cairn.LinkBlocks
	default:
		return nil, cairn.FieldError("link_type", "must be relates_to, blocks or is_blocked_by")
	}
	if sourceID == targetID {
		return nil, cairn.Errorf(cairn.EINVALID, "An issue cannot be linked to itself")
	}
	var id, created int64
	err := s.write(ctx, func(c *conn) error {
		// Locking both issues, in id order, serialises two requests that link
		// the same pair in opposite directions, which the unique index alone
		// would let through.
		ids, err := queryIDs(ctx, c, "SELECT id FROM issues WHERE id IN (?, ?) ORDER BY id LIMIT 2"+c.forUpdate(), sourceID, targetID)
		if err != nil {
			return err
		}
		if len(ids) != 2 {
			return cairn.NotFound("Issue")
		}
		var one int
		err = c.queryRow(ctx, "SELECT 1 FROM issue_links WHERE (source_id = ? AND target_id = ?) OR (source_id = ? AND target_id = ?)",
			from, to, to, from).Scan(&one)
		if err == nil {
			return cairn.Errorf(cairn.ECONFLICT, "Issue(s) already assigned")
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("check issue link: %w", err)
		}
		created = ms(s.now())
		id, err = c.insert(ctx, "INSERT INTO issue_links (source_id, target_id, link_type, created_at) VALUES (?, ?, ?, ?)", from, to, stored, created)
		if isUniqueViolation(err) {
			return cairn.Errorf(cairn.ECONFLICT, "Issue(s) already assigned")
		}
		if err != nil {
			return fmt.Errorf("insert issue link: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	issues, err := issuesByIDs(ctx, s.read(), []int64{sourceID, targetID})
	if err != nil {
		return nil, err
	}
	return &cairn.IssueLink{ID: id, Source: issues[sourceID], Target: issues[targetID], LinkType: linkType, CreatedAt: fromMS(created)}, nil
}

// issuesByIDs loads issues with their relations by id.
func issuesByIDs(ctx context.Context, c *conn, ids []int64) (map[int64]*cairn.Issue, error) {
	ids = uniqueNonZero(ids)
	out := make(map[int64]*cairn.Issue, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	list, err := loadIssues(ctx, c, "SELECT "+issueColumns+" FROM issues i WHERE i.id IN ("+placeholders(len(ids))+") ORDER BY i.id LIMIT ?",
		append(int64Args(ids), len(ids))...)
	if err != nil {
		return nil, err
	}
	for _, is := range list {
		out[is.ID] = is
	}
	return out, nil
}

func issueExists(ctx context.Context, c *conn, id int64) error {
	var one int
	if err := c.queryRow(ctx, "SELECT 1 FROM issues WHERE id = ?", id).Scan(&one); err != nil {
		return notFound(err, "Issue")
	}
	return nil
}

// ListLinks lists an issue's links, oldest first, each seen from the issue:
// Source is the issue, and a link stored as the other issue blocking it
// reads "is_blocked_by". ENOTFOUND if the issue does not exist.
func (s *Store) ListLinks(ctx context.Context, issueID int64) ([]*cairn.IssueLink, error) {
	c := s.read()
	if err := issueExists(ctx, c, issueID); err != nil {
		return nil, err
	}
	rows, err := c.query(ctx, "SELECT id, source_id, target_id, link_type, created_at FROM issue_links WHERE source_id = ? OR target_id = ? ORDER BY id LIMIT ?",
		issueID, issueID, maxLinks)
	if err != nil {
		return nil, fmt.Errorf("list issue links: %w", err)
	}
	type link struct {
		id, source, target, created int64
		typ                         string
	}
	var links []link
	ids := []int64{issueID}
	for rows.Next() {
		var l link
		if err := rows.Scan(&l.id, &l.source, &l.target, &l.typ, &l.created); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan issue link: %w", err)
		}
		links = append(links, l)
		ids = append(ids, l.source, l.target)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list issue links: %w", err)
	}
	issues, err := issuesByIDs(ctx, c, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*cairn.IssueLink, 0, len(links))
	for _, l := range links {
		other, typ := l.target, l.typ
		if l.target == issueID {
			other = l.source
			if typ == cairn.LinkBlocks {
				typ = cairn.LinkIsBlockedBy
			}
		}
		out = append(out, &cairn.IssueLink{ID: l.id, Source: issues[issueID], Target: issues[other], LinkType: typ, CreatedAt: fromMS(l.created)})
	}
	return out, nil
}

// DeleteLink deletes a link of the issue, in whichever direction it is
// stored; ENOTFOUND if the issue has no such link.
func (s *Store) DeleteLink(ctx context.Context, issueID, linkID int64) error {
	return s.write(ctx, func(c *conn) error {
		res, err := c.exec(ctx, "DELETE FROM issue_links WHERE id = ? AND (source_id = ? OR target_id = ?)", linkID, issueID, issueID)
		if err != nil {
			return fmt.Errorf("delete issue link: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("delete issue link: %w", err)
		} else if n == 0 {
			return cairn.NotFound("Issue Link")
		}
		return nil
	})
}

// ListChildren lists an issue's sub-tasks ordered by iid. ENOTFOUND if the
// issue does not exist.
func (s *Store) ListChildren(ctx context.Context, issueID int64) ([]*cairn.Issue, error) {
	c := s.read()
	if err := issueExists(ctx, c, issueID); err != nil {
		return nil, err
	}
	list, err := loadIssues(ctx, c, "SELECT "+issueColumns+" FROM issues i WHERE i.parent_id = ? ORDER BY i.iid, i.id LIMIT ?", issueID, maxLinks)
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []*cairn.Issue{}
	}
	return list, nil
}
