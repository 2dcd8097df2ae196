package archive_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/archive"
)

// FuzzRead checks the importer's front door on any bytes: Read and Validate
// never panic and fail only with an EINVALID *cairn.Error whose message
// says what is wrong; an archive that validates writes, reads back and
// writes again to the same bytes, still validates, and normalises to a
// form that validates and is stable. The files in testdata/fuzz/FuzzRead
// are imported into a real store by the API's no-500 test too.
func FuzzRead(f *testing.F) {
	good, err := archive.Marshal(valid())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	if doc, err := os.ReadFile("../../docs/archive-format.md"); err == nil {
		if _, rest, ok := strings.Cut(string(doc), "## Example\n\n```json\n"); ok {
			example, _, _ := strings.Cut(rest, "```")
			f.Add([]byte(example))
		}
	}
	for _, s := range []string{
		"", "null", "[1, 2]", `{"format":"cairn-archive","version":1}`,
		`{"format":"cairn-archive","version":1,"users":[{"username":"a","created_at":"2026-01-01T00:00:00Z"}],"groups":[]}`,
		`{"format":"cairn-archive","version":1,"users":[],"groups":[{"path":"g","created_at":"2026-01-01T00:00:00Z","settings":{"stretch_share":2}}]}`,
		`{"format":"cairn-archive","version":1,"groups":[{"path":"g","created_at":"2026-01-01T00:00:00Z","projects":[{"path":"p","created_at":"2026-01-01T00:00:00Z","issues":[{"iid":1,"weight":"3"}]}]}]}`,
		`{"format":"cairn-archive","version":1} {}`, `{"format":"gitlab-export"}`, "{\"format\": \"cairn-archive\",\n \"users\": [",
	} {
		f.Add([]byte(s))
	}
	invalid := func(t *testing.T, what string, err error) {
		t.Helper()
		var e *cairn.Error
		if !errors.As(err, &e) || e.Code != cairn.EINVALID || strings.TrimSpace(e.Error()) == "" {
			t.Fatalf("%s: error %#v is not an EINVALID *cairn.Error with a message", what, err)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := archive.Read(bytes.NewReader(data))
		if err != nil {
			invalid(t, "Read", err)
			return
		}
		n := a.Clone()
		if err := a.Validate(); err != nil {
			invalid(t, "Validate", err)
			return
		}
		out, err := archive.Marshal(a)
		if err != nil {
			t.Fatalf("Marshal a valid archive: %v", err)
		}
		b, err := archive.Read(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("Read what Write wrote: %v\n%s", err, out)
		}
		if err := b.Validate(); err != nil {
			t.Fatalf("the archive written no longer validates: %v\n%s", err, out)
		}
		again, err := archive.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, out) {
			t.Fatalf("Read → Write changed the archive:\n%s\nvs\n%s", again, out)
		}

		archive.Normalize(n)
		if err := n.Validate(); err != nil {
			t.Fatalf("the normalised archive no longer validates: %v", err)
		}
		once, err := archive.Marshal(n)
		if err != nil {
			t.Fatal(err)
		}
		archive.Normalize(n)
		twice, err := archive.Marshal(n)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(once, twice) {
			t.Fatalf("Normalize is not stable:\n%s\nvs\n%s", once, twice)
		}
	})
}
