package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// child is a process the benchmark started: cairn serve or the trivial
// handler.
type child struct {
	name    string
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
}

func startChild(name string, cmd *exec.Cmd) (*child, error) {
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		c.waitErr = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop asks the process to finish (SIGINT, as Ctrl-C) and kills it if it
// has not within grace.
func (c *child) stop(grace time.Duration) {
	if c.exited() {
		return
	}
	_ = c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-c.done:
	case <-time.After(grace):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// coldStart is how long one start of cairn serve took, from exec.
type coldStart struct {
	// Ready is exec → the first 200 from /-/readiness.
	Ready time.Duration
	// FirstAPI is exec → the answer to the first API request (a filtered
	// issue list), which also pays for the first use of the caches.
	FirstAPI time.Duration
}

// cairnServer is a running cairn serve.
type cairnServer struct {
	*child
	url      string
	pprofURL string
}

// startCairn starts `cairn serve` on db, measures its cold start and
// returns it serving. log receives the server's output.
func startCairn(ctx context.Context, bin, db, logLevel string, pprof bool, token string, log io.Writer) (*cairnServer, coldStart, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, coldStart{}, err
	}
	args := []string{"serve", "--db", db, "--addr", addr, "--log-level", logLevel}
	s := &cairnServer{url: "http://" + addr}
	if pprof {
		paddr, err := freeAddr()
		if err != nil {
			return nil, coldStart{}, err
		}
		args = append(args, "--pprof-addr", paddr)
		s.pprofURL = "http://" + paddr
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = log, log
	t0 := time.Now()
	if s.child, err = startChild("cairn serve", cmd); err != nil {
		return nil, coldStart{}, err
	}
	var cs coldStart
	hc := &http.Client{Timeout: 5 * time.Second}
	deadline := t0.Add(2 * time.Minute)
	for {
		if s.exited() {
			return nil, coldStart{}, fmt.Errorf("cairn serve exited before it was ready (%v); see its log", s.waitErr)
		}
		if time.Now().After(deadline) {
			s.stop(5 * time.Second)
			return nil, coldStart{}, errors.New("cairn serve was not ready within 2 minutes; see its log")
		}
		if err := ctx.Err(); err != nil {
			s.stop(5 * time.Second)
			return nil, coldStart{}, err
		}
		res, err := hc.Get(s.url + "/-/readiness")
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				cs.Ready = time.Since(t0)
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	c := newClient(s.url, token, 1)
	defer c.close()
	path := "/api/v4/groups/" + benchGroup + "/issues?state=opened&per_page=50&labels=" + strings.ReplaceAll(labelInDev, " ", "%20")
	if err := c.call(ctx, "first request", "GET", path, "/groups/:id/issues", nil, false, 200, nil); err != nil {
		s.stop(5 * time.Second)
		return nil, coldStart{}, err
	}
	cs.FirstAPI = time.Since(t0)
	return s, cs, nil
}

// startTrivial starts `cairn-bench trivial` (this program, or self) and
// returns its URL.
func startTrivial(self string) (*child, string, error) {
	cmd := exec.Command(self, "trivial", "--addr", "127.0.0.1:0")
	cmd.Env = childEnv()
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	cmd.Stderr = os.Stderr
	c, err := startChild("trivial handler", cmd)
	if err != nil {
		return nil, "", err
	}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				line <- a
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case a := <-line:
		return c, "http://" + a, nil
	case <-c.done:
		return nil, "", fmt.Errorf("the trivial handler exited at once (%v)", c.waitErr)
	case <-time.After(30 * time.Second):
		c.stop(time.Second)
		return nil, "", errors.New("the trivial handler did not start within 30 s")
	}
}

// childEnv is this process's environment without CAIRN_ settings that
// would change what cairn serve does behind the flags' back.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "CAIRN_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// memory is a process's resident memory from /proc/PID/status, in bytes.
type memory struct {
	RSS, HWM int64 // VmRSS and VmHWM (the peak)
}

func readMemory(pid int) (memory, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return memory{}, err
	}
	var m memory
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		var dst *int64
		switch string(k) {
		case "VmRSS":
			dst = &m.RSS
		case "VmHWM":
			dst = &m.HWM
		default:
			continue
		}
		f := strings.Fields(string(v)) // "123456 kB"
		if len(f) >= 1 {
			n, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return memory{}, fmt.Errorf("parse %s of process %d: %w", k, pid, err)
			}
			*dst = n * 1024
		}
	}
	return m, nil
}

// rssSampler follows a process's VmRSS while a phase runs.
type rssSampler struct {
	pid  int
	stop chan struct{}
	wg   sync.WaitGroup
	max  int64
}

func sampleRSS(pid int) *rssSampler {
	r := &rssSampler{pid: pid, stop: make(chan struct{})}
	r.wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if m, err := readMemory(pid); err == nil {
				r.max = max(r.max, m.RSS)
			}
			select {
			case <-r.stop:
				return
			case <-t.C:
			}
		}
	})
	return r
}

// done stops sampling and returns the largest VmRSS seen, in bytes.
func (r *rssSampler) done() int64 {
	close(r.stop)
	r.wg.Wait()
	return r.max
}

// fetchProfile saves a pprof profile (a CPU profile of seconds, or the
// heap) from the server's pprof listener into file.
func fetchProfile(ctx context.Context, pprofURL, kind string, seconds int, file string) error {
	u := pprofURL + "/debug/pprof/" + kind
	if kind == "profile" {
		u += "?seconds=" + strconv.Itoa(seconds)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("fetch %s profile: %w", kind, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 300))
		return fmt.Errorf("fetch %s profile: %d %s", kind, res.StatusCode, b)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return fmt.Errorf("save %s: %w", file, err)
	}
	return f.Close()
}
