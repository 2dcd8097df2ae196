package cairntest

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	code := m.Run()
	Cleanup()
	os.Exit(code)
}

// TestStartDemo starts a demo server, calls the API with its token, stops
// it, and starts it again on the same database and port.
func TestStartDemo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cairn.db")
	addr := FreeAddr(t)
	p := Start(t, Options{DB: db, Demo: true, Addr: addr})
	if p.Token == "" {
		t.Fatalf("no demo token read; log:\n%s", p.Log())
	}
	res, err := p.Do("GET", "/api/v4/user", "", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), `"username"`) {
		t.Fatalf("GET /user: %d %s", res.StatusCode, body)
	}
	if err := p.Stop(15 * time.Second); err != nil {
		t.Fatalf("stop: %v", err)
	}
	again := Start(t, Options{DB: db, Addr: addr})
	if again.URL != p.URL {
		t.Errorf("restart URL %s, want %s", again.URL, p.URL)
	}
	again.Kill()
	select {
	case <-again.Done():
	default:
		t.Fatal("Kill returned before the process exited")
	}
}
