package api

import "github.com/cairnhq/cairn/internal/limit"

// Heavy wraps an endpoint that computes a plan or metrics, so that at most
// as many of them run at once as the gate lets in (see internal/limit);
// the others wait their turn, or leave when their client does.
func (a *API) Heavy(h HandlerFunc) HandlerFunc { return limit.Handler(a.heavy, h) }
