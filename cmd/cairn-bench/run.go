package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cairnhq/cairn/internal/loadgen"
)

// runOptions are run's flags.
type runOptions struct {
	DB         string
	Cairn      string // cairn binary; "" builds one from this tree
	Token      string // "" creates one with `cairn token create`
	Password   string
	Mix        string
	Phases     string // "each", "mix" or "each,mix"
	Duration   time.Duration
	Warmup     time.Duration
	Settle     time.Duration
	Conns      []int
	ColdStarts int
	Trivial    bool
	CPUProfile string // directory for pprof profiles; "" for none
	LogLevel   string
	ServerLog  string
	Copy       bool // run on a copy of an SQLite database
	Today      string
	Seed       uint64
}

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", "run --db DSN [--duration 30s] [--conns 8] [--mix default] [--cairn PATH] [flags]", stderr)
	o := runOptions{}
	fs.StringVar(&o.DB, "db", "", "database seeded by cairn-bench seed: an SQLite file or a postgres:// URL (required)")
	fs.StringVar(&o.Cairn, "cairn", "", "cairn binary to measure (default: go build ./cmd/cairn from this tree into a temporary folder)")
	fs.StringVar(&o.Token, "token", "", "API token of the team's manager (default: a new one from `cairn token create`)")
	fs.StringVar(&o.Password, "password", benchPassword, "the manager's password, for the web pages")
	fs.StringVar(&o.Mix, "mix", "default", "the mix: default, reads, writes, or op=weight,… with ops "+strings.Join(opNames, ", "))
	fs.StringVar(&o.Phases, "phases", "each,mix", "what to run: each (every operation of the mix alone), mix (the whole mix), or both")
	fs.DurationVar(&o.Duration, "duration", 30*time.Second, "measured time of each phase")
	fs.DurationVar(&o.Warmup, "warmup", 3*time.Second, "unmeasured time before each phase")
	fs.DurationVar(&o.Settle, "settle", time.Second, "pause between phases, for the server's background work to finish")
	conns := fs.String("conns", "8", "concurrent connections, or a list (1,8) to run every phase at each")
	fs.IntVar(&o.ColdStarts, "cold-starts", 3, "times to start the server and measure the cold start (at least 1)")
	fs.BoolVar(&o.Trivial, "trivial", true, "also load the trivial handler and print ratios to it")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "directory to save a CPU profile of the server per phase and a heap profile into (starts cairn serve with --pprof-addr)")
	fs.StringVar(&o.LogLevel, "log-level", "info", "cairn serve's --log-level (info logs every request, as installations do by default)")
	fs.StringVar(&o.ServerLog, "server-log", "", "file for cairn serve's log (default: a temporary file, printed at the end)")
	fs.BoolVar(&o.Copy, "copy", true, "run on a temporary copy of an SQLite database, so that every run starts from the seeded data")
	fs.StringVar(&o.Today, "today", "", "the date the server lives on, YYYY-MM-DD, as given to seed (default: today, UTC)")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the workers' random choices")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if o.DB == "" {
		fmt.Fprintln(stderr, "cairn-bench run: --db is required")
		fs.Usage()
		return errUsage
	}
	for part := range strings.SplitSeq(*conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 || n > 1024 {
			return fmt.Errorf("--conns: %q is not a number of connections from 1 to 1024", part)
		}
		o.Conns = append(o.Conns, n)
	}
	rep, err := runBench(ctx, o, stderr)
	if rep != nil {
		rep.print(stdout)
	}
	return err
}

// phase is one measured load: one operation alone, the whole mix, or the
// trivial handler, at one number of connections.
type phase struct {
	Name   string
	Conns  int
	Result *loadgen.Result
	// MaxRSS is the largest VmRSS of the server seen during the phase.
	MaxRSS int64
}

// op returns the phase's figures: its one operation, or all of the mix.
func (p *phase) op() *loadgen.OpResult {
	if len(p.Result.Ops) == 1 {
		return p.Result.Ops[0]
	}
	return p.Result.Total(p.Name)
}

// report is everything a run measured.
type report struct {
	Options   runOptions
	Dialect   string
	Started   time.Time
	Cold      []coldStart
	Phases    []*phase
	Trivial   []*phase
	Memory    memory // the server's at the end of the load
	Profiles  []string
	ServerLog string
	Host      string
	// LoadBefore and LoadAfter are the machine's load averages when the
	// run started and ended: the noise other processes added.
	LoadBefore, LoadAfter string
}

