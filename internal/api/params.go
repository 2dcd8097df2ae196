package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cairnhq/cairn"
)

// Params are a request's parameters merged from the query string, a form
// body and a JSON body, in that order, a later source winning, because
// GitLab's clients send the same parameters in any of the three. Keys are
// normalised: "ids[]" is "ids", and a JSON {"not":{"labels":"x"}} is
// "not[labels]" like the query's not[labels]=x.
//
// The getters return the value and whether it was given. A value of the
// wrong type makes the getter report "not given" and records the first such
// problem, which Err returns as 400 {"error":"weight is invalid"}; handlers
// call Err once after reading what they need.
type Params struct {
	vals map[string]*param
	err  error
}

// param is one parameter: query or form strings, or one JSON value (which
// replaces them).
type param struct {
	strs []string
	raw  json.RawMessage
}

// maxFormMemory bounds multipart forms held in memory; the server's body
// limit bounds the whole request anyway.
const maxFormMemory = 1 << 20

// ParseParams reads r's parameters. It reads the body when it is JSON or a
// form; ETOOLARGE when the body is over the server's limit, EINVALID when a
// JSON body is not an object.
func ParseParams(r *http.Request) (*Params, error) {
	p := &Params{vals: map[string]*param{}}
	query := r.URL.Query()
	if err := checkText(query); err != nil {
		return nil, err
	}
	for k, vs := range query {
		p.add(k, vs)
	}
	if r.Body == nil || r.Body == http.NoBody {
		return p, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case ct == "application/json" || strings.HasSuffix(ct, "+json"):
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, bodyError(err)
		}
		body = bytes.TrimSpace(body)
		if len(body) == 0 {
			return p, nil
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return nil, cairn.Errorf(cairn.EINVALID, "the request body is not a valid JSON object")
		}
		for k, v := range obj {
			if err := checkJSONText(k, v); err != nil {
				return nil, err
			}
			var nested map[string]json.RawMessage
			if bytes.HasPrefix(bytes.TrimSpace(v), []byte("{")) && json.Unmarshal(v, &nested) == nil {
				for nk, nv := range nested {
					p.setJSON(k+"["+nk+"]", nv)
				}
				continue
			}
			p.setJSON(k, v)
		}
	case ct == "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return nil, bodyError(err)
		}
		if err := checkText(r.PostForm); err != nil {
			return nil, err
		}
		for k, vs := range r.PostForm {
			p.replace(k, vs)
		}
	case ct == "multipart/form-data":
		if err := r.ParseMultipartForm(maxFormMemory); err != nil {
			return nil, bodyError(err)
		}
		if err := checkText(r.MultipartForm.Value); err != nil {
			return nil, err
		}
		for k, vs := range r.MultipartForm.Value {
			p.replace(k, vs)
		}
	}
	return p, nil
}

// badText reports a string no text column can hold: PostgreSQL refuses
// NUL characters and invalid UTF-8, so they must be a 400 here rather than
// a 500 from the database.
func badText(s string) bool {
	return !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0
}

// textError is the 400 for a parameter (or parameter name) that is not
// text.
func textError(name string) error {
	if badText(name) {
		name = "a parameter name"
	}
	return &cairn.Error{Code: cairn.EINVALID, Param: name, Message: name + " is invalid: it must be UTF-8 text without NUL characters"}
}

// checkText checks the names and values of a query string or form.
func checkText(vals map[string][]string) error {
	for k, vs := range vals {
		if badText(k) {
			return textError(k)
		}
		for _, v := range vs {
			if badText(v) {
				return textError(k)
			}
		}
	}
	return nil
}

// checkJSONText checks a JSON member for an escaped NUL ("\u0000"); the
// decoder already turns invalid UTF-8 into U+FFFD. "\u0000" is an escape
// when an even number of backslashes precede it; after an odd number its
// backslash is itself escaped and the text "\u0000" is fine.
func checkJSONText(k string, v json.RawMessage) error {
	if badText(k) {
		return textError(k)
	}
	for i := 0; ; {
		j := bytes.Index(v[i:], []byte(`\u0000`))
		if j < 0 {
			return nil
		}
		j += i
		n := 0
		for b := j; b > 0 && v[b-1] == '\\'; b-- {
			n++
		}
		if n%2 == 0 {
			return textError(k)
		}
		i = j + 1
	}
}

