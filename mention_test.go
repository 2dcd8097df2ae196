package cairn_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
)

func TestMentions(t *testing.T) {
	tests := []struct {
		name, text           string
		mentioned, addressed []string
	}{
		{"None", "no mentions here", nil, nil},
		{"Mentioned", "Thanks @Ann and @bob.", []string{"ann", "bob"}, nil},
		{"Addressed", "@ann @Bob, can you look? cc @carl", []string{"carl"}, []string{"ann", "bob"}},
		{"AddressedOnce", "@ann please ask @ann", nil, []string{"ann"}},
		{"LeadingSpace", "\n  @ann: done", nil, []string{"ann"}},
		{"Email", "write to ann@example.com", nil, nil},
		{"Path", "see team/@bob and a+@carl", nil, nil},
		{"InlineCode", "run `git blame @dan` then ask @eve", []string{"eve"}, nil},
		{"Fence", "```\n@dan\n```\n@eve", nil, []string{"eve"}},
		{"UnclosedTick", "a ` b @dan", []string{"dan"}, nil},
		{"All", "@all hello", nil, nil},
		{"Punctuation", "(@ann) and @bob-", []string{"ann", "bob"}, nil},
		{"DotsInName", "ping @ann.lee.", []string{"ann.lee"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, a := cairn.Mentions(tc.text)
			if !slices.Equal(m, tc.mentioned) || !slices.Equal(a, tc.addressed) {
				t.Errorf("Mentions(%q) = %q, %q; want %q, %q", tc.text, m, a, tc.mentioned, tc.addressed)
			}
		})
	}
	t.Run("Bounded", func(t *testing.T) {
		var b strings.Builder
		for k := range cairn.MaxMentions + 20 {
			fmt.Fprintf(&b, "x @user%d ", k)
		}
		if m, _ := cairn.Mentions(b.String()); len(m) != cairn.MaxMentions {
			t.Errorf("got %d mentions, want %d", len(m), cairn.MaxMentions)
		}
	})
}
