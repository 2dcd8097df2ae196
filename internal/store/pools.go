package store

import "database/sql"

// PoolStats returns the statistics of the store's connection pools by
// name, for monitoring: "postgres" for PostgreSQL's one pool; "sqlite_write"
// (the single writer connection) and "sqlite_read" for SQLite, or only
// "sqlite_write" for an in-memory database, whose readers share the writer.
// The pools themselves stay private, so that every query still goes
// through the store.
func (s *Store) PoolStats() map[string]sql.DBStats {
	if s.dialect.name != "sqlite" {
		return map[string]sql.DBStats{"postgres": s.writeDB.Stats()}
	}
	out := map[string]sql.DBStats{"sqlite_write": s.writeDB.Stats()}
	if s.readDB != s.writeDB {
		out["sqlite_read"] = s.readDB.Stats()
	}
	return out
}
