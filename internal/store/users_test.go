package store_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// The helpers of the user, group, project and milestone tests carry the
// prefix "core" so that they do not clash with other tests of the package.

// coreClock fixes the store's clock at t and returns a function that moves it.
func coreClock(tb testing.TB, s *store.Store, t time.Time) func(d time.Duration) {
	tb.Helper()
	now := t
	s.Now = func() time.Time { return now }
	return func(d time.Duration) { now = now.Add(d) }
}

// coreUser creates a user without a password.
func coreUser(tb testing.TB, s *store.Store, username string) *cairn.User {
	tb.Helper()
	u, err := s.CreateUser(context.Background(), cairn.UserCreate{Username: username, Email: username + "@example.com"})
	if err != nil {
		tb.Fatalf("create user %s: %v", username, err)
	}
	return u
}

// coreWantCode fails unless err carries code ("" for no error).
func coreWantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := cairn.ErrorCode(err); got != code {
		tb.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

// coreWantError fails unless err carries code and message.
func coreWantError(tb testing.TB, err error, code, msg string) {
	tb.Helper()
	coreWantCode(tb, err, code)
	if got := cairn.ErrorMessage(err); got != msg {
		tb.Fatalf("error message = %q, want %q", got, msg)
	}
}

func coreExec(tb testing.TB, s *store.Store, query string, args ...any) {
	tb.Helper()
	if err := s.RawExecForTest(context.Background(), query, args...); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
}

func TestUserCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		created := time.Date(2024, 3, 1, 9, 30, 0, 123456789, time.UTC)
		first, err := s.CreateUser(ctx, cairn.UserCreate{Username: "alice", Name: " Alice A ", Email: "Alice@Example.com", IsAdmin: true, CreatedAt: created})
		if err != nil {
			t.Fatal(err)
		}
		t.Run("OK", func(t *testing.T) {
			want := cairn.User{
				ID: first.ID, Username: "alice", Name: "Alice A", Email: "Alice@Example.com", IsAdmin: true, State: "active",
				CreatedAt: created.Truncate(time.Millisecond), UpdatedAt: created.Truncate(time.Millisecond),
			}
			if *first != want {
				t.Fatalf("created %+v, want %+v", *first, want)
			}
			got, err := s.UserByID(ctx, first.ID)
			if err != nil {
				t.Fatal(err)
			}
			if *got != want {
				t.Fatalf("stored %+v, want %+v", *got, want)
			}
		})
		t.Run("OKNameDefaultsToUsername", func(t *testing.T) {
			u, err := s.CreateUser(ctx, cairn.UserCreate{Username: "bob"})
			if err != nil {
				t.Fatal(err)
			}
			if u.Name != "bob" || u.ID == first.ID || u.IsAdmin {
				t.Fatalf("got %+v", u)
			}
		})
		for _, tc := range []struct {
			name string
			in   cairn.UserCreate
			code string
			msg  string
		}{
			{"ErrUsernameTaken", cairn.UserCreate{Username: "ALICE"}, cairn.ECONFLICT, "Username has already been taken"},
			{"ErrUsernameMissing", cairn.UserCreate{Username: " "}, cairn.EINVALID, "username is missing"},
			{"ErrUsernameInvalid", cairn.UserCreate{Username: "-x"}, cairn.EINVALID, ""},
			{"ErrPasswordTooShort", cairn.UserCreate{Username: "carol", Password: "short"}, cairn.EINVALID, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.CreateUser(ctx, tc.in)
				coreWantCode(t, err, tc.code)
				if tc.msg != "" && cairn.ErrorMessage(err) != tc.msg {
					t.Fatalf("message %q, want %q", cairn.ErrorMessage(err), tc.msg)
				}
			})
		}
	})
}

