package access

import "github.com/cairnhq/cairn"

// HideConfidential limits an issue list to non-confidential issues for
// users below reporter, who may not see others' confidential issues. (Their
// own confidential issues are then left out of lists too; the issue itself
// shows them.) The API's lists and the web pages' lists both call it.
func HideConfidential(f *cairn.IssueFilter, u *cairn.User, level int) {
	if u.IsAdmin || level >= cairn.AccessReporter {
		return
	}
	if f.Confidential != nil && *f.Confidential {
		f.IIDs = []int64{-1} // asked only for what they may not see: nothing
		return
	}
	no := false
	f.Confidential = &no
}

// SeesConfidential reports whether user u, with access level in the
// issue's group, may see issue i: any non-confidential issue; a
// confidential one if u is an admin, a reporter or up, its author or one of
// its assignees, as in GitLab.
func SeesConfidential(u *cairn.User, level int, i *cairn.Issue) bool {
	if !i.Confidential || u.IsAdmin || level >= cairn.AccessReporter {
		return true
	}
	if i.Author != nil && i.Author.ID == u.ID {
		return true
	}
	for _, a := range i.Assignees {
		if a.ID == u.ID {
			return true
		}
	}
	return false
}