// bodyError maps a body read failure: over the limit is ETOOLARGE, anything
// else a bad request.
func bodyError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return &cairn.Error{Code: cairn.ETOOLARGE, Message: "the request body is too large"}
	}
	return cairn.Errorf(cairn.EINVALID, "the request body could not be read")
}

func normKey(k string) string { return strings.TrimSuffix(k, "[]") }

func (p *Params) add(k string, vs []string) {
	k = normKey(k)
	if cur, ok := p.vals[k]; ok && cur.raw == nil {
		cur.strs = append(cur.strs, vs...)
		return
	}
	p.vals[k] = &param{strs: append([]string(nil), vs...)}
}

func (p *Params) replace(k string, vs []string) {
	k = normKey(k)
	delete(p.vals, k)
	p.add(k, vs)
}

func (p *Params) setJSON(k string, v json.RawMessage) {
	p.vals[normKey(k)] = &param{raw: v}
}

// Err returns the first bad value a getter met, as an EINVALID error naming
// the parameter.
func (p *Params) Err() error { return p.err }

func (p *Params) fail(name string) {
	if p.err == nil {
		p.err = invalidParam(name)
	}
}

// Has reports whether name was given at all, even as null or "".
func (p *Params) Has(name string) bool { return p.vals[name] != nil }

// jsonKind returns the first byte of a JSON value: '"', '[', '{', 'n', 't',
// 'f' or a digit or '-'.
func jsonKind(raw json.RawMessage) byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

// scalar returns the value of name as a string: the last query or form
// value, or a JSON string, number or boolean; null gives "" and isNull.
func (p *Params) scalar(name string) (s string, given, isNull bool) {
	v := p.vals[name]
	if v == nil {
		return "", false, false
	}
	if v.raw == nil {
		if len(v.strs) == 0 {
			return "", true, false
		}
		return v.strs[len(v.strs)-1], true, false
	}
	switch jsonKind(v.raw) {
	case 'n':
		return "", true, true
	case '"':
		if err := json.Unmarshal(v.raw, &s); err != nil {
			p.fail(name)
			return "", false, false
		}
		return s, true, false
	case '[', '{', 0:
		p.fail(name)
		return "", false, false
	default: // number or boolean: its literal text
		return string(bytes.TrimSpace(v.raw)), true, false
	}
}

// String returns a string parameter. JSON numbers and booleans come as
// their text; null as "".
func (p *Params) String(name string) (string, bool) {
	s, ok, _ := p.scalar(name)
	return s, ok
}

// Int64 returns an integer parameter; "", null and absent are not given.
func (p *Params) Int64(name string) (int64, bool) {
	s, ok, _ := p.scalar(name)
	s = strings.TrimSpace(s)
	if !ok || s == "" {
		return 0, false
	}
	n, err := parseInt(s)
	if err != nil {
		p.fail(name)
		return 0, false
	}
	return n, true
}

// parseInt accepts "12" and a JSON number with no fraction ("12.0").
func parseInt(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != float64(int64(f)) {
		return 0, errors.New("not an integer")
	}
	return int64(f), nil
}

// Int returns an integer parameter that fits an int.
func (p *Params) Int(name string) (int, bool) {
	n, ok := p.Int64(name)
	if ok && int64(int(n)) != n {
		p.fail(name)
		return 0, false
	}
	return int(n), ok
}

// Float returns a number parameter.
func (p *Params) Float(name string) (float64, bool) {
	s, ok, _ := p.scalar(name)
	s = strings.TrimSpace(s)
	if !ok || s == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		p.fail(name)
		return 0, false
	}
	return f, true
}

// Bool returns a boolean parameter: true/false, 1/0, yes/no, on/off.
func (p *Params) Bool(name string) (bool, bool) {
	s, ok, _ := p.scalar(name)
	if !ok || s == "" {
		return false, false
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "t", "on":
		return true, true
	case "false", "0", "no", "f", "off":
		return false, true
	}
	p.fail(name)
	return false, false
}

// OptInt returns a nullable integer update: absent is unset, null or ""
// clears, a number sets.
func (p *Params) OptInt(name string) cairn.Opt[int] {
	n, o := p.OptInt64(name)
	if !o.Set || o.Value == nil {
		return cairn.Opt[int]{Set: o.Set}
	}
	if int64(int(n)) != n {
		p.fail(name)
		return cairn.Opt[int]{}
	}
	return cairn.SetTo(int(n))
}