func TestUserLookup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		alice := coreUser(t, s, "Alice")
		for _, tc := range []struct {
			name string
			get  func() (*cairn.User, error)
			code string
		}{
			{"ByIDOK", func() (*cairn.User, error) { return s.UserByID(ctx, alice.ID) }, ""},
			{"ByIDErrNotFound", func() (*cairn.User, error) { return s.UserByID(ctx, alice.ID+100) }, cairn.ENOTFOUND},
			{"ByUsernameOK", func() (*cairn.User, error) { return s.UserByUsername(ctx, "Alice") }, ""},
			{"ByUsernameOKCaseInsensitive", func() (*cairn.User, error) { return s.UserByUsername(ctx, "aLICE") }, ""},
			{"ByUsernameErrNotFound", func() (*cairn.User, error) { return s.UserByUsername(ctx, "alic") }, cairn.ENOTFOUND},
		} {
			t.Run(tc.name, func(t *testing.T) {
				u, err := tc.get()
				coreWantCode(t, err, tc.code)
				if err == nil && (u.ID != alice.ID || u.Username != "Alice") {
					t.Fatalf("got %+v, want %+v", u, alice)
				}
				if err != nil && cairn.ErrorMessage(err) != "User Not Found" {
					t.Fatalf("message %q", cairn.ErrorMessage(err))
				}
			})
		}
	})
}

func TestUserList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, c := range []cairn.UserCreate{
			{Username: "alice", Name: "Alice Smith"},
			{Username: "bob", Name: "Bob Jones"},
			{Username: "carol_1", Name: "Carol 100%"},
			{Username: "Dave", Name: "Dave Smithers"},
		} {
			if _, err := s.CreateUser(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			name  string
			f     cairn.UserFilter
			want  []string
			total int
		}{
			{"OKAll", cairn.UserFilter{}, []string{"alice", "bob", "carol_1", "Dave"}, 4},
			{"OKUsernameCaseInsensitive", cairn.UserFilter{Username: "dave"}, []string{"Dave"}, 1},
			{"OKUsernameExactOnly", cairn.UserFilter{Username: "ali"}, nil, 0},
			{"OKSearchName", cairn.UserFilter{Search: "SMITH"}, []string{"alice", "Dave"}, 2},
			{"OKSearchUsername", cairn.UserFilter{Search: "ob"}, []string{"bob"}, 1},
			{"OKSearchPercentIsLiteral", cairn.UserFilter{Search: "0%"}, []string{"carol_1"}, 1},
			{"OKSearchUnderscoreIsLiteral", cairn.UserFilter{Search: "l_"}, []string{"carol_1"}, 1},
			{"OKSearchOnlyPercent", cairn.UserFilter{Search: "%"}, []string{"carol_1"}, 1},
			{"OKPage", cairn.UserFilter{Page: cairn.Page{Page: 2, PerPage: 3}}, []string{"Dave"}, 4},
			{"OKFirstPageCounts", cairn.UserFilter{Page: cairn.Page{PerPage: 2}}, []string{"alice", "bob"}, 4},
			{"OKPagePastEnd", cairn.UserFilter{Page: cairn.Page{Page: 3, PerPage: 2}}, nil, 4},
		} {
			t.Run(tc.name, func(t *testing.T) {
				us, total, err := s.ListUsers(ctx, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, u := range us {
					got = append(got, u.Username)
				}
				if !slices.Equal(got, tc.want) || total != (cairn.Total{Count: tc.total}) {
					t.Fatalf("got %v (total %+v), want %v (total %d)", got, total, tc.want, tc.total)
				}
			})
		}
	})
}

