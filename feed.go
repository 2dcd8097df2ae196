package cairn

import "context"

// FeedTokenPrefix starts every calendar feed token, so that one found in a
// log or a URL is recognised as such (GitLab's feed tokens start "glft-").
const FeedTokenPrefix = "glft-"

// FeedService manages the secret that authenticates a user's calendar feeds
// (iCalendar URLs that calendar applications poll without signing in).
type FeedService interface {
	// ResetFeedToken gives the user a new feed token and returns it; only
	// its hash is stored, so it cannot be read again, and the previous
	// token stops working. ENOTFOUND if the user does not exist.
	ResetFeedToken(ctx context.Context, userID int64) (string, error)
	// UserByFeedToken returns the user whose feed token this is; ENOTFOUND
	// if the token is unknown or its user is blocked.
	UserByFeedToken(ctx context.Context, token string) (*User, error)
	// MemberGroups lists the groups the user is a member of, by path.
	MemberGroups(ctx context.Context, userID int64) ([]*Group, error)
}
