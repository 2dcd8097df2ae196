// Command cairn-bench measures Cairn under load. It is a separate program
// so that the cairn binary carries no load generator.
//
//	cairn-bench seed --db DSN [--issues 100000] [--events 1000000] [--seed 1] [--members 25]
//	cairn-bench run  --db DSN [--duration 30s] [--conns 8] [--mix default] [--cairn PATH]
//	cairn-bench trivial --addr 127.0.0.1:0
//
// seed builds a realistic team deterministically into an empty database;
// run starts `cairn serve` on it as a child process, measures its cold
// start, drives the HTTP API with a fixed mix of operations from this
// process (internal/loadgen), samples the server's memory, then loads a
// trivial net/http handler (the trivial subcommand, another child process)
// the same way and prints every figure as a markdown table, with each
// throughput as a ratio of the trivial handler's, so that results compare
// across machines. BENCHMARKS.md has the figures and how they were made.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "cairn-bench:", err)
		}
		os.Exit(1)
	}
}

// errUsage means the usage was printed already.
var errUsage = errors.New("usage")

const usage = `Usage:
  cairn-bench seed    --db DSN [--issues 100000] [--events 1000000] [--seed 1] [--members 25] [--months 48] [--today YYYY-MM-DD]
  cairn-bench run     --db DSN [--duration 30s] [--warmup 3s] [--conns 8] [--mix default] [--cairn PATH] [--cpuprofile DIR]
  cairn-bench trivial [--addr 127.0.0.1:0]

seed builds a benchmark team into an empty database; run measures a cairn
server on it against a trivial handler. "cairn-bench CMD -h" lists a
command's flags.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "seed":
		return seedCmd(ctx, args[1:], stdout, stderr)
	case "run":
		return runCmd(ctx, args[1:], stdout, stderr)
	case "trivial":
		return trivialCmd(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "cairn-bench: unknown command %q\n\n%s", args[0], usage)
	return errUsage
}

// newFlags returns a flag set that prints its errors and usage to stderr.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: cairn-bench %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; -h is not an error, other mistakes are usage
// errors, and positional arguments are refused.
func parseFlags(fs *flag.FlagSet, args []string) (help bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, nil
		}
		return false, errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "cairn-bench %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return false, errUsage
	}
	return false, nil
}
