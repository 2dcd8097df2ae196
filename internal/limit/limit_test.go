package limit

import (
	"context"
	"errors"
	"runtime"
	"testing"
)

func TestGate(t *testing.T) {
	if got, want := cap(NewGate(0)), max(2, runtime.GOMAXPROCS(0)); got != want {
		t.Errorf("NewGate(0) lets %d in, want %d", got, want)
	}
	g := NewGate(1)
	if err := g.Enter(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.Enter(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Enter on a full gate with an ended context = %v, want context.Canceled", err)
	}
	g.Leave()
	if len(g) != 0 {
		t.Errorf("%d places taken after Leave", len(g))
	}
	var none Gate
	for range 3 {
		if err := none.Enter(ctx); err != nil {
			t.Errorf("a nil gate refused: %v", err)
		}
		none.Leave()
	}
}
