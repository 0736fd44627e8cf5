package postgres_test

import (
	"context"
	"testing"

	"github.com/vnwallet/citizenwallet/sync/warehouse/postgres"
	"github.com/vnwallet/citizenwallet/sync/warehouse/postgres/pgtest"
)

var ctx = context.Background()

// freshDSN is a new, empty database on the test server (pgtest), dropped
// after the test.
func freshDSN(t testing.TB) string {
	t.Helper()
	return pgtest.Database(t)
}

// open opens a store on a fresh database, closed after the test.
func open(t testing.TB) *postgres.Store {
	t.Helper()
	return openDSN(t, freshDSN(t))
}

func openDSN(t testing.TB, dsn string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// start releases the goroutines waiting on it at once.
type start chan struct{}

func (s start) wait() { <-s }
