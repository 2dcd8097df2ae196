package access_test

import (
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/access"
)

func TestManagesLevels(t *testing.T) {
	user, admin := &cairn.User{ID: 1}, &cairn.User{ID: 2, IsAdmin: true}
	for _, tc := range []struct {
		name   string
		u      *cairn.User
		level  int
		levels []int
		want   bool
	}{
		{"MaintainerBelowOwner", user, cairn.AccessMaintainer, []int{cairn.AccessDeveloper, cairn.AccessMaintainer}, true},
		{"MaintainerMakesOwner", user, cairn.AccessMaintainer, []int{cairn.AccessDeveloper, cairn.AccessOwner}, false},
		{"MaintainerChangesOwner", user, cairn.AccessMaintainer, []int{cairn.AccessOwner, cairn.AccessMaintainer}, false},
		{"OwnerChangesOwner", user, cairn.AccessOwner, []int{cairn.AccessOwner, cairn.AccessGuest}, true},
		{"AdminNonMember", admin, cairn.AccessNone, []int{cairn.AccessOwner}, true},
		{"NoLevels", user, cairn.AccessMaintainer, nil, true},
		{"NoUser", nil, cairn.AccessMaintainer, []int{cairn.AccessOwner}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := access.ManagesLevels(tc.u, tc.level, tc.levels...); got != tc.want {
				t.Fatalf("ManagesLevels = %v, want %v", got, tc.want)
			}
		})
	}
}
