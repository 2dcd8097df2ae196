package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/archive"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// Fuzz corpora of other packages, replayed here as real requests: the seeds
// written as files and any crasher a fuzzing run kept.
const (
	quickActionCorpus  = "../../testdata/fuzz/FuzzParseQuickActions"
	statusNoteCorpus   = "../../planning/testdata/fuzz/FuzzParseStatusUpdate"
	statusFieldsCorpus = "../../planning/testdata/fuzz/FuzzStatusUpdateRoundTrip"
	archiveCorpus      = "../archive/testdata/fuzz/FuzzRead"
	issueQueryCorpus   = "testdata/fuzz/FuzzIssueListQuery"
	paramsCorpus       = "testdata/fuzz/FuzzParseParams"
)

// readCorpus returns the inputs of every file of a Go fuzz corpus
// directory, each a list of its values (string or []byte); a missing
// directory has none.
func readCorpus(t *testing.T, dir string) map[string][]any {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]any{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) == 0 || lines[0] != "go test fuzz v1" {
			t.Fatalf("%s/%s: not a fuzz corpus file", dir, e.Name())
		}
		var vals []any
		for _, l := range lines[1:] {
			kind, lit, ok := strings.Cut(strings.TrimSuffix(l, ")"), "(")
			s, err := strconv.Unquote(lit)
			if !ok || err != nil || kind != "string" && kind != "[]byte" {
				t.Fatalf("%s/%s: cannot read %q", dir, e.Name(), l)
			}
			if kind == "[]byte" {
				vals = append(vals, []byte(s))
			} else {
				vals = append(vals, s)
			}
		}
		out[e.Name()] = vals
	}
	return out
}

// str returns a corpus value as a string.
func str(v any) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v.(string)
}

// requestLineSafe percent-encodes the bytes a client cannot put in a
// request line (controls, space, non-ASCII, '#'), leaving the rest, bad
// escapes included, as the fuzzer wrote them.
func requestLineSafe(q string) string {
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if c := q[i]; c <= ' ' || c >= 0x7f || c == '#' {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// send makes a real request to the team's server as a user and checks the
// answer is not a 5xx.
func send(t *testing.T, pt *planTeam, method, path, rawQuery, as, contentType string, body []byte) {
	t.Helper()
	u := pt.ts.URL + "/api/v4" + path
	if rawQuery != "" {
		u += "?" + requestLineSafe(rawQuery)
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("PRIVATE-TOKEN", pt.tokens[as])
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := pt.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	checkAnswer(t, method+" "+path+"?"+rawQuery, res.StatusCode, string(b))
}

// TestFuzzCorporaNo500 replays the fuzz corpora against the real server on
// SQLite and PostgreSQL: issue list queries, request bodies on the issue
// update, note bodies (quick actions and status updates written by hand),
// status updates posted through the API and archives imported into a
// fresh store. No input may get a 5xx, or an uncoded import error.
func TestFuzzCorporaNo500(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pt, _ := newStatusTeam(t, st)
		project := "/projects/" + strconv.FormatInt(pt.project, 10)

		t.Run("IssueListQueries", func(t *testing.T) {
			queries := append([]string(nil), issueQuerySeeds...)
			for _, in := range readCorpus(t, issueQueryCorpus) {
				queries = append(queries, str(in[0]))
			}
			for _, in := range readCorpus(t, paramsCorpus) {
				queries = append(queries, str(in[0]))
			}
			for _, s := range paramsSeeds {
				queries = append(queries, s.query)
			}
			for _, q := range queries {
				send(t, pt, "GET", project+"/issues", q, engineer, "", nil)
				send(t, pt, "GET", "/groups/team/issues", q, manager, "", nil)
			}
		})

		t.Run("PathValues", func(t *testing.T) {
			// Path segments reach the store as names (group and project
			// paths) or numbers; the corpora's hostile bytes go there too.
			for _, seg := range []string{"te%00am", "team%FF", "%C3", "team%2Fapp%00", "99999999999999999999", "-1", "%E2%80%AE"} {
				send(t, pt, "GET", "/groups/"+seg+"/issues", "", manager, "", nil)
				send(t, pt, "GET", "/projects/"+seg+"/issues", "", manager, "", nil)
				send(t, pt, "GET", project+"/issues/"+seg, "", manager, "", nil)
				send(t, pt, "GET", "/groups/team/labels/"+seg, "", manager, "", nil)
				send(t, pt, "GET", "/users/"+seg, "", manager, "", nil)
			}
		})

		t.Run("IssueUpdateBodies", func(t *testing.T) {
			type req struct{ query, contentType, body string }
			var reqs []req
			for _, s := range paramsSeeds {
				reqs = append(reqs, req{s.query, s.contentType, s.body})
			}
			for _, in := range readCorpus(t, paramsCorpus) {
				reqs = append(reqs, req{str(in[0]), str(in[1]), str(in[2])})
			}
			for _, r := range reqs {
				send(t, pt, "PUT", project+"/issues/6", r.query, owner, r.contentType, []byte(r.body))
			}
		})

		t.Run("NoteBodies", func(t *testing.T) {
			var bodies []string
			for _, dir := range []string{quickActionCorpus, statusNoteCorpus} {
				for _, in := range readCorpus(t, dir) {
					bodies = append(bodies, str(in[0]))
				}
			}
			if len(bodies) == 0 {
				t.Fatal("no note bodies in the corpora")
			}
			for _, b := range bodies {
				js, err := json.Marshal(map[string]string{"body": b})
				if err != nil {
					t.Fatal(err)
				}
				// JSON replaces invalid UTF-8; a form carries every byte.
				send(t, pt, "POST", project+"/issues/4/notes", "", engineer, "application/json", js)
				send(t, pt, "POST", project+"/issues/3/notes", "", manager, "application/x-www-form-urlencoded",
					[]byte("body="+url.QueryEscape(b)))
			}
		})

		t.Run("StatusUpdates", func(t *testing.T) {
			for name, in := range readCorpus(t, statusFieldsCorpus) {
				form := url.Values{"progress": {str(in[1])}, "next_steps": {str(in[2])}, "blockers": {str(in[3])}, "confidence": {str(in[4])}}
				send(t, pt, "POST", project+"/issues/3/status_updates", "", engineer, "application/x-www-form-urlencoded",
					[]byte(form.Encode()))
				js, err := json.Marshal(map[string]string{"progress": str(in[1]), "next_steps": str(in[2]), "blockers": str(in[3]), "confidence": str(in[4])})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				send(t, pt, "POST", project+"/issues/4/status_updates", "", engineer, "application/json", js)
			}
		})
	})

	// Each archive goes into an empty store, as `cairn import` does on a
	// new install.
	corpus := readCorpus(t, archiveCorpus)
	if len(corpus) == 0 {
		t.Fatal("no archives in the corpus")
	}
	for _, dialect := range storetest.Dialects {
		t.Run("ArchiveImport/"+dialect, func(t *testing.T) {
			for name, in := range corpus {
				a, err := archive.Read(bytes.NewReader(in[0].([]byte)))
				if err == nil {
					err = a.Validate()
				}
				if err != nil {
					if c := cairn.ErrorCode(err); c != cairn.EINVALID {
						t.Errorf("%s: read: %v has code %q", name, err, c)
					}
					continue
				}
				st := storetest.Open(t, dialect)
				if _, err := st.ImportArchive(context.Background(), a); err != nil && cairn.ErrorCode(err) == cairn.EINTERNAL {
					t.Errorf("%s: import: internal error %v", name, err)
				}
			}
		})
	}
}
