// Package limit bounds how many heavy computations run at once.
//
// The plan and the metrics read thousands of issues and events and build
// answers of megabytes. Eight of them at once on a 2-core machine finish no
// sooner in all than one after the other, but each holds its working set
// meanwhile: the benchmark's peak memory at 100,000 issues (244–270 MB)
// came from them. The API and the pages share one Gate, so that together
// they compute at most as many as there are CPUs.
package limit

import (
	"context"
	"net/http"
	"runtime"
)

// Gate lets at most its capacity of callers in at once.
type Gate chan struct{}

// NewGate returns a gate for n callers at once; n < 1 means as many as
// there are CPUs, and at least 2.
func NewGate(n int) Gate {
	if n < 1 {
		n = max(2, runtime.GOMAXPROCS(0))
	}
	return make(Gate, n)
}

// Enter waits for a place, or returns ctx's error when ctx ends first (the
// client went away). A nil gate lets everyone in.
func (g Gate) Enter(ctx context.Context) error {
	if g == nil {
		return nil
	}
	select {
	case g <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Leave gives back the place Enter took.
func (g Gate) Leave() {
	if g != nil {
		<-g
	}
}

// Handler wraps an HTTP handler that returns an error (the API's and the
// pages' HandlerFunc), so that it runs only once g lets it in; a request
// whose client leaves while it waits returns the context's error.
func Handler[F ~func(http.ResponseWriter, *http.Request) error](g Gate, h F) F {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := g.Enter(r.Context()); err != nil {
			return err
		}
		defer g.Leave()
		return h(w, r)
	}
}
