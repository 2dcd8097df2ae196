package api

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cairnhq/cairn/internal/limit"
)

// TestHeavyBoundsConcurrency fills the heavy views' slots, checks that one
// more waits for a slot, that a waiting request whose client gives up
// leaves, and that a freed slot lets the waiting one run.
func TestHeavyBoundsConcurrency(t *testing.T) {
	a := &API{heavy: limit.NewGate(2)}
	release := make(chan struct{})
	running := make(chan struct{}, 8)
	h := a.Heavy(func(w http.ResponseWriter, r *http.Request) error {
		running <- struct{}{}
		<-release
		return nil
	})
	call := func(ctx context.Context) chan error {
		done := make(chan error, 1)
		go func() {
			r := httptest.NewRequest("GET", "/", nil).WithContext(ctx)
			done <- h(httptest.NewRecorder(), r)
		}()
		return done
	}
	first, second := call(context.Background()), call(context.Background())
	<-running
	<-running
	third := call(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	fourth := call(ctx)
	select {
	case <-running:
		t.Fatal("a third heavy request ran while two slots were taken")
	case <-time.After(100 * time.Millisecond):
	}
	cancel()
	if err := <-fourth; !errors.Is(err, context.Canceled) {
		t.Errorf("a waiting request whose client left returned %v, want context.Canceled", err)
	}
	release <- struct{}{} // one of the first two finishes
	<-running             // and the third gets its slot
	close(release)
	for _, done := range []chan error{first, second, third} {
		if err := <-done; err != nil {
			t.Errorf("heavy request: %v", err)
		}
	}
	if len(a.heavy) != 0 {
		t.Errorf("%d slots still taken after every request ended", len(a.heavy))
	}
}