func TestUserAuthenticate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		alice, err := s.CreateUser(ctx, cairn.UserCreate{Username: "alice", Email: "Alice@Example.com", Password: "correct horse"})
		if err != nil {
			t.Fatal(err)
		}
		// Bob's e-mail address is Carol's username (only an older import
		// could store that): the username wins.
		bob, err := s.CreateUser(ctx, cairn.UserCreate{Username: "bob", Password: "bob password"})
		if err != nil {
			t.Fatal(err)
		}
		coreExec(t, s, "UPDATE users SET email = 'carol' WHERE id = ?", bob.ID)
		carol, err := s.CreateUser(ctx, cairn.UserCreate{Username: "carol", Password: "carol password"})
		if err != nil {
			t.Fatal(err)
		}
		coreUser(t, s, "tokenonly")
		blocked, err := s.CreateUser(ctx, cairn.UserCreate{Username: "mallory", Password: "mallory password"})
		if err != nil {
			t.Fatal(err)
		}
		coreExec(t, s, "UPDATE users SET state = 'blocked' WHERE id = ?", blocked.ID)

		// A hash with other parameters than today's still verifies: they are
		// read from the stored string.
		salt := make([]byte, 16)
		rand.Read(salt)
		key := argon2.IDKey([]byte("legacy password"), salt, 1, 64, 2, 16)
		legacy := coreUser(t, s, "legacy")
		coreExec(t, s, "UPDATE users SET password_hash = ? WHERE id = ?",
			fmt.Sprintf("$argon2id$v=19$m=64,t=1,p=2$%s$%s", base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), legacy.ID)

		for _, tc := range []struct {
			name, login, password string
			want                  int64
		}{
			{"OKUsername", "alice", "correct horse", alice.ID},
			{"OKUsernameCaseInsensitive", "ALICE", "correct horse", alice.ID},
			{"OKEmail", "alice@example.COM", "correct horse", alice.ID},
			{"OKUsernameBeforeEmail", "carol", "carol password", carol.ID},
			{"OKOtherParameters", "legacy", "legacy password", legacy.ID},
			{"ErrWrongPassword", "alice", "correct horsE", 0},
			{"ErrOtherUsersPassword", "alice", "carol password", 0},
			{"ErrUnknownUser", "nobody", "correct horse", 0},
			{"ErrEmptyLogin", "", "correct horse", 0},
			{"ErrNoPassword", "tokenonly", "", 0},
			{"ErrBlocked", "mallory", "mallory password", 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				u, err := s.Authenticate(ctx, tc.login, tc.password)
				if tc.want == 0 {
					coreWantError(t, err, cairn.EUNAUTHORIZED, "Invalid login or password.")
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if u.ID != tc.want {
					t.Fatalf("signed in as %d (%s), want %d", u.ID, u.Username, tc.want)
				}
			})
		}

		t.Run("SetPassword", func(t *testing.T) {
			coreWantCode(t, s.SetPassword(ctx, alice.ID, "short"), cairn.EINVALID)
			coreWantCode(t, s.SetPassword(ctx, alice.ID+1000, "long enough"), cairn.ENOTFOUND)
			if err := s.SetPassword(ctx, alice.ID, "battery staple"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Authenticate(ctx, "alice", "correct horse"); cairn.ErrorCode(err) != cairn.EUNAUTHORIZED {
				t.Fatalf("old password: %v", err)
			}
			if u, err := s.Authenticate(ctx, "alice", "battery staple"); err != nil || u.ID != alice.ID {
				t.Fatalf("new password: %v, %v", u, err)
			}
		})
	})
}

var coreTokenRE = regexp.MustCompile(`^glpat-[0-9A-Za-z]{20}$`)

func TestTokenCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		coreClock(t, s, time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC))
		alice := coreUser(t, s, "alice")
		t.Run("OK", func(t *testing.T) {
			tok, secret, err := s.CreateToken(ctx, cairn.TokenCreate{UserID: alice.ID, Name: " ci ", Scopes: []string{cairn.ScopeReadAPI, cairn.ScopeAPI}, ExpiresAt: "2026-12-31"})
			if err != nil {
				t.Fatal(err)
			}
			if !coreTokenRE.MatchString(secret) {
				t.Fatalf("secret %q does not look like a GitLab token", secret)
			}
			if tok.ID == 0 || tok.UserID != alice.ID || tok.Name != "ci" || !slices.Equal(tok.Scopes, []string{"read_api", "api"}) ||
				tok.ExpiresAt != "2026-12-31" || tok.Revoked || tok.LastUsedAt != nil || !tok.CreatedAt.Equal(s.Now()) {
				t.Fatalf("got %+v", tok)
			}
			var stored string
			if err := s.RawQueryRowForTest(ctx, "SELECT token_hash FROM personal_access_tokens WHERE id = ?", tok.ID).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if len(stored) != 64 || stored == secret {
				t.Fatalf("stored %q; want the hex SHA-256, not the secret", stored)
			}
		})
		t.Run("OKDefaultScope", func(t *testing.T) {
			tok, _, err := s.CreateToken(ctx, cairn.TokenCreate{UserID: alice.ID, Name: "default"})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(tok.Scopes, []string{cairn.ScopeAPI}) || !tok.CanWrite() {
				t.Fatalf("scopes %v", tok.Scopes)
			}
		})
		t.Run("OKSecretsDiffer", func(t *testing.T) {
			_, a, err := s.CreateToken(ctx, cairn.TokenCreate{UserID: alice.ID, Name: "a"})
			if err != nil {
				t.Fatal(err)
			}
			_, b, err := s.CreateToken(ctx, cairn.TokenCreate{UserID: alice.ID, Name: "b"})
			if err != nil {
				t.Fatal(err)
			}
			if a == b {
				t.Fatal("two tokens share a secret")
			}
		})
		for _, tc := range []struct {
			name string
			in   cairn.TokenCreate
			code string
		}{
			{"ErrNameMissing", cairn.TokenCreate{UserID: alice.ID}, cairn.EINVALID},
			{"ErrScope", cairn.TokenCreate{UserID: alice.ID, Name: "x", Scopes: []string{"sudo"}}, cairn.EINVALID},
			{"ErrExpiresAt", cairn.TokenCreate{UserID: alice.ID, Name: "x", ExpiresAt: "31.12.2026"}, cairn.EINVALID},
			{"ErrUserNotFound", cairn.TokenCreate{UserID: alice.ID + 100, Name: "x"}, cairn.ENOTFOUND},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := s.CreateToken(ctx, tc.in)
				coreWantCode(t, err, tc.code)
			})
		}
	})
}

func TestTokenUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		start := time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)
		advance := coreClock(t, s, start)
		alice := coreUser(t, s, "alice")
		bob := coreUser(t, s, "bob")
		newToken := func(t *testing.T, c cairn.TokenCreate) (*cairn.Token, string) {
			t.Helper()
			tok, secret, err := s.CreateToken(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			return tok, secret
		}
		readTok, readSecret := newToken(t, cairn.TokenCreate{UserID: alice.ID, Name: "read", Scopes: []string{cairn.ScopeReadAPI}})
		_, todaySecret := newToken(t, cairn.TokenCreate{UserID: alice.ID, Name: "today", ExpiresAt: "2026-05-10"})
		_, expiredSecret := newToken(t, cairn.TokenCreate{UserID: alice.ID, Name: "expired", ExpiresAt: "2026-05-09"})
		revokedTok, revokedSecret := newToken(t, cairn.TokenCreate{UserID: alice.ID, Name: "revoked"})
		_, bobSecret := newToken(t, cairn.TokenCreate{UserID: bob.ID, Name: "bob"})
		if err := s.RevokeToken(ctx, alice.ID, revokedTok.ID); err != nil {
			t.Fatal(err)
		}
		coreExec(t, s, "UPDATE users SET state = 'blocked' WHERE id = ?", bob.ID)

		for _, tc := range []struct {
			name, secret string
			ok           bool
		}{
			{"OK", readSecret, true},
			{"OKExpiresToday", todaySecret, true},
			{"ErrExpired", expiredSecret, false},
			{"ErrRevoked", revokedSecret, false},
			{"ErrBlockedUser", bobSecret, false},
			{"ErrUnknown", "glpat-aaaaaaaaaaaaaaaaaaaa", false},
			{"ErrEmpty", "", false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				u, tok, err := s.UserByToken(ctx, tc.secret)
				if !tc.ok {
					coreWantCode(t, err, cairn.EUNAUTHORIZED)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if u.ID != alice.ID || tok.UserID != alice.ID || tok.LastUsedAt == nil {
					t.Fatalf("got %+v, %+v", u, tok)
				}
			})
		}

		t.Run("ReadAPIScope", func(t *testing.T) {
			_, tok, err := s.UserByToken(ctx, readSecret)
			if err != nil {
				t.Fatal(err)
			}
			if tok.ID != readTok.ID || tok.CanWrite() || !slices.Equal(tok.Scopes, []string{cairn.ScopeReadAPI}) {
				t.Fatalf("got %+v", tok)
			}
		})

		t.Run("LastUsedAt", func(t *testing.T) {
			lastUsed := func(t *testing.T) time.Time {
				t.Helper()
				var v int64
				if err := s.RawQueryRowForTest(ctx, "SELECT last_used_at FROM personal_access_tokens WHERE id = ?", readTok.ID).Scan(&v); err != nil {
					t.Fatal(err)
				}
				return time.UnixMilli(v).UTC()
			}
			if got := lastUsed(t); !got.Equal(start) {
				t.Fatalf("last used %v, want %v", got, start)
			}
			advance(30 * time.Second)
			if _, _, err := s.UserByToken(ctx, readSecret); err != nil {
				t.Fatal(err)
			}
			if got := lastUsed(t); !got.Equal(start) {
				t.Fatalf("within a minute: last used %v, want it unchanged at %v", got, start)
			}
			advance(31 * time.Second)
			_, tok, err := s.UserByToken(ctx, readSecret)
			if err != nil {
				t.Fatal(err)
			}
			if got := lastUsed(t); !got.Equal(s.Now()) || !tok.LastUsedAt.Equal(s.Now()) {
				t.Fatalf("after a minute: last used %v (token says %v), want %v", got, tok.LastUsedAt, s.Now())
			}
		})

		t.Run("ExpiresAfterItsDate", func(t *testing.T) {
			advance(24 * time.Hour)
			_, _, err := s.UserByToken(ctx, todaySecret)
			coreWantCode(t, err, cairn.EUNAUTHORIZED)
		})
	})
}

