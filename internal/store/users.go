package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/cairnhq/cairn"
)

var _ cairn.UserService = (*Store)(nil)

// errBadLogin is the one answer to every failed sign-in, so that callers
// cannot tell an unknown user from a wrong password or a blocked account.
func errBadLogin() error {
	return cairn.Errorf(cairn.EUNAUTHORIZED, "Invalid login or password.")
}

// errBadToken is the one answer to every unusable token.
func errBadToken() error {
	return cairn.Errorf(cairn.EUNAUTHORIZED, "401 Unauthorized")
}

// CreateUser creates a user with an argon2id hash of the password, if any.
// It returns EINVALID for bad input and ECONFLICT if the username is taken
// (compared case-insensitively).
func (s *Store) CreateUser(ctx context.Context, in cairn.UserCreate) (*cairn.User, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	// Hash before the transaction: it takes tens of milliseconds and must
	// not hold the write lock, nor run again when the transaction retries.
	hash := ""
	if in.Password != "" {
		var err error
		if hash, err = hashPassword(in.Password); err != nil {
			return nil, fmt.Errorf("create user: %w", err)
		}
	}
	created := s.orNow(in.CreatedAt)
	u := &cairn.User{
		Username: in.Username, Name: in.Name, Email: in.Email, IsAdmin: in.IsAdmin,
		State: "active", CreatedAt: created, UpdatedAt: created,
	}
	err := s.write(ctx, func(c *conn) error {
		id, err := c.insert(ctx, `INSERT INTO users (username, name, email, password_hash, is_admin, state, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 'active', ?, ?)`,
			u.Username, u.Name, u.Email, hash, u.IsAdmin, ms(created), ms(created))
		if isUniqueViolation(err) {
			return cairn.Errorf(cairn.ECONFLICT, "Username has already been taken")
		}
		if err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		u.ID = id
		return nil
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// UserByID returns a user; ENOTFOUND if none.
func (s *Store) UserByID(ctx context.Context, id int64) (*cairn.User, error) {
	u, err := scanUser(s.read().queryRow(ctx, "SELECT "+userColumns+" FROM users u WHERE u.id = ?", id))
	if err != nil {
		return nil, notFound(fmt.Errorf("user by id: %w", err), "User")
	}
	return u, nil
}

// UserByUsername returns a user by case-insensitive username; ENOTFOUND if
// none.
func (s *Store) UserByUsername(ctx context.Context, username string) (*cairn.User, error) {
	u, err := scanUser(s.read().queryRow(ctx,
		"SELECT "+userColumns+" FROM users u WHERE lower(u.username) = lower(?)", strings.TrimSpace(username)))
	if err != nil {
		return nil, notFound(fmt.Errorf("user by username: %w", err), "User")
	}
	return u, nil
}

// ListUsers lists users ordered by id: all of them, the one whose username
// equals f.Username (case-insensitive), or those whose username or name
// contains f.Search (case-insensitive).
func (s *Store) ListUsers(ctx context.Context, f cairn.UserFilter) ([]*cairn.User, cairn.Total, error) {
	var where []string
	var args []any
	if f.Username != "" {
		where = append(where, "lower(u.username) = lower(?)")
		args = append(args, strings.TrimSpace(f.Username))
	}
	if f.Search != "" {
		p := likePattern(f.Search)
		where = append(where, `(lower(u.username) LIKE ? ESCAPE '\' OR lower(u.name) LIKE ? ESCAPE '\')`)
		args = append(args, p, p)
	}
	from := " FROM users u" + whereClause(where)
	c := s.read()
	page := f.Page.Normalize()
	rows, err := c.query(ctx, "SELECT "+userColumns+from+" ORDER BY u.id LIMIT ? OFFSET ?",
		append(args, page.PerPage, page.Offset())...)
	if err != nil {
		return nil, cairn.Total{}, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []*cairn.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, cairn.Total{}, fmt.Errorf("scan user: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, cairn.Total{}, fmt.Errorf("list users: %w", err)
	}
	total, err := countPage(ctx, c, from, args, page, len(out))
	if err != nil {
		return nil, cairn.Total{}, fmt.Errorf("count users: %w", err)
	}
	return out, total, nil
}

// Authenticate returns the active user whose username or e-mail (both
// case-insensitive) is login and whose password is password. Every failure
// — unknown login, wrong password, no password, blocked user — is the same
// EUNAUTHORIZED error and costs the same hash work, so neither the message
// nor the time tells which accounts exist.
func (s *Store) Authenticate(ctx context.Context, login, password string) (*cairn.User, error) {
	login = strings.TrimSpace(login)
	var (
		u    *cairn.User
		hash string
	)
	if login != "" {
		// A username wins over someone else's e-mail address of the same
		// text; e-mail addresses are not unique, so the oldest account wins.
		row := s.read().queryRow(ctx, "SELECT "+userColumns+", u.password_hash FROM users u"+
			" WHERE lower(u.username) = lower(?) OR (u.email <> '' AND lower(u.email) = lower(?))"+
			" ORDER BY CASE WHEN lower(u.username) = lower(?) THEN 0 ELSE 1 END, u.id LIMIT 1",
			login, login, login)
		var err error
		u, hash, err = scanUserWithHash(row)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("authenticate: %w", err)
		}
	}
	if u == nil || hash == "" {
		_ = verifyPassword(dummyHash(), password)
		return nil, errBadLogin()
	}
	if !verifyPassword(hash, password) || u.State != "active" {
		return nil, errBadLogin()
	}
	return u, nil
}

func scanUserWithHash(r scanner) (*cairn.User, string, error) {
	var u cairn.User
	var created, updated int64
	var hash string
	if err := r.Scan(&u.ID, &u.Username, &u.Name, &u.Email, &u.IsAdmin, &u.State, &created, &updated, &hash); err != nil {
		return nil, "", err
	}
	u.CreatedAt, u.UpdatedAt = fromMS(created), fromMS(updated)
	return &u, hash, nil
}

// SetPassword replaces a user's password; EINVALID if it is shorter than
// eight characters, ENOTFOUND if the user does not exist.
func (s *Store) SetPassword(ctx context.Context, userID int64, password string) error {
	if password == "" {
		return cairn.Missing("password")
	}
	if len(password) < 8 {
		return cairn.FieldError("password", "is too short (minimum is 8 characters)")
	}
	hash, err := hashPassword(password)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return s.write(ctx, func(c *conn) error {
		res, err := c.exec(ctx, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", hash, ms(s.now()), userID)
		if err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("set password: %w", err)
		} else if n == 0 {
			return cairn.NotFound("User")
		}
		return nil
	})
}

// Password hashing: argon2id with OWASP's second recommended setting
// (19 MiB, two passes, one lane), stored as a PHC string. Verification reads
// the parameters from the stored string, so they can be raised later without
// invalidating existing hashes.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

var b64 = base64.RawStdEncoding

// hashPassword returns the PHC string of password with a fresh salt.
func hashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// verifyPassword reports whether password matches the PHC string phc. A
// malformed string matches nothing.
func verifyPassword(phc, password string) bool {
	parts := strings.Split(phc, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return false
	}
	var m, t, p uint64
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return false
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return false
		}
		switch k {
		case "m":
			m = n
		case "t":
			t = n
		case "p":
			p = n
		default:
			return false
		}
	}
	// Bounds keep a corrupted row from asking for gigabytes or hours.
	if m < 8 || m > 1<<21 || t < 1 || t > 100 || p < 1 || p > 255 {
		return false
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 1024 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, uint32(t), uint32(m), uint8(p), uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is verified against when there is no real hash, so that a
// sign-in for an unknown user takes as long as one for a known user.
var dummyHash = sync.OnceValue(func() string {
	h, err := hashPassword("cairn-timing-equaliser")
	if err != nil {
		return ""
	}
	return h
})

// Personal access tokens look like GitLab's ("glpat-" and 20 base62
// characters), so clients that check the prefix accept them.
const (
	tokenPrefix    = "glpat-"
	tokenRandomLen = 20
	base62         = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	// tokenUseResolution is how stale last_used_at may get: authenticating
	// writes at most once per token and period instead of on every request.
	tokenUseResolution = time.Minute
	maxListedTokens    = 100
)

// newTokenSecret returns a fresh token secret.
func newTokenSecret() (string, error) { return newSecret(tokenPrefix) }

// newSecret returns prefix and tokenRandomLen random base62 characters,
// which are safe in a URL as they are.
func newSecret(prefix string) (string, error) {
	out := make([]byte, 0, len(prefix)+tokenRandomLen)
	out = append(out, prefix...)
	buf := make([]byte, 32)
	for len(out) < cap(out) {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("token secret: %w", err)
		}
		for _, b := range buf {
			// Rejecting bytes ≥ 248 (4 × 62) keeps every character equally likely.
			if b < 248 && len(out) < cap(out) {
				out = append(out, base62[b%62])
			}
		}
	}
	return string(out), nil
}

// tokenHash is what is stored of a secret: a token is random enough that a
// fast hash is safe, and a fast hash lets it be looked up by index.
func tokenHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

const tokenColumns = "t.id, t.user_id, t.name, t.scopes, t.expires_at, t.last_used_at, t.revoked, t.created_at"

func scanToken(r scanner, extra ...any) (*cairn.Token, error) {
	var t cairn.Token
	var scopes string
	var expires sql.NullString
	var lastUsed sql.NullInt64
	var created int64
	dest := append([]any{&t.ID, &t.UserID, &t.Name, &scopes, &expires, &lastUsed, &t.Revoked, &created}, extra...)
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	if scopes != "" {
		t.Scopes = strings.Split(scopes, ",")
	}
	t.ExpiresAt = expires.String
	t.LastUsedAt = fromNullMS(lastUsed)
	t.CreatedAt = fromMS(created)
	return &t, nil
}

// CreateToken creates a personal access token and returns it with its
// secret, which is not stored and cannot be read again. It returns EINVALID
// for bad input and ENOTFOUND if the user does not exist.
func (s *Store) CreateToken(ctx context.Context, in cairn.TokenCreate) (*cairn.Token, string, error) {
	if err := in.Validate(); err != nil {
		return nil, "", err
	}
	secret, err := newTokenSecret()
	if err != nil {
		return nil, "", err
	}
	t := &cairn.Token{UserID: in.UserID, Name: in.Name, Scopes: in.Scopes, ExpiresAt: in.ExpiresAt, CreatedAt: s.now()}
	err = s.write(ctx, func(c *conn) error {
		id, err := c.insert(ctx, `INSERT INTO personal_access_tokens (user_id, name, token_hash, scopes, expires_at, revoked, created_at)
			VALUES (?, ?, ?, ?, ?, FALSE, ?)`,
			t.UserID, t.Name, tokenHash(secret), strings.Join(t.Scopes, ","), nullString(t.ExpiresAt), ms(t.CreatedAt))
		if isForeignKeyViolation(err) {
			return cairn.NotFound("User")
		}
		if err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		t.ID = id
		return s.audit(ctx, c, auditEntry{action: cairn.AuditTokenCreate, targetType: cairn.AuditEntityUser, targetID: t.UserID,
			details: map[string]any{"token_id": t.ID, "token_name": t.Name, "scopes": t.Scopes, "expires_at": t.ExpiresAt,
				"custom_message": fmt.Sprintf("Created personal access token with id %d", t.ID)}})
	})
	if err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// UserByToken returns the token's user and the token, and records its use
// (at most once a minute, so that reads do not write on every request). It
// returns EUNAUTHORIZED if the secret is unknown, the token revoked or
// expired (its expiry date is before today), or its user blocked.
func (s *Store) UserByToken(ctx context.Context, secret string) (*cairn.User, *cairn.Token, error) {
	if secret == "" {
		return nil, nil, errBadToken()
	}
	var u cairn.User
	var uCreated, uUpdated int64
	t, err := scanToken(s.read().queryRow(ctx, "SELECT "+tokenColumns+", "+userColumns+
		" FROM personal_access_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?", tokenHash(secret)),
		&u.ID, &u.Username, &u.Name, &u.Email, &u.IsAdmin, &u.State, &uCreated, &uUpdated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errBadToken()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("user by token: %w", err)
	}
	u.CreatedAt, u.UpdatedAt = fromMS(uCreated), fromMS(uUpdated)
	if t.Revoked || (t.ExpiresAt != "" && t.ExpiresAt < s.Today()) || u.State != "active" {
		return nil, nil, errBadToken()
	}
	now := s.now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= tokenUseResolution {
		// The condition in SQL keeps concurrent requests from writing twice.
		err := s.write(ctx, func(c *conn) error {
			_, err := c.exec(ctx, "UPDATE personal_access_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)",
				ms(now), t.ID, ms(now.Add(-tokenUseResolution)))
			return err
		})
		if err != nil {
			return nil, nil, fmt.Errorf("record token use: %w", err)
		}
		t.LastUsedAt = &now
	}
	return &u, t, nil
}

// ListTokens lists a user's tokens, newest first (at most 100).
func (s *Store) ListTokens(ctx context.Context, userID int64) ([]*cairn.Token, error) {
	rows, err := s.read().query(ctx, "SELECT "+tokenColumns+" FROM personal_access_tokens t WHERE t.user_id = ? ORDER BY t.id DESC LIMIT ?",
		userID, maxListedTokens)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []*cairn.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("scan token: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken revokes one of a user's tokens, recording it in the audit
// log; ENOTFOUND if the user has no token of that id. Revoking a revoked
// token succeeds and records nothing.
func (s *Store) RevokeToken(ctx context.Context, userID, tokenID int64) error {
	return s.write(ctx, func(c *conn) error {
		var name string
		var revoked bool
		err := c.queryRow(ctx, "SELECT name, revoked FROM personal_access_tokens WHERE id = ? AND user_id = ?"+c.forUpdate(),
			tokenID, userID).Scan(&name, &revoked)
		if err != nil {
			return notFound(fmt.Errorf("revoke token: %w", err), "Token")
		}
		if revoked {
			return nil
		}
		if _, err := c.exec(ctx, "UPDATE personal_access_tokens SET revoked = TRUE WHERE id = ?", tokenID); err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		return s.audit(ctx, c, auditEntry{action: cairn.AuditTokenRevoke, targetType: cairn.AuditEntityUser, targetID: userID,
			details: map[string]any{"token_id": tokenID, "token_name": name,
				"custom_message": fmt.Sprintf("Revoked personal access token with id %d", tokenID)}})
	})
}

// whereClause joins conditions with AND, or returns "" for none.
func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}
