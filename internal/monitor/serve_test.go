package monitor_test

import (
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cairnhq/cairn/internal/cairntest"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

var metricsLine = regexp.MustCompile(`Metrics are served at (http://\S+)`)

// metricsURL returns the metrics URL the process printed.
func metricsURL(t *testing.T, p *cairntest.Process) string {
	t.Helper()
	m := metricsLine.FindStringSubmatch(p.Log())
	if m == nil {
		t.Fatalf("no metrics URL in the log:\n%s", p.Log())
	}
	return strings.Replace(m[1], "//localhost", "//127.0.0.1", 1)
}

// TestServeMetricsListener: `cairn serve --metrics-addr` serves the
// metrics on their own port, not on the public one, and closes that port
// when it shuts down.
func TestServeMetricsListener(t *testing.T) {
	p := cairntest.Start(t, cairntest.Options{
		DB:   filepath.Join(t.TempDir(), "cairn.db"),
		Args: []string{"--metrics-addr", "127.0.0.1:0"},
	})
	murl := metricsURL(t, p)
	if status(t, "GET", p.URL+"/-/health", "") != http.StatusOK {
		t.Fatal("health check failed")
	}
	sc := get(t, murl, "")
	sc.want(t, 1, "cairn_http_requests_total", "route", "GET /-/health", "method", "GET", "code", "200")
	if _, ok := sc.value("cairn_build_info", "version"); !ok {
		t.Error("no cairn_build_info")
	}
	for _, pool := range []string{"sqlite_write", "sqlite_read"} {
		if _, ok := sc.value("cairn_db_open_connections", "pool", pool); !ok {
			t.Errorf("no cairn_db_open_connections for pool %s", pool)
		}
	}
	// The cadence ran when the scheduler started, or its series is at 0.
	if _, ok := sc.value("cairn_scheduler_runs_total", "kind", "cadence"); !ok {
		t.Error("no cairn_scheduler_runs_total")
	}
	if got := status(t, "GET", strings.TrimSuffix(murl, "/metrics")+"/api/v4/version", ""); got != http.StatusNotFound {
		t.Errorf("the metrics port serves the API: %d", got)
	}
	if got := status(t, "GET", p.URL+"/metrics", ""); got != http.StatusNotFound {
		t.Errorf("the public port answers /metrics with %d, want 404", got)
	}

	if err := p.Stop(30 * time.Second); err != nil {
		t.Fatalf("stop: %v\n%s", err, p.Log())
	}
	if res, err := http.Get(murl); err == nil {
		res.Body.Close()
		t.Errorf("the metrics port still answers after shutdown: %s", res.Status)
	}
}

// TestServeMetricsToken: with CAIRN_METRICS_TOKEN, the public port serves
// /metrics to the bearer of the token only (here over PostgreSQL, whose
// pool is measured as "postgres").
func TestServeMetricsToken(t *testing.T) {
	p := cairntest.Start(t, cairntest.Options{
		DB:  storetest.DSN(t, "postgres"),
		Env: []string{"CAIRN_METRICS_TOKEN=" + testToken},
	})
	for _, token := range []string{"", "another-token-of-some-length"} {
		if got := status(t, "GET", p.URL+"/metrics", token); got != http.StatusUnauthorized {
			t.Errorf("token %q: %d, want 401", token, got)
		}
	}
	sc := get(t, p.URL+"/metrics", testToken)
	sc.want(t, 2, "cairn_http_requests_total", "route", "GET /metrics", "method", "GET", "code", "401")
	if _, ok := sc.value("cairn_db_open_connections", "pool", "postgres"); !ok {
		t.Error("no cairn_db_open_connections for pool postgres")
	}
	if strings.Contains(p.Log(), testToken) {
		t.Error("the token shows in the log")
	}
}

// TestServeMetricsSettings: without settings nothing is exposed, and bad
// settings stop the server from starting with a message that says why.
func TestServeMetricsSettings(t *testing.T) {
	t.Run("Neither", func(t *testing.T) {
		p := cairntest.Start(t, cairntest.Options{DB: filepath.Join(t.TempDir(), "cairn.db")})
		for _, token := range []string{"", testToken} {
			if got := status(t, "GET", p.URL+"/metrics", token); got != http.StatusNotFound {
				t.Errorf("token %q: /metrics answers %d, want 404", token, got)
			}
		}
		if metricsLine.MatchString(p.Log()) {
			t.Error("metrics listener started without --metrics-addr")
		}
	})
	for _, tc := range []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"ShortToken", nil, []string{"CAIRN_METRICS_TOKEN=short"}, "CAIRN_METRICS_TOKEN: the metrics token must be at least 16 characters"},
		{"AddrWithoutPort", []string{"--metrics-addr", "9100"}, nil, `--metrics-addr: "9100" is not host:port`},
		{"AddrTaken", []string{"--metrics-addr", "ADDR"}, nil, "--metrics-addr: listen on"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := cairntest.Options{DB: filepath.Join(t.TempDir(), "cairn.db"), Args: tc.args, Env: tc.env, StartTimeout: 30 * time.Second}
			if tc.name == "AddrTaken" {
				// The public port, which the server holds already.
				opts.Addr = cairntest.FreeAddr(t)
				opts.Args = []string{"--metrics-addr", opts.Addr}
			}
			p, err := cairntest.TryStart(t, opts)
			if err == nil {
				p.Kill()
				t.Fatal("the server started")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error does not say %q:\n%v", tc.want, err)
			}
		})
	}
}
