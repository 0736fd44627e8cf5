// Package pgtest gives a test its own database on a real PostgreSQL
// server: the one WAREHOUSE_TEST_POSTGRES names (make test starts one with
// tools/postgres.sh and sets it), or else a throw-away cluster this
// package starts with tools/postgres.sh in bin/pgtest. Under CI (CI set)
// a missing server fails the test: the PostgreSQL tests never skip there.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env names the variable with the server's URL (a role that may CREATE
// DATABASE).
const Env = "WAREHOUSE_TEST_POSTGRES"

var (
	once      sync.Once
	serverDSN string
	serverErr error
)

// Server returns the URL of the test server, starting one if needed.
func Server(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		if dsn := os.Getenv(Env); dsn != "" {
			serverDSN = dsn
			return
		}
		if os.Getenv("CI") != "" {
			serverErr = errors.New(Env + " is not set: CI must start PostgreSQL (make test does, with tools/postgres.sh)")
			return
		}
		root, err := repoRoot()
		if err != nil {
			serverErr = err
			return
		}
		c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(c, "bash", filepath.Join(root, "tools", "postgres.sh"), "start", filepath.Join(root, "bin", "pgtest"))
		cmd.WaitDelay = 5 * time.Second
		out, err := cmd.Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				err = errors.New(strings.TrimSpace(string(ee.Stderr)))
			}
			serverErr = errors.New("no PostgreSQL server for the tests: tools/postgres.sh start: " + err.Error())
			return
		}
		serverDSN = strings.TrimSpace(string(out))
	})
	if serverErr != nil {
		t.Fatal(serverErr)
	}
	return serverDSN
}

// Database creates an empty database for this test on the test server
// and returns its URL; it is dropped when the test ends.
func Database(t testing.TB) string {
	t.Helper()
	server := Server(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v", server, err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	name := "wh_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, server)
		if err != nil {
			t.Errorf("pgtest: drop %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop %s: %v", name, err)
		}
	})
	if !strings.HasPrefix(server, "postgres://") && !strings.HasPrefix(server, "postgresql://") {
		return server + " dbname=" + name // key=value form: the last one counts
	}
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", Env, err)
	}
	u.Path = "/" + name
	return u.String()
}

// repoRoot finds the module root (the folder with go.mod) above the
// working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("pgtest: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Size is the size in bytes of the database dsn names.
func Size(t testing.TB, dsn string) int64 {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer conn.Close(ctx)
	var n int64
	if err := conn.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&n); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return n
}
