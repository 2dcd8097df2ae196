package store

import (
	"context"

	"github.com/cairnhq/cairn"
)

// maxIssuesByIDs bounds one IssuesByIDs call: pages ask for the issues of
// the rows they show, never a whole backlog.
const maxIssuesByIDs = 5000

// IssuesByIDs returns the issues with the given global ids, whole (labels,
// assignees, author, milestone), by id, in one query: pages that list
// issues from elsewhere (status updates, plans) use it to learn titles and
// which issues are confidential without a query per row. Ids that do not
// exist are missing from the map; duplicates and zeros are ignored. It
// returns EINVALID for more than 5,000 ids.
func (s *Store) IssuesByIDs(ctx context.Context, ids []int64) (map[int64]*cairn.Issue, error) {
	ids = uniqueNonZero(ids)
	if len(ids) > maxIssuesByIDs {
		return nil, cairn.Errorf(cairn.EINVALID, "too many issues at once (%d, at most %d)", len(ids), maxIssuesByIDs)
	}
	return issuesByIDs(ctx, s.read(), ids)
}
