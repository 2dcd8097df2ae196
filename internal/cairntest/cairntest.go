// Package cairntest runs the real cairn binary for tests that need a whole
// server process: the compatibility suites (glab, gitbeaker), the crash,
// multi-instance and soak tests. The binary is built from this tree once
// per test process; each Start gets its own process, killed or stopped
// when the test ends.
//
// Only tests import this package.
package cairntest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

// Binary returns the path of a cairn binary built from this module, building
// it the first time it is called in the process. Call Cleanup from TestMain
// to remove it.
func Binary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			buildErr = err
			return
		}
		if binDir, buildErr = os.MkdirTemp("", "cairntest-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "cairn")
		if runtime.GOOS == "windows" {
			binPath += ".exe"
		}
		build := exec.Command("go", "build", "-o", binPath, "./cmd/cairn")
		build.Dir = root
		var out bytes.Buffer
		build.Stdout, build.Stderr = &out, &out
		if err := build.Run(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/cairn: %v\n%s", err, out.Bytes())
		}
	})
	if buildErr != nil {
		tb.Fatalf("build cairn: %v", buildErr)
	}
	return binPath
}

// Cleanup removes the binary Binary built; TestMain calls it after m.Run.
func Cleanup() {
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
}

// moduleRoot finds the directory holding this module's go.mod from this
// source file's location, so that tests in any package build the same tree.
func moduleRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("cannot locate the cairntest source file")
	}
	dir := filepath.Dir(file)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above %s", file)
		}
		dir = parent
	}
}

// Run runs `cairn args...` to completion and returns its standard output;
// a non-zero exit fails the test with what it printed.
func Run(tb testing.TB, stdin string, args ...string) string {
	tb.Helper()
	cmd := exec.Command(Binary(tb), args...)
	cmd.Env = cleanEnv(nil)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("cairn %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.String()
}

// Options configure a server process.
type Options struct {
	// DB is the --db value: a SQLite path or a postgres:// URL (for example
	// storetest.DSN(t, dialect)). Required.
	DB string
	// Demo loads the demo team into an empty database and makes Start
	// read the demo manager's API token into Process.Token.
	Demo bool
	// Addr is the --addr value; empty picks a free port on 127.0.0.1.
	// Restarting on the same port needs a fixed one (see FreeAddr).
	Addr string
	// Args are further serve flags ("--log-level", "debug", ...).
	Args []string
	// Env are further environment variables (KEY=VALUE).
	Env []string
	// Output, when set, receives every line the process writes to its
	// standard error (its log); otherwise lines are shown only with -v.
	Output io.Writer
	// StartTimeout bounds the wait for "Cairn is running at" (default 60s).
	StartTimeout time.Duration
}

// Process is a running `cairn serve`.
type Process struct {
	// URL is the base URL the server printed, with 127.0.0.1 for localhost.
	URL string
	// Token is the demo manager's API token with Options.Demo, else "".
	Token string
	// Cmd is the running command.
	Cmd *exec.Cmd

	done    chan struct{}
	waitErr error
	mu      sync.Mutex
	log     bytes.Buffer
}

var (
	urlLine   = regexp.MustCompile(`Cairn is running at (http://\S+)`)
	tokenLine = regexp.MustCompile(`API token for \S+ \(shown once\): (\S+)`)
)

// Start starts `cairn serve` with opts and waits until it serves. The
// process is killed when the test ends if it is still running.
func Start(tb testing.TB, opts Options) *Process {
	tb.Helper()
	p, err := start(tb, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func start(tb testing.TB, opts Options) (*Process, error) {
	if opts.DB == "" {
		return nil, fmt.Errorf("cairntest: Options.DB is required")
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	args := []string{"serve", "--addr", addr, "--db", opts.DB}
	if opts.Demo {
		args = append(args, "--demo")
	}
	args = append(args, opts.Args...)
	cmd := exec.Command(Binary(tb), args...)
	cmd.Env = cleanEnv(opts.Env)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start cairn: %w", err)
	}
	p := &Process{Cmd: cmd, done: make(chan struct{})}
	found := make(chan string, 1)
	tokenCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.log.WriteString(line)
			p.log.WriteByte('\n')
			p.mu.Unlock()
			if m := tokenLine.FindStringSubmatch(line); m != nil {
				select {
				case tokenCh <- m[1]:
				default:
				}
			}
			if m := urlLine.FindStringSubmatch(line); m != nil && !sent {
				found <- m[1]
				sent = true
			}
			if opts.Output != nil {
				fmt.Fprintln(opts.Output, line)
			} else if testing.Verbose() {
				fmt.Fprintln(os.Stderr, "cairn:", line)
			}
		}
		// Drain whatever is left so the process never blocks on a full
		// pipe after a scanner error.
		_, _ = io.Copy(io.Discard, stderr)
	}()
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	tb.Cleanup(func() { p.Kill() })

	timeout := opts.StartTimeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	select {
	case u := <-found:
		p.URL = strings.Replace(u, "//localhost", "//127.0.0.1", 1)
	case <-p.done:
		return nil, fmt.Errorf("cairn serve exited before serving (%v):\n%s", p.waitErr, p.Log())
	case <-time.After(timeout):
		p.Kill()
		return nil, fmt.Errorf("cairn serve did not start within %s:\n%s", timeout, p.Log())
	}
	if opts.Demo {
		// The token line comes before the URL line.
		select {
		case p.Token = <-tokenCh:
		default:
		}
	}
	return p, nil
}

// TryStart is Start that returns the error instead of failing the test, for
// tests that expect a start to fail or retry it.
func TryStart(tb testing.TB, opts Options) (*Process, error) {
	tb.Helper()
	return start(tb, opts)
}

// Log returns everything the process has written to standard error so far.
func (p *Process) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Kill kills the process with SIGKILL (no shutdown at all, as a crash or
// an OOM kill) and waits for it to exit.
func (p *Process) Kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.Cmd.Process.Kill()
	<-p.done
}

// Stop asks the process to shut down (SIGINT, as Ctrl-C) and waits up to
// grace for it, then kills it. It returns the process's exit error.
func (p *Process) Stop(grace time.Duration) error {
	select {
	case <-p.done:
		return p.waitErr
	default:
	}
	_ = p.Cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.Kill()
	}
	return p.waitErr
}

// Do sends an API request with the process's token (or token when not
// empty) and returns the response; the caller closes its body.
func (p *Process) Do(method, path, token string, body io.Reader, contentType string) (*http.Response, error) {
	req, err := http.NewRequest(method, p.URL+path, body)
	if err != nil {
		return nil, err
	}
	if token == "" {
		token = p.Token
	}
	if token != "" {
		req.Header.Set("PRIVATE-TOKEN", token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return http.DefaultClient.Do(req)
}

// FreeAddr returns a 127.0.0.1 address with a port that was free a moment
// ago, for a server that must come back on the same port after a restart.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := listenLocal()
	if err != nil {
		tb.Fatalf("find a free port: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// cleanEnv is the test's environment without the CAIRN_* settings that
// would change what the process does, plus extra.
func cleanEnv(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "CAIRN_DB=") || strings.HasPrefix(kv, "CAIRN_ADDR=") || strings.HasPrefix(kv, "CAIRN_BASE_URL=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}
