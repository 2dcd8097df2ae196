package api

import "net/http"

// Heavy wraps an endpoint that computes a plan or metrics, so that at most
// as many of them run at once as the gate lets in (see internal/limit);
// the others wait their turn, or leave when their client does.
func (a *API) Heavy(h HandlerFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := a.heavy.Enter(r.Context()); err != nil {
			return err
		}
		defer a.heavy.Leave()
		return h(w, r)
	}
}
