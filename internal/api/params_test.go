package api_test

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/api"
)

// request builds a request with a query and a body of the content type.
func request(t *testing.T, query, contentType, body string) *http.Request {
	t.Helper()
	r := httptest.NewRequest("POST", "/api/v4/x?"+query, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

func parse(t *testing.T, query, contentType, body string) *api.Params {
	t.Helper()
	p, err := api.ParseParams(request(t, query, contentType, body))
	if err != nil {
		t.Fatalf("ParseParams: %v", err)
	}
	return p
}

const jsonType = "application/json"

func TestParamsSources(t *testing.T) {
	for _, tc := range []struct {
		name, query, ctype, body string
		want                     string
	}{
		{"Query", "title=q", "", "", "q"},
		{"Form", "", "application/x-www-form-urlencoded", "title=f", "f"},
		{"Multipart", "", "multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nm\r\n--XX--\r\n", "m"},
		{"JSON", "", jsonType, `{"title":"j"}`, "j"},
		{"JSONCharset", "", "application/json; charset=utf-8", `{"title":"j"}`, "j"},
		{"FormBeatsQuery", "title=q", "application/x-www-form-urlencoded", "title=f", "f"},
		{"JSONBeatsQuery", "title=q", jsonType, `{"title":"j"}`, "j"},
		{"QueryUnderEmptyJSON", "title=q", jsonType, "", "q"},
		{"JSONNumberAsString", "", jsonType, `{"title":12}`, "12"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := parse(t, tc.query, tc.ctype, tc.body)
			if got, ok := p.String("title"); !ok || got != tc.want {
				t.Errorf("title = %q, %v; want %q", got, ok, tc.want)
			}
			if err := p.Err(); err != nil {
				t.Errorf("Err = %v", err)
			}
		})
	}
}

func TestParamsTypes(t *testing.T) {
	t.Run("Int", func(t *testing.T) {
		for _, tc := range []struct {
			query, ctype, body string
			want               int
			ok                 bool
			bad                bool
		}{
			{"weight=3", "", "", 3, true, false},
			{"", jsonType, `{"weight":3}`, 3, true, false},
			{"", jsonType, `{"weight":"3"}`, 3, true, false},
			{"", jsonType, `{"weight":3.0}`, 3, true, false},
			{"", jsonType, `{"weight":null}`, 0, false, false},
			{"weight=", "", "", 0, false, false},
			{"", "", "", 0, false, false},
			{"weight=heavy", "", "", 0, false, true},
			{"", jsonType, `{"weight":3.5}`, 0, false, true},
			{"", jsonType, `{"weight":[3]}`, 0, false, true},
			{"", jsonType, `{"weight":true}`, 0, false, true},
		} {
			p := parse(t, tc.query, tc.ctype, tc.body)
			got, ok := p.Int("weight")
			if got != tc.want || ok != tc.ok || (p.Err() != nil) != tc.bad {
				t.Errorf("%q %s: Int = %d, %v, err %v; want %d, %v, bad %v", tc.query, tc.body, got, ok, p.Err(), tc.want, tc.ok, tc.bad)
			}
			if tc.bad {
				status, body := api.ErrorBody(p.Err())
				if status != 400 || !reflect.DeepEqual(body, map[string]string{"error": "weight is invalid"}) {
					t.Errorf("bad weight renders %d %v", status, body)
				}
			}
		}
	})
	t.Run("Bool", func(t *testing.T) {
		for in, want := range map[string]bool{"true": true, "1": true, "yes": true, "false": false, "0": false, "no": false} {
			p := parse(t, "confidential="+in, "", "")
			if got, ok := p.Bool("confidential"); !ok || got != want {
				t.Errorf("%s: Bool = %v, %v", in, got, ok)
			}
		}
		p := parse(t, "", jsonType, `{"confidential":true}`)
		if got, ok := p.Bool("confidential"); !ok || !got {
			t.Errorf("JSON true: %v, %v", got, ok)
		}
		p = parse(t, "confidential=maybe", "", "")
		if _, ok := p.Bool("confidential"); ok || p.Err() == nil {
			t.Errorf("maybe: ok %v err %v", ok, p.Err())
		}
	})
	t.Run("OptInt", func(t *testing.T) {
		three := 3
		for _, tc := range []struct {
			query, body string
			want        cairn.Opt[int]
		}{
			{"", `{}`, cairn.Opt[int]{}},
			{"", `{"weight":null}`, cairn.Opt[int]{Set: true}},
			{"weight=", ``, cairn.Opt[int]{Set: true}},
			{"", `{"weight":""}`, cairn.Opt[int]{Set: true}},
			{"", `{"weight":3}`, cairn.Opt[int]{Set: true, Value: &three}},
		} {
			ctype := ""
			if tc.body != "" {
				ctype = jsonType
			}
			p := parse(t, tc.query, ctype, tc.body)
			if got := p.OptInt("weight"); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%q %s: OptInt = %+v, want %+v", tc.query, tc.body, got, tc.want)
			}
		}
	})
	t.Run("IntList", func(t *testing.T) {
		for _, tc := range []struct {
			query, body string
			want        []int64
		}{
			{"iids[]=1&iids[]=2", "", []int64{1, 2}},
			{"iids=1,2", "", []int64{1, 2}},
			{"iids=1&iids=2,3", "", []int64{1, 2, 3}},
			{"", `{"iids":[1,2]}`, []int64{1, 2}},
			{"", `{"iids":["1","2"]}`, []int64{1, 2}},
			{"", `{"iids":"1,2"}`, []int64{1, 2}},
			{"", `{"iids":7}`, []int64{7}},
			{"", `{"iids":[]}`, []int64{}},
			{"", `{"iids":[0]}`, []int64{0}},
		} {
			ctype := ""
			if tc.body != "" {
				ctype = jsonType
			}
			p := parse(t, tc.query, ctype, tc.body)
			got, ok := p.IntList("iids")
			if !ok || !reflect.DeepEqual(got, tc.want) || p.Err() != nil {
				t.Errorf("%q %s: IntList = %v, %v, %v; want %v", tc.query, tc.body, got, ok, p.Err(), tc.want)
			}
		}
		p := parse(t, "iids[]=1&iids[]=x", "", "")
		if _, ok := p.IntList("iids"); ok || p.Err() == nil || p.Err().Error() != "iids is invalid" {
			t.Errorf("bad list: ok %v err %v", ok, p.Err())
		}
	})
	t.Run("StringList", func(t *testing.T) {
		for _, tc := range []struct {
			query, body string
			want        []string
		}{
			{"labels=bug,ux", "", []string{"bug", "ux"}},
			{"labels=bug,%20two+words", "", []string{"bug", "two words"}},
			{"labels=", "", []string{}},
			{"", `{"labels":"bug,workflow::in dev"}`, []string{"bug", "workflow::in dev"}},
			{"", `{"labels":["bug","ux"]}`, []string{"bug", "ux"}},
			{"", `{"labels":""}`, []string{}},
			{"", `{"labels":null}`, []string{}},
		} {
			ctype := ""
			if tc.body != "" {
				ctype = jsonType
			}
			p := parse(t, tc.query, ctype, tc.body)
			got, ok := p.StringList("labels")
			if !ok || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%q %s: StringList = %#v, %v; want %#v", tc.query, tc.body, got, ok, tc.want)
			}
		}
		if _, ok := parse(t, "", jsonType, `{}`).StringList("labels"); ok {
			t.Error("absent list reported as given")
		}
	})
	t.Run("NotKeys", func(t *testing.T) {
		p := parse(t, "not[labels]=a,b&not[iids][]=4", "", "")
		if got, _ := p.StringList("not[labels]"); !reflect.DeepEqual(got, []string{"a", "b"}) {
			t.Errorf("not[labels] = %v", got)
		}
		if got, _ := p.IntList("not[iids]"); !reflect.DeepEqual(got, []int64{4}) {
			t.Errorf("not[iids] = %v", got)
		}
		p = parse(t, "", jsonType, `{"not":{"labels":"c"},"not[milestone]":"M1"}`)
		if got, _ := p.StringList("not[labels]"); !reflect.DeepEqual(got, []string{"c"}) {
			t.Errorf("JSON not.labels = %v", got)
		}
		if got, _ := p.String("not[milestone]"); got != "M1" {
			t.Errorf("JSON not[milestone] = %q", got)
		}
	})
	t.Run("TimeAndDate", func(t *testing.T) {
		p := parse(t, "created_after=2026-01-31T12:30:00%2B02:00&due_date=2026-02-01T00:00:00Z&d2=2026-03-01", "", "")
		tm, ok := p.Time("created_after")
		if !ok || tm.Format("2006-01-02T15:04:05Z07:00") != "2026-01-31T10:30:00Z" {
			t.Errorf("Time = %v, %v", tm, ok)
		}
		if d, ok := p.Date("due_date"); !ok || d != "2026-02-01" {
			t.Errorf("Date = %q, %v", d, ok)
		}
		if tm, ok := p.Time("d2"); !ok || tm.Day() != 1 {
			t.Errorf("date as time = %v, %v", tm, ok)
		}
		p = parse(t, "due_date=31/01/2026", "", "")
		if _, ok := p.Date("due_date"); ok || p.Err() == nil {
			t.Error("bad date accepted")
		}
	})
	t.Run("Page", func(t *testing.T) {
		if got := parse(t, "page=3&per_page=500", "", "").Page(); got != (cairn.Page{Page: 3, PerPage: 100}) {
			t.Errorf("Page = %+v", got)
		}
		if got := parse(t, "", "", "").Page(); got != (cairn.Page{Page: 1, PerPage: 20}) {
			t.Errorf("default Page = %+v", got)
		}
	})
}

func TestParseParamsErrors(t *testing.T) {
	if _, err := api.ParseParams(request(t, "", jsonType, `[1,2]`)); cairn.ErrorCode(err) != cairn.EINVALID {
		t.Errorf("array body: err = %v, want EINVALID", err)
	}
	r := request(t, "", jsonType, `{"title":"`+strings.Repeat("a", 100)+`"}`)
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 10)
	if _, err := api.ParseParams(r); cairn.ErrorCode(err) != cairn.ETOOLARGE {
		t.Errorf("over the limit: err = %v, want ETOOLARGE", err)
	}
}
