package cairn

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// User is a person who signs in to Cairn.
type User struct {
	ID        int64
	Username  string
	Name      string
	Email     string
	IsAdmin   bool
	State     string // "active" or "blocked"
	CreatedAt time.Time
	UpdatedAt time.Time
}

var usernameRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$`)

// ValidUsername reports whether s can be a username: letters, digits, "_",
// "." and "-", not starting with "." or "-", at most 255 characters.
func ValidUsername(s string) bool { return usernameRE.MatchString(s) && !strings.HasSuffix(s, ".") }

// UserCreate is the input for creating a user.
type UserCreate struct {
	Username string
	Name     string
	Email    string
	Password string // empty: the user can sign in only with tokens
	IsAdmin  bool
	// CreatedAt is used by imports to keep history; zero means now.
	CreatedAt time.Time
}

// Validate checks the input and returns an EINVALID *Error naming the field.
func (c *UserCreate) Validate() error {
	c.Username = strings.TrimSpace(c.Username)
	c.Name = strings.TrimSpace(c.Name)
	c.Email = strings.TrimSpace(c.Email)
	if c.Username == "" {
		return Missing("username")
	}
	if !ValidUsername(c.Username) {
		return FieldError("username", "can contain only letters, digits, '_', '-' and '.', and cannot start with '-' or '.' or end in '.'")
	}
	if c.Name == "" {
		c.Name = c.Username
	}
	if len(c.Name) > 255 {
		return FieldError("name", "is too long (maximum is 255 characters)")
	}
	if c.Email != "" && (!strings.Contains(c.Email, "@") || len(c.Email) > 255) {
		return FieldError("email", "is invalid")
	}
	if c.Password != "" && len(c.Password) < 8 {
		return FieldError("password", "is too short (minimum is 8 characters)")
	}
	return nil
}

// Token scopes.
const (
	ScopeAPI     = "api"
	ScopeReadAPI = "read_api"
)

// Token is a personal access token. The secret is shown once, at creation;
// only its hash is stored.
type Token struct {
	ID         int64
	UserID     int64
	Name       string
	Scopes     []string
	ExpiresAt  string // date, "" for never
	LastUsedAt *time.Time
	Revoked    bool
	CreatedAt  time.Time
}

// CanWrite reports whether the token's scopes allow changes.
func (t *Token) CanWrite() bool {
	for _, s := range t.Scopes {
		if s == ScopeAPI {
			return true
		}
	}
	return false
}

// TokenCreate is the input for creating a personal access token.
type TokenCreate struct {
	UserID    int64
	Name      string
	Scopes    []string
	ExpiresAt string // date, "" for never
}

// Validate checks the input.
func (c *TokenCreate) Validate() error {
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		return Missing("name")
	}
	if len(c.Name) > 255 {
		return FieldError("name", "is too long (maximum is 255 characters)")
	}
	if len(c.Scopes) == 0 {
		c.Scopes = []string{ScopeAPI}
	}
	for _, s := range c.Scopes {
		if s != ScopeAPI && s != ScopeReadAPI {
			return FieldError("scopes", "must be api or read_api")
		}
	}
	if c.ExpiresAt != "" && !ValidDate(c.ExpiresAt) {
		return FieldError("expires_at", "must be a date like 2026-12-31")
	}
	return nil
}

// UserService manages users and their credentials.
type UserService interface {
	// CreateUser creates a user; ECONFLICT if the username is taken.
	CreateUser(ctx context.Context, c UserCreate) (*User, error)
	// UserByID returns a user; ENOTFOUND if none.
	UserByID(ctx context.Context, id int64) (*User, error)
	// UserByUsername returns a user by case-insensitive username; ENOTFOUND if none.
	UserByUsername(ctx context.Context, username string) (*User, error)
	// ListUsers lists users ordered by id, optionally only those whose username
	// equals username (case-insensitive) or whose username or name contains search.
	ListUsers(ctx context.Context, f UserFilter) ([]*User, Total, error)
	// Authenticate checks a username (or e-mail) and password; EUNAUTHORIZED
	// when they do not match or the user has no password.
	Authenticate(ctx context.Context, login, password string) (*User, error)
	// SetPassword replaces a user's password.
	SetPassword(ctx context.Context, userID int64, password string) error

	// CreateToken creates a personal access token and returns it with its
	// secret, which is not stored and cannot be read again.
	CreateToken(ctx context.Context, c TokenCreate) (*Token, string, error)
	// UserByToken returns the token's user and the token, and records its
	// use; EUNAUTHORIZED if the secret is unknown, revoked or expired.
	UserByToken(ctx context.Context, secret string) (*User, *Token, error)
	// ListTokens lists a user's tokens, newest first.
	ListTokens(ctx context.Context, userID int64) ([]*Token, error)
	// RevokeToken revokes one of a user's tokens; ENOTFOUND if none.
	RevokeToken(ctx context.Context, userID, tokenID int64) error
}

// UserFilter selects users.
type UserFilter struct {
	Username string
	Search   string
	Page
}
