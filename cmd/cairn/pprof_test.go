package main

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
)

func TestStartPprof(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	stop, err := startPprof(addr, logger)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get("http://" + addr + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "goroutine") {
		t.Errorf("GET /debug/pprof/ = %d %.200s", res.StatusCode, body)
	}

	// The address is taken while it serves.
	if _, err := startPprof(addr, logger); err == nil || !strings.Contains(err.Error(), "--pprof-addr") {
		t.Errorf("a second listener on %s: %v, want an error naming --pprof-addr", addr, err)
	}
	stop()
	if res, err := http.Get("http://" + addr + "/debug/pprof/"); err == nil {
		res.Body.Close()
		t.Error("the profiler still answers after stop")
	}

	for _, bad := range []string{"6060", "localhost", ""} {
		if _, err := startPprof(bad, logger); err == nil || !strings.Contains(err.Error(), "is not host:port") {
			t.Errorf("startPprof(%q) = %v, want a host:port error", bad, err)
		}
	}
}
