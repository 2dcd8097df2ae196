// Command cairn is Cairn's single binary: the server, the database tools,
// and the planning and import commands. Run `cairn help` for the list.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if err != errUsage {
			fmt.Fprintln(os.Stderr, "cairn:", err)
		}
		os.Exit(exitCode(err))
	}
}

// run is main without the process: tests call it with their own arguments,
// environment and streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	env := &environment{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		env.usage()
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return env.serve(ctx, rest)
	case "demo":
		return env.demo(ctx, rest)
	case "migrate":
		return env.migrate(ctx, rest)
	case "user":
		return env.user(ctx, rest)
	case "token":
		return env.token(ctx, rest)
	case "import":
		if len(rest) > 0 && rest[0] == "gitlab" {
			return env.importGitLab(ctx, rest[1:])
		}
		return env.importArchive(ctx, rest)
	case "export":
		return env.exportArchive(ctx, rest)
	case "backup":
		return env.backup(ctx, rest)
	case "restore":
		return env.restore(ctx, rest)
	case "plan":
		return env.plan(ctx, rest)
	case "metrics":
		return env.metrics(ctx, rest)
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "cairn %s (%s)\n", Version, Revision())
		return nil
	case "help", "--help", "-h":
		env.usage()
		return nil
	}
	fmt.Fprintf(stderr, "cairn: unknown command %q\n\n", cmd)
	env.usage()
	return errUsage
}

type environment struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

func (e *environment) usage() {
	fmt.Fprint(e.stderr, `Cairn runs a team's monthly milestone planning: issues, refinement,
capacity, the planning issue, status updates and metrics.

Usage: cairn <command> [flags]

Commands:
  serve     run the web UI and the API (--demo loads a demo team into an empty database)
  demo      load the demo team into a database
  migrate   apply database migrations (--status lists them)
  user      create users:    cairn user create --username U [--admin] [--password-stdin]
  token     create tokens:   cairn token create --username U [--scopes api|read_api]
  import    import an archive: cairn import team.json
            or a GitLab group: cairn import gitlab --url URL --group PATH
  export    export an archive: cairn export > team.json
  backup    snapshot a live database: cairn backup --out cairn-backup.db
  restore   restore a backup into a new database: cairn restore --in cairn-backup.db
  plan      a milestone's capacity and plan: cairn plan --group G --milestone M [--json | --csv | --capacity-csv]
            finalise it:     cairn plan finalize --group G --milestone M --username U
  metrics   a team's planning metrics: cairn metrics --group G [--from D] [--to D] [--json | --csv]
  version   print the version

Every command takes --db (or CAIRN_DB): a file path or sqlite: URL (default
cairn.db), or a postgres:// URL. Run "cairn <command> --help" for its flags.
`)
}
