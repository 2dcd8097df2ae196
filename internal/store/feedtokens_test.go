package store_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

func TestFeedTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		alice, bob := coreUser(t, s, "alice"), coreUser(t, s, "bob")

		if _, err := s.UserByFeedToken(ctx, ""); cairn.ErrorCode(err) != cairn.ENOTFOUND {
			t.Fatalf("empty token: %v", err)
		}
		first, err := s.ResetFeedToken(ctx, alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^glft-[0-9A-Za-z]{20}$`).MatchString(first) {
			t.Errorf("token %q is not glft- and 20 base62 characters", first)
		}
		u, err := s.UserByFeedToken(ctx, first)
		if err != nil || u.ID != alice.ID {
			t.Fatalf("UserByFeedToken = %v, %v; want alice", u, err)
		}
		var stored string
		if err := s.RawQueryRowForTest(ctx, "SELECT feed_token_hash FROM users WHERE id = ?", alice.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored == first || len(stored) != 64 {
			t.Errorf("stored feed token = %q, want its SHA-256 in hex", stored)
		}

		second, err := s.ResetFeedToken(ctx, alice.ID)
		if err != nil || second == first {
			t.Fatalf("reset = %q, %v", second, err)
		}
		if _, err := s.UserByFeedToken(ctx, first); cairn.ErrorCode(err) != cairn.ENOTFOUND {
			t.Errorf("old token after reset: %v, want ENOTFOUND", err)
		}
		if u, err := s.UserByFeedToken(ctx, second); err != nil || u.ID != alice.ID {
			t.Errorf("new token = %v, %v", u, err)
		}
		// A personal access token is not a feed token, nor is a feed token
		// with something appended.
		_, pat, err := s.CreateToken(ctx, cairn.TokenCreate{UserID: bob.ID, Name: "t"})
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{pat, second + "x", "glft-", "glft-AAAAAAAAAAAAAAAAAAAA"} {
			if _, err := s.UserByFeedToken(ctx, bad); cairn.ErrorCode(err) != cairn.ENOTFOUND {
				t.Errorf("UserByFeedToken(%q) = %v, want ENOTFOUND", bad, err)
			}
		}

		coreExec(t, s, "UPDATE users SET state = 'blocked' WHERE id = ?", alice.ID)
		if _, err := s.UserByFeedToken(ctx, second); cairn.ErrorCode(err) != cairn.ENOTFOUND {
			t.Errorf("blocked user's token: %v, want ENOTFOUND", err)
		}
		if _, err := s.ResetFeedToken(ctx, 999999); cairn.ErrorCode(err) != cairn.ENOTFOUND {
			t.Errorf("reset for unknown user: %v", err)
		}

		// MemberGroups: only groups bob is a member of, by path.
		for _, path := range []string{"zeta", "alpha", "mid"} {
			g, err := s.CreateGroup(ctx, cairn.GroupCreate{Path: path, Name: path})
			if err != nil {
				t.Fatal(err)
			}
			if path != "mid" {
				if _, err := s.AddMember(ctx, cairn.MemberInput{GroupID: g.ID, UserID: bob.ID, AccessLevel: cairn.AccessDeveloper}); err != nil {
					t.Fatal(err)
				}
			}
		}
		gs, err := s.MemberGroups(ctx, bob.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(gs) != 2 || gs[0].Path != "alpha" || gs[1].Path != "zeta" {
			t.Errorf("member groups = %v", gs)
		}
	})
}
