package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/demo"
	"github.com/cairnhq/cairn/internal/limit"
	"github.com/cairnhq/cairn/internal/monitor"
	"github.com/cairnhq/cairn/internal/netguard"
	"github.com/cairnhq/cairn/internal/notify"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/internal/scheduler"
	"github.com/cairnhq/cairn/internal/server"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/web"
)

// shutdownGrace is how long in-flight requests may take to finish after
// SIGTERM before the server closes their connections.
const shutdownGrace = 30 * time.Second

func (e *environment) serve(ctx context.Context, args []string) error {
	f := e.newFlags("serve", "serve [--addr :8080] [--db cairn.db] [--base-url URL] [--demo]")
	db := f.dbFlag()
	addr := f.String("addr", ":8080", "address to listen on (host:port; port 0 picks a free one)")
	baseURL := f.String("base-url", "", "external URL of this server, used in links and web_url (default: from each request's Host)")
	logLevel := f.String("log-level", "info", "log level: debug, info, warn or error")
	withDemo := f.FlagSet.Bool("demo", false, "load the demo team when the database is empty, and print how to sign in")
	smtpHost := f.String("smtp-host", "", "SMTP server for e-mail notifications (empty: no e-mail)")
	smtpPort := f.String("smtp-port", "", "SMTP port (default: 587 with starttls, 465 with tls, 25 with none)")
	smtpUser := f.String("smtp-username", "", "SMTP user for AUTH PLAIN (the password comes from CAIRN_SMTP_PASSWORD only)")
	smtpFrom := f.String("smtp-from", "", `sender of e-mails, e.g. "Cairn <cairn@example.com>"`)
	smtpTLS := f.String("smtp-tls", "starttls", "SMTP transport security: starttls, tls or none")
	allowNets := f.String("webhook-allow-networks", "", `non-public networks webhooks may call: comma-separated CIDRs or addresses, or "private" (10/8, 172.16/12, 192.168/16, fc00::/7)`)
	metricsAddr := f.String("metrics-addr", "", "serve Prometheus metrics at /metrics on this separate address, e.g. 127.0.0.1:9100 (default: not at all, or on --addr when CAIRN_METRICS_TOKEN is set)")
	pprofAddr := f.String("pprof-addr", "", "serve Go's profiler (net/http/pprof) at /debug/pprof/ on this separate address, e.g. 127.0.0.1:6060 (default: off)")
	if err := f.parse(args); err != nil {
		return helpOK(err)
	}
	logger := e.logger(*logLevel)
	if *pprofAddr != "" {
		stopPprof, err := startPprof(*pprofAddr, logger)
		if err != nil {
			return err
		}
		defer stopPprof()
	}
	// The metrics token comes from the environment only, so that it never
	// shows in a process list.
	metricsToken := e.getenv("CAIRN_METRICS_TOKEN")
	if metricsToken != "" {
		if err := monitor.ValidateToken(metricsToken); err != nil {
			return fmt.Errorf("CAIRN_METRICS_TOKEN: %w", err)
		}
	}
	if *metricsAddr != "" {
		if _, _, err := net.SplitHostPort(*metricsAddr); err != nil {
			return fmt.Errorf("--metrics-addr: %q is not host:port (e.g. 127.0.0.1:9100)", *metricsAddr)
		}
	}
	mailer, err := e.mailer(*smtpHost, *smtpPort, *smtpUser, *smtpFrom, *smtpTLS)
	if err != nil {
		return err
	}
	webhookNets, err := netguard.Parse(*allowNets)
	if err != nil {
		return fmt.Errorf("--webhook-allow-networks: %w", err)
	}
	started := time.Now()
	s, err := e.openStore(ctx, *db, logger)
	if err != nil {
		return err
	}
	defer s.Close()
	if *withDemo {
		if err := e.loadDemo(ctx, s); err != nil {
			return err
		}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	var metricsLn net.Listener
	if *metricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", *metricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("--metrics-addr: listen on %s: %w", *metricsAddr, err)
		}
	}
	url := strings.TrimRight(*baseURL, "/")
	if url == "" {
		url = "http://" + displayAddr(ln.Addr())
	}
	// Links in webhook payloads and e-mails are absolute.
	s.BaseURL = url
	s.WebhookNetworks = webhookNets

	// Background work until ctx ends: the planner refreshes planning issues
	// (Flush below finishes what requests queued), the scheduler sends
	// reminders and keeps the cadence, and the outbox worker delivers
	// webhooks and e-mails. Every instance runs all three; claims in the
	// database keep each occurrence and each delivery to one of them.
	p := planner.New(s, logger)
	senders := map[string]notify.Sender{store.DeliveryWebhook: notify.NewWebhookSenderAllowing(s, "Cairn/"+Version, webhookNets)}
	if mailer != nil {
		senders[store.DeliveryEmail] = mailer
		s.EmailEnabled = true
	}
	worker := &notify.Worker{Store: s, Senders: senders, Logger: logger.With("component", "outbox")}
	s.OnDelivery = worker.Wake
	sched := scheduler.New(s, p, s, logger.With("component", "scheduler"))
	// Metrics are measured only when they are served somewhere.
	var metrics *monitor.Metrics
	if metricsLn != nil || metricsToken != "" {
		metrics = monitor.New(monitor.Config{Version: Version, Revision: Revision(), Pools: s.PoolStats, Logger: logger})
		sched.OnStep = metrics.StepDone
		worker.OnAttempt = metrics.DeliveryDone
	}
	bg, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	var background sync.WaitGroup
	background.Go(func() { p.Run(bg) })
	background.Go(func() { sched.Run(bg) })
	background.Go(func() { worker.Run(bg) })
	// One gate bounds the plans and metrics the API and the pages compute
	// at once (internal/limit).
	heavy := limit.NewGate(0)
	pages, err := web.New(web.Config{Store: s, Planner: p, BaseURL: *baseURL, Logger: logger, Version: Version, Heavy: heavy})
	if err != nil {
		return fmt.Errorf("web pages: %w", err)
	}
	h := server.New(server.Config{
		Services: s,
		Planner:  p,
		Heavy:    heavy,
		BaseURL:  strings.TrimRight(*baseURL, "/"),
		Logger:   logger,
		Version:  Version,
		Revision: Revision(),
		Web:      pages,

		Metrics:      metrics,
		MetricsToken: metricsToken,
	})
	srv := &http.Server{
		Handler:           h.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	if metricsLn != nil {
		// Scrapes end with the process: the listener closes when serve
		// returns, after the main server's shutdown.
		msrv := metrics.NewServer(metricsToken, logger)
		defer msrv.Close()
		go func() {
			if err := msrv.Serve(metricsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Error("metrics listener failed", "err", err)
			}
		}()
		murl := "http://" + displayAddr(metricsLn.Addr()) + monitor.Path
		logger.Info("metrics listening", "url", murl, "token", metricsToken != "")
		fmt.Fprintf(e.stderr, "Metrics are served at %s\n", murl)
	}
	if metricsToken != "" {
		logger.Info("metrics served on the public port with a bearer token", "url", url+monitor.Path)
	}
	logger.Info("cairn listening", "url", url, "database", s.Dialect(), "startup", time.Since(started).Round(time.Millisecond))
	fmt.Fprintf(e.stderr, "Cairn is running at %s\n", url)

	select {
	case err := <-serveErr:
		// The listener failed: stop the background work too before the
		// store closes.
		stopBackground()
		background.Wait()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down; waiting for in-flight requests", "grace", shutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	shutdownErr := srv.Shutdown(sctx)
	// Requests that finished during the grace period may have queued
	// planning issue refreshes; they are written before the store closes.
	// Deliveries in flight are not recorded: their claims run out and they
	// go out again later, from this instance or another.
	stopBackground()
	background.Wait()
	if err := p.Flush(sctx); err != nil {
		logger.Error("planning refresh at shutdown failed", "err", err)
	}
	if shutdownErr != nil && !errors.Is(shutdownErr, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", shutdownErr)
	}
	return nil
}

// displayAddr turns a listener address into one a browser can open.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// DemoPassword is the password of every demo user. The demo is for trying
// Cairn out; a real team starts with `cairn user create`.
const DemoPassword = "cairn-demo"

// demoManager is the demo user whose login is printed.
const demoManager = "emma"

func (e *environment) demo(ctx context.Context, args []string) error {
	f := e.newFlags("demo", "demo [--db cairn.db]")
	db := f.dbFlag()
	if err := f.parse(args); err != nil {
		return helpOK(err)
	}
	s, err := e.openStore(ctx, *db, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	return e.loadDemo(ctx, s)
}

// loadDemo loads the demo team into an empty database, gives its users the
// demo password and prints a login and an API token. On a database that
// already has groups it changes nothing.
func (e *environment) loadDemo(ctx context.Context, s *store.Store) error {
	_, total, err := s.ListGroups(ctx, cairn.GroupFilter{Admin: true, Page: cairn.Page{PerPage: 1}})
	if err != nil {
		return fmt.Errorf("check for existing data: %w", err)
	}
	if total.Count > 0 || total.Capped {
		if _, err := s.UserByUsername(ctx, demoManager); err == nil {
			fmt.Fprintf(e.stderr, "Demo team already loaded. Sign in as %s with password %s.\n", demoManager, DemoPassword)
		} else {
			fmt.Fprintln(e.stderr, "The database already holds teams; the demo team was not loaded.")
		}
		return nil
	}
	a := demo.Generate(s.Now(), 1)
	stats, err := s.ImportArchive(ctx, a)
	if err != nil {
		return fmt.Errorf("load demo team: %w", err)
	}
	for _, u := range a.Users {
		usr, err := s.UserByUsername(ctx, u.Username)
		if err != nil {
			return fmt.Errorf("demo user %s: %w", u.Username, err)
		}
		if err := s.SetPassword(ctx, usr.ID, DemoPassword); err != nil {
			return fmt.Errorf("set demo password: %w", err)
		}
	}
	mgr, err := s.UserByUsername(ctx, demoManager)
	if err != nil {
		return fmt.Errorf("demo manager: %w", err)
	}
	_, secret, err := s.CreateToken(ctx, cairn.TokenCreate{UserID: mgr.ID, Name: "demo", Scopes: []string{cairn.ScopeAPI}})
	if err != nil {
		return fmt.Errorf("demo token: %w", err)
	}
	fmt.Fprintf(e.stderr, "Loaded the demo team: %d users, %d projects, %d issues, %d events.\n", stats.Users, stats.Projects, stats.Issues, stats.Events)
	fmt.Fprintf(e.stderr, "Sign in as %s (engineering manager) with password %s; every demo user has that password.\n", demoManager, DemoPassword)
	fmt.Fprintf(e.stderr, "API token for %s (shown once): %s\n", demoManager, secret)
	return nil
}

// mailer returns the SMTP sender the flags describe, nil when no host is
// set (no e-mail). The password is read from CAIRN_SMTP_PASSWORD only, so
// that it never shows in a process list.
func (e *environment) mailer(host, port, user, from, tlsMode string) (*notify.Mailer, error) {
	if host == "" {
		return nil, nil
	}
	mode, err := notify.ParseTLSMode(tlsMode)
	if err != nil {
		return nil, fmt.Errorf("--smtp-tls: %w", err)
	}
	m := &notify.Mailer{Host: host, Username: user, Password: e.getenv("CAIRN_SMTP_PASSWORD"), From: from, TLS: mode}
	if port != "" {
		if m.Port, err = strconv.Atoi(port); err != nil || m.Port <= 0 || m.Port > 65535 {
			return nil, fmt.Errorf("--smtp-port: %q is not a port number", port)
		}
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("e-mail settings: %w", err)
	}
	return m, nil
}
