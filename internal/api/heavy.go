package api

import (
	"net/http"
	"runtime"
)

// The plan and the metrics read thousands of issues and events and build
// answers of megabytes; eight of them at once on a 2-core machine take no
// less time in all than one after the other, but each holds its working
// set meanwhile: the benchmark's peak memory (267 MB at 100,000 issues)
// came from them. Heavy lets as many run at once as there are CPUs; the
// others wait their turn, or give up when their client does.

// heavySlots returns the semaphore of the heavy views.
func heavySlots() chan struct{} {
	return make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))
}

// Heavy wraps an endpoint that computes a plan or metrics, so that at
// most as many of them run at once as there are CPUs.
func (a *API) Heavy(h HandlerFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		select {
		case a.heavy <- struct{}{}:
		case <-r.Context().Done():
			return r.Context().Err()
		}
		defer func() { <-a.heavy }()
		return h(w, r)
	}
}
