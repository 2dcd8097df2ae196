package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// trivialBody is what the trivial handler answers: a small JSON document,
// about the size of an error body, so that the baseline measures HTTP and
// the loopback network, not Cairn's work.
const trivialBody = `{"status":"ok","service":"trivial"}` + "\n"

// trivialCmd serves the trivial handler until ctx ends. It prints
// "listening on ADDR" once it accepts connections, which `run` waits for.
func trivialCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("trivial", "trivial [--addr 127.0.0.1:0]", stderr)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on; port 0 picks a free one")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	srv := &http.Server{Handler: trivialHandler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "listening on %s\n", ln.Addr())
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// trivialHandler answers every request with trivialBody.
func trivialHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, trivialBody)
	})
}