// runBench runs the whole benchmark. It returns what it measured even
// when a later step fails.
func runBench(ctx context.Context, o runOptions, progress io.Writer) (rep *report, err error) {
	if o.ColdStarts < 1 {
		return nil, errors.New("--cold-starts must be 1 or more")
	}
	mix, err := parseMix(o.Mix)
	if err != nil {
		return nil, err
	}
	each, all := false, false
	for p := range strings.SplitSeq(o.Phases, ",") {
		switch strings.TrimSpace(p) {
		case "each":
			each = true
		case "mix":
			all = true
		default:
			return nil, fmt.Errorf("--phases: %q is not each or mix", p)
		}
	}
	today := o.Today
	if today == "" {
		today = time.Now().UTC().Format("2006-01-02")
	}
	rep = &report{Options: o, Started: time.Now(), Host: hostDescription(), LoadBefore: loadAverage()}
	defer func() { rep.LoadAfter = loadAverage() }()
	if isPostgresDSN(o.DB) {
		rep.Dialect = "PostgreSQL"
	} else {
		rep.Dialect = "SQLite"
	}
	tmp, err := os.MkdirTemp("", "cairn-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	bin := o.Cairn
	if bin == "" {
		fmt.Fprintln(progress, "building cairn…")
		if bin, err = buildCairn(ctx, tmp); err != nil {
			return nil, err
		}
	}
	db := o.DB
	if o.Copy && !isPostgresDSN(db) {
		fmt.Fprintln(progress, "copying the database…")
		if db, err = copySQLite(db, filepath.Join(tmp, "cairn.db")); err != nil {
			return nil, err
		}
	}
	token := o.Token
	if token == "" {
		out, err := exec.CommandContext(ctx, bin, "token", "create", "--db", db, "--username", benchManager, "--name", "cairn-bench").Output()
		if err != nil {
			return nil, fmt.Errorf("cairn token create for %s (was the database seeded with cairn-bench seed?): %w%s", benchManager, err, exitStderr(err))
		}
		token = strings.TrimSpace(string(out))
	}
	// The server's log goes to --server-log, or to a temporary file that
	// is kept only when something failed.
	logPath := o.ServerLog
	if logPath == "" {
		f, err := os.CreateTemp("", "cairn-bench-serve-*.log")
		if err != nil {
			return nil, err
		}
		f.Close()
		logPath = f.Name()
		defer func() {
			if err == nil && rep.errors() == 0 {
				os.Remove(logPath)
				rep.ServerLog = ""
			}
		}()
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("server log: %w", err)
	}
	defer logFile.Close()
	rep.ServerLog = logPath
	if o.CPUProfile != "" {
		if err := os.MkdirAll(o.CPUProfile, 0o755); err != nil {
			return nil, err
		}
	}

	// Cold starts: each start but the last is stopped again; the last
	// one serves the load.
	var srv *cairnServer
	for i := range o.ColdStarts {
		fmt.Fprintf(progress, "cold start %d of %d…\n", i+1, o.ColdStarts)
		s, cs, err := startCairn(ctx, bin, db, o.LogLevel, o.CPUProfile != "", token, logFile)
		if err != nil {
			return rep, err
		}
		rep.Cold = append(rep.Cold, cs)
		if i < o.ColdStarts-1 {
			s.stop(35 * time.Second)
			continue
		}
		srv = s
	}
	defer srv.stop(35 * time.Second)

	maxConns := slices.Max(o.Conns)
	c := newClient(srv.url, token, maxConns)
	defer c.close()
	w, err := discover(ctx, c, benchGroup, today)
	if err != nil {
		return rep, err
	}
	if err := c.signIn(ctx, benchManager, o.Password); err != nil {
		return rep, err
	}
	ops := cairnOps(c, w, mix)

	runPhase := func(name string, conns int, ops []loadgen.Op, pid int, pprofURL string) error {
		fmt.Fprintf(progress, "%s, %d connections, %s…\n", name, conns, o.Duration)
		var sampler *rssSampler
		if pid > 0 {
			sampler = sampleRSS(pid)
		}
		profDone := make(chan error, 1)
		var profFile string
		if pprofURL != "" {
			profFile = filepath.Join(o.CPUProfile, fmt.Sprintf("%s-%s-c%d.pprof", strings.ToLower(rep.Dialect), name, conns))
			go func() {
				select {
				case <-time.After(o.Warmup):
				case <-ctx.Done():
					profDone <- ctx.Err()
					return
				}
				profDone <- fetchProfile(ctx, pprofURL, "profile", max(1, int(o.Duration.Seconds())), profFile)
			}()
		} else {
			profDone <- nil
		}
		res, err := loadgen.Run(ctx, loadgen.Config{Conns: conns, Warmup: o.Warmup, Duration: o.Duration, Ops: ops, Seed: o.Seed})
		p := &phase{Name: name, Conns: conns, Result: res}
		if sampler != nil {
			p.MaxRSS = sampler.done()
		}
		if perr := <-profDone; perr != nil {
			fmt.Fprintf(progress, "cpu profile of %s: %v\n", name, perr)
		} else if profFile != "" {
			rep.Profiles = append(rep.Profiles, profFile)
		}
		if res != nil {
			if name == "trivial" {
				rep.Trivial = append(rep.Trivial, p)
			} else {
				rep.Phases = append(rep.Phases, p)
			}
		}
		if err == nil && o.Settle > 0 {
			select {
			case <-time.After(o.Settle):
			case <-ctx.Done():
				err = ctx.Err()
			}
		}
		return err
	}

	// Reads come first and creates last: every create adds an open issue
	// to the backlog the plan, the lists and the board read, and a create
	// phase adds thousands. The whole mix runs before the creates.
	mixes := func() error {
		for _, n := range o.Conns {
			if err := runPhase("mix", n, ops, srv.pid(), srv.pprofURL); err != nil {
				return err
			}
		}
		all = false
		return nil
	}
	for _, name := range phaseOrder {
		if name == "create" && all {
			if err := mixes(); err != nil {
				return rep, err
			}
		}
		if !each || mix[name] == 0 {
			continue
		}
		for _, n := range o.Conns {
			op := opByName(ops, name)
			op.Weight = 1
			if err := runPhase(name, n, []loadgen.Op{op}, srv.pid(), srv.pprofURL); err != nil {
				return rep, err
			}
		}
	}
	if rep.Memory, err = readMemory(srv.pid()); err != nil {
		return rep, fmt.Errorf("read the server's memory: %w", err)
	}
	if srv.pprofURL != "" {
		heap := filepath.Join(o.CPUProfile, strings.ToLower(rep.Dialect)+"-heap.pprof")
		if err := fetchProfile(ctx, srv.pprofURL, "heap", 0, heap); err != nil {
			fmt.Fprintf(progress, "heap profile: %v\n", err)
		} else {
			rep.Profiles = append(rep.Profiles, heap)
		}
	}
	srv.stop(35 * time.Second)

	if o.Trivial {
		self, err := os.Executable()
		if err != nil {
			return rep, err
		}
		tr, url, err := startTrivial(self)
		if err != nil {
			return rep, err
		}
		defer tr.stop(5 * time.Second)
		tc := newClient(url, "", maxConns)
		defer tc.close()
		for _, n := range o.Conns {
			if err := runPhase("trivial", n, []loadgen.Op{trivialOp(tc)}, 0, ""); err != nil {
				return rep, err
			}
		}
		tr.stop(5 * time.Second)
	}
	return rep, nil
}

// phaseOrder is the order operations run alone: reads, then notes,
// which change issues but add none, then creates, which add issues.
var phaseOrder = []string{"list_label", "list_milestone", "list_assignee", "get", "board", "plan", "metrics", "note", "create"}

func opByName(ops []loadgen.Op, name string) loadgen.Op {
	for _, op := range ops {
		if op.Name == name {
			return op
		}
	}
	panic("no operation " + name)
}

func isPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// buildCairn builds cmd/cairn of the module this program is run in.
func buildCairn(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "cairn")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/cairn")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/cairn in %s: %w\n%s", root, err, out)
	}
	return bin, nil
}