func TestTokenListRevoke(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		alice := coreUser(t, s, "alice")
		bob := coreUser(t, s, "bob")
		var ids []int64
		for _, name := range []string{"one", "two", "three"} {
			tok, _, err := s.CreateToken(ctx, cairn.TokenCreate{UserID: alice.ID, Name: name})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, tok.ID)
		}
		bobTok, _, err := s.CreateToken(ctx, cairn.TokenCreate{UserID: bob.ID, Name: "bob"})
		if err != nil {
			t.Fatal(err)
		}
		t.Run("ListNewestFirst", func(t *testing.T) {
			toks, err := s.ListTokens(ctx, alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tok := range toks {
				names = append(names, tok.Name)
			}
			if !slices.Equal(names, []string{"three", "two", "one"}) {
				t.Fatalf("got %v", names)
			}
		})
		for _, tc := range []struct {
			name            string
			userID, tokenID int64
			code            string
		}{
			{"RevokeOK", alice.ID, ids[1], ""},
			{"RevokeOKAgain", alice.ID, ids[1], ""},
			{"RevokeErrOtherUsersToken", alice.ID, bobTok.ID, cairn.ENOTFOUND},
			{"RevokeErrNotFound", alice.ID, bobTok.ID + 100, cairn.ENOTFOUND},
		} {
			t.Run(tc.name, func(t *testing.T) {
				coreWantCode(t, s.RevokeToken(ctx, tc.userID, tc.tokenID), tc.code)
			})
		}
		t.Run("ListShowsRevoked", func(t *testing.T) {
			toks, err := s.ListTokens(ctx, alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, tok := range toks {
				if tok.Revoked != (tok.ID == ids[1]) {
					t.Errorf("token %s revoked = %v", tok.Name, tok.Revoked)
				}
			}
			bobs, err := s.ListTokens(ctx, bob.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(bobs) != 1 || bobs[0].Revoked {
				t.Fatalf("bob's tokens: %+v", bobs)
			}
		})
	})
}
