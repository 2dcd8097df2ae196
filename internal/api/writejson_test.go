package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// TestWriteJSONLength holds writeJSON's assumption that the encoder writes
// an answer in one Write: the Content-Length it sends is that Write's
// length, so a second Write would cut answers short.
func TestWriteJSONLength(t *testing.T) {
	big := make([]string, 200000)
	for k := range big {
		big[k] = "issue " + strconv.Itoa(k) + " <&>"
	}
	for _, tc := range []struct {
		name   string
		v      any
		status int
	}{
		{"Small", map[string]string{"message": "ok"}, http.StatusCreated},
		{"FourMegabytes", big, http.StatusOK},
		{"Unencodable", map[string]any{"c": make(chan int)}, http.StatusInternalServerError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			writeJSON(rec, tc.status, tc.v)
			body := rec.Body.String()
			if rec.Code != tc.status {
				t.Errorf("status = %d, want %d", rec.Code, tc.status)
			}
			if got := rec.Header().Get("Content-Length"); got != strconv.Itoa(len(body)) {
				t.Errorf("Content-Length = %s, the body has %d bytes", got, len(body))
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if !json.Valid([]byte(body)) || !strings.HasSuffix(body, "\n") {
				t.Errorf("body is not one JSON value and a newline: %.80q", body)
			}
		})
	}
	rec := httptest.NewRecorder()
	writeJSON(rec, http.StatusOK, big)
	if !strings.Contains(rec.Body.String(), `"issue 7 <&>"`) {
		t.Error("HTML characters were escaped")
	}
}