// OptInt64 is OptInt for int64; it also returns the number.
func (p *Params) OptInt64(name string) (int64, cairn.Opt[int64]) {
	s, ok, isNull := p.scalar(name)
	if !ok {
		return 0, cairn.Opt[int64]{}
	}
	s = strings.TrimSpace(s)
	if isNull || s == "" {
		return 0, cairn.Clear[int64]()
	}
	n, err := parseInt(s)
	if err != nil {
		p.fail(name)
		return 0, cairn.Opt[int64]{}
	}
	return n, cairn.SetTo(n)
}

// OptString returns a nullable string update: absent is unset, null or ""
// clears.
func (p *Params) OptString(name string) cairn.Opt[string] {
	s, ok, isNull := p.scalar(name)
	if !ok {
		return cairn.Opt[string]{}
	}
	if isNull || strings.TrimSpace(s) == "" {
		return cairn.Clear[string]()
	}
	return cairn.SetTo(s)
}

// list returns the parts of a list parameter: a JSON array's elements (as
// text), or every query value split at commas. Empty parts are dropped.
func (p *Params) list(name string) ([]string, bool) {
	v := p.vals[name]
	if v == nil {
		return nil, false
	}
	var parts []string
	if v.raw == nil {
		for _, s := range v.strs {
			parts = append(parts, strings.Split(s, ",")...)
		}
	} else {
		switch jsonKind(v.raw) {
		case 'n':
			return nil, true
		case '[':
			var elems []json.RawMessage
			if err := json.Unmarshal(v.raw, &elems); err != nil {
				p.fail(name)
				return nil, false
			}
			for _, e := range elems {
				switch jsonKind(e) {
				case '"':
					var s string
					if json.Unmarshal(e, &s) != nil {
						p.fail(name)
						return nil, false
					}
					parts = append(parts, s)
				case '[', '{', 'n', 0:
					p.fail(name)
					return nil, false
				default:
					parts = append(parts, string(bytes.TrimSpace(e)))
				}
			}
		default:
			s, _, _ := p.scalar(name)
			parts = strings.Split(s, ",")
		}
	}
	out := parts[:0]
	for _, s := range parts {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, true
}

// StringList returns a list of strings: a JSON array, a comma-joined string
// ("bug,ux" as GitLab's labels), or repeated query keys (names[]=a&names[]=b).
func (p *Params) StringList(name string) ([]string, bool) {
	l, ok := p.list(name)
	if !ok {
		return nil, false
	}
	if l == nil {
		l = []string{}
	}
	return l, true
}

// IntList returns a list of integers in any of StringList's forms.
func (p *Params) IntList(name string) ([]int64, bool) {
	l, ok := p.list(name)
	if !ok {
		return nil, false
	}
	out := make([]int64, 0, len(l))
	for _, s := range l {
		n, err := parseInt(s)
		if err != nil {
			p.fail(name)
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

// timeLayouts are the ISO 8601 forms GitLab's time filters take.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"}

// Time returns an ISO 8601 time ("2026-01-31T12:00:00Z", or a date, which
// means its midnight UTC).
func (p *Params) Time(name string) (*time.Time, bool) {
	s, ok, _ := p.scalar(name)
	s = strings.TrimSpace(s)
	if !ok || s == "" {
		return nil, false
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			t = t.UTC()
			return &t, true
		}
	}
	p.fail(name)
	return nil, false
}

// Date returns a calendar date parameter ("2026-07-22"); a full timestamp is
// cut to its date, as GitLab does.
func (p *Params) Date(name string) (string, bool) {
	s, ok, _ := p.scalar(name)
	s = strings.TrimSpace(s)
	if !ok || s == "" {
		return "", false
	}
	if len(s) > 10 && s[10] == 'T' {
		s = s[:10]
	}
	if !cairn.ValidDate(s) {
		p.fail(name)
		return "", false
	}
	return s, true
}

// OptDate is a nullable date update: null or "" clears.
func (p *Params) OptDate(name string) cairn.Opt[string] {
	o := p.OptString(name)
	if !o.Set || o.Value == nil {
		return o
	}
	d, ok := p.Date(name)
	if !ok {
		return cairn.Opt[string]{}
	}
	return cairn.SetTo(d)
}

// Page returns the page and per_page parameters, normalised.
func (p *Params) Page() cairn.Page {
	page, _ := p.Int("page")
	per, _ := p.Int("per_page")
	return cairn.Page{Page: page, PerPage: per}.Normalize()
}
