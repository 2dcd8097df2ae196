package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/cairnhq/cairn"
)

// SessionLifetime is how long a web session lasts without use; each use
// moves its expiry on.
const SessionLifetime = 14 * 24 * time.Hour

// sessionTouchEvery bounds how often using a session writes, so that page
// views do not each cost a write.
const sessionTouchEvery = time.Minute

// Session is a signed-in browser.
type Session struct {
	UserID     int64
	UserAgent  string
	IP         string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// CreateSession starts a web session for the user and returns its secret,
// the cookie value (only its hash is stored). Signing in always makes a new
// session, so a session id planted before sign-in is worth nothing. The
// sign-in goes into the audit log (from ip) in the same transaction.
// EUNAUTHORIZED when the user is not active.
func (s *Store) CreateSession(ctx context.Context, userID int64, userAgent, ip string) (string, error) {
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("session secret: %w", err)
	}
	secret := base64.RawURLEncoding.EncodeToString(buf)
	err := s.write(ctx, func(c *conn) error {
		var state, username string
		if err := c.queryRow(ctx, `SELECT state, username FROM users WHERE id = ?`, userID).Scan(&state, &username); err != nil {
			return notFound(err, "User")
		}
		if state != "active" {
			return errBadToken()
		}
		now := s.now()
		// Sessions that ran out are swept as new ones start.
		if _, err := c.exec(ctx, `DELETE FROM sessions WHERE expires_at < ?`, ms(now)); err != nil {
			return fmt.Errorf("sweep sessions: %w", err)
		}
		_, err := c.exec(ctx, `INSERT INTO sessions (id_hash, user_id, user_agent, ip, created_at, last_seen_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, tokenHash(secret), userID, truncate(userAgent, 300), truncate(ip, 64),
			ms(now), ms(now), ms(now.Add(SessionLifetime)))
		if err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		// A session is only ever made by signing in; the event goes with it.
		return s.audit(ctx, c, auditEntry{actorID: userID, action: cairn.AuditSignIn, targetType: cairn.AuditEntityUser, targetID: userID,
			details: map[string]any{"with": "standard", "target_details": username}, ip: ip})
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// UserBySession returns the user of a live session and records its use.
// EUNAUTHORIZED when the secret is unknown, the session expired or its user
// is not active.
func (s *Store) UserBySession(ctx context.Context, secret string) (*cairn.User, *Session, error) {
	if secret == "" {
		return nil, nil, errBadToken()
	}
	var u cairn.User
	var sess Session
	var uCreated, uUpdated, created, seen, expires int64
	err := s.read().queryRow(ctx, `SELECT `+userColumns+`, s.user_agent, s.ip, s.created_at, s.last_seen_at, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?`, tokenHash(secret)).
		Scan(&u.ID, &u.Username, &u.Name, &u.Email, &u.IsAdmin, &u.State, &uCreated, &uUpdated,
			&sess.UserAgent, &sess.IP, &created, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errBadToken()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("user by session: %w", err)
	}
	u.CreatedAt, u.UpdatedAt = fromMS(uCreated), fromMS(uUpdated)
	sess.UserID, sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = u.ID, fromMS(created), fromMS(seen), fromMS(expires)
	now := s.now()
	if !now.Before(sess.ExpiresAt) || u.State != "active" {
		return nil, nil, errBadToken()
	}
	if now.Sub(sess.LastSeenAt) >= sessionTouchEvery {
		err := s.write(ctx, func(c *conn) error {
			_, err := c.exec(ctx, `UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id_hash = ? AND last_seen_at <= ?`,
				ms(now), ms(now.Add(SessionLifetime)), tokenHash(secret), ms(now.Add(-sessionTouchEvery)))
			return err
		})
		if err != nil {
			return nil, nil, fmt.Errorf("record session use: %w", err)
		}
		sess.LastSeenAt, sess.ExpiresAt = now, now.Add(SessionLifetime)
	}
	return &u, &sess, nil
}

// DeleteSession ends one session (sign out). Ending a session that does
// not exist is not an error.
func (s *Store) DeleteSession(ctx context.Context, secret string) error {
	return s.write(ctx, func(c *conn) error {
		_, err := c.exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, tokenHash(secret))
		return err
	})
}

// DeleteUserSessions ends every session of a user (sign out everywhere, a
// changed password, a blocked account).
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) error {
	return s.write(ctx, func(c *conn) error {
		_, err := c.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
		return err
	})
}