// moduleRoot finds Cairn's module from the working directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(data), "module github.com/cairnhq/cairn\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside Cairn's source tree: run from it, or give --cairn PATH")
		}
		dir = parent
	}
}

// copySQLite copies an SQLite database (with its WAL, if any) to dst.
func copySQLite(dsn, dst string) (string, error) {
	src := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "sqlite:")
	if i := strings.IndexByte(src, '?'); i >= 0 {
		src = src[:i]
	}
	if _, err := os.Stat(src); err != nil {
		return "", fmt.Errorf("database %s: %w", src, err)
	}
	for _, suffix := range []string{"", "-wal"} {
		if err := copyFile(src+suffix, dst+suffix); err != nil {
			if suffix != "" && errors.Is(err, os.ErrNotExist) {
				continue
			}
			return "", fmt.Errorf("copy the database: %w", err)
		}
	}
	return dst, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func exitStderr(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return ": " + strings.TrimSpace(string(ee.Stderr))
	}
	return ""
}

// loadAverage returns the 1, 5 and 15 minute load averages, "" if unknown.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// hostDescription names the machine: CPU model and count, memory, OS.
func hostDescription() string {
	cpu := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		line, _, _ := strings.Cut(string(data), "\n")
		if f := strings.Fields(line); len(f) >= 2 {
			if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				mem = fmt.Sprintf(", %.0f GB RAM", float64(kb)/(1<<20))
			}
		}
	}
	return fmt.Sprintf("%s, %d CPUs%s, %s/%s, %s", cpu, runtime.NumCPU(), mem, runtime.GOOS, runtime.GOARCH, runtime.Version())
}
