// Package reliability holds Cairn's reliability tests, which run the real
// `cairn serve` binary (internal/cairntest) and treat it as a black box:
//
//   - TestCrash kills the server with SIGKILL under concurrent writes, many
//     times, and checks that every acknowledged write survived whole and
//     that no write survived in part (SQLite and PostgreSQL).
//   - TestTwoInstances runs two servers on one PostgreSQL database: started
//     together on an empty database (concurrent migrations), a load mix
//     spread across both, a web session made on one and used on the other,
//     and scheduled occurrences run by only one of them.
//   - TestSoak holds a steady load and samples the server's memory: no
//     error response, and no growth past a generous bound.
//   - TestPostgresRestart stops and starts a private PostgreSQL cluster
//     under load: Cairn answers 503 while it is down and recovers by
//     itself.
//
// By default every test runs in a bounded form that fits in `go test ./...`
// (the package takes about a minute: 5 kills per database, 20 s of soak,
// 2 database restarts). CAIRN_RELIABILITY=long runs the long forms, in
// about ten minutes (50 kills per database, 5 minutes of soak, 6 database
// restarts of 5 s each, a minute of two-instance load):
//
//	CAIRN_RELIABILITY=long go test ./reliability -v -timeout 60m
//
// CAIRN_RELIABILITY_SEED=n replays the random choices of a run (each test
// logs its seed). TestPostgresRestart needs PostgreSQL's server binaries
// (Debian's postgresql package) and root or a non-root user to run them;
// it skips without them, and fails instead when
// CAIRN_RELIABILITY_REQUIRED=1, as in CI.
//
// The package has no code of its own; only its tests.
package reliability
