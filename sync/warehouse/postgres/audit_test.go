package postgres_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/storetest"
)

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	return conn
}

// TestAuditTampered changes the audit table with SQL behind the store's
// back. The table refuses UPDATE, DELETE and TRUNCATE (a trigger); its
// owner can drop that guard, and then the chain shows the edit.
func TestAuditTampered(t *testing.T) {
	t.Run("append-only", func(t *testing.T) {
		dsn := freshDSN(t)
		s := openDSN(t, dsn)
		storetest.SomeAudit(t, s, 3, time.Time{})
		conn := connect(t, dsn)
		for _, q := range []string{
			`UPDATE audit SET details = '{"device":"x"}' WHERE seq = 2`,
			`DELETE FROM audit WHERE seq = 3`,
			`TRUNCATE audit`,
		} {
			_, err := conn.Exec(ctx, q)
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != "42501" {
				t.Errorf("%s: %v, want the append-only trigger's refusal (42501)", q, err)
			}
		}
		if err := warehouse.VerifyAuditChain(nil, storetest.AuditLog(t, s)); err != nil || len(storetest.AuditLog(t, s)) != 3 {
			t.Errorf("after refused changes: %v", err)
		}
	})
	for _, c := range []struct {
		name string
		sql  string
		seq  int64
	}{
		{"details edited", `UPDATE audit SET details = '{"device":"someone-else"}' WHERE seq = 3`, 3},
		{"details respaced", `UPDATE audit SET details = '{"device": "d2"}' WHERE seq = 3`, 3},
		{"actor edited", `UPDATE audit SET actor = 'agency:vn.other' WHERE seq = 2`, 2},
		{"time moved", `UPDATE audit SET at = at + interval '1 microsecond' WHERE seq = 4`, 4},
		{"deleted", `DELETE FROM audit WHERE seq = 2`, 2},
		{"renumbered", `UPDATE audit SET seq = 10 WHERE seq = 5`, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			dsn := freshDSN(t)
			s := openDSN(t, dsn)
			storetest.SomeAudit(t, s, 6, time.Time{})
			conn := connect(t, dsn)
			if _, err := conn.Exec(ctx, `ALTER TABLE audit DISABLE TRIGGER audit_no_change`); err != nil {
				t.Fatal(err)
			}
			if tag, err := conn.Exec(ctx, c.sql); err != nil || tag.RowsAffected() != 1 {
				t.Fatalf("%s: %v %v", c.sql, tag, err)
			}
			storetest.ChainBrokenAt(t, "verify", warehouse.VerifyAuditChain(nil, storetest.AuditLog(t, s)), c.seq)
			_, _, err := warehouse.ExportAudit(ctx, s, io.Discard)
			storetest.ChainBrokenAt(t, "export", err, c.seq)
		})
	}
}

// TestAuditSeveralStores: three Stores (three pools, as three API
// processes would have) on one database append at once, standalone
// entries and audited batches: one chain, no gap, no fork.
func TestAuditSeveralStores(t *testing.T) {
	dsn := freshDSN(t)
	stores := []warehouse.Store{openDSN(t, dsn), openDSN(t, dsn), openDSN(t, dsn)}
	ids := storetest.Citizens(t, stores[0], 0, 4)
	const per = 16
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, len(stores)*per)
	for k, s := range stores {
		for i := range per {
			wg.Go(func() {
				<-start
				e := warehouse.AuditEntry{Actor: fmt.Sprintf("operator:p%d", k), Action: "tick", Details: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i))}
				var err error
				if i%2 == 0 {
					_, err = s.AppendAudit(ctx, e)
				} else {
					r := storetest.Record(k*per + i)
					_, err = s.Append(ctx, warehouse.Batch{Agency: "vn.test", Audit: &e, Writes: []warehouse.Write{storetest.Write(ids[i%4], r)}}, storetest.Check)
				}
				errs <- err
			})
		}
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	log := storetest.AuditLog(t, stores[1])
	if len(log) != len(stores)*per {
		t.Fatalf("%d entries, want %d", len(log), len(stores)*per)
	}
	if err := warehouse.VerifyAuditChain(nil, log); err != nil {
		t.Fatal(err)
	}
}

// TestAuditMigration: a database made before the audit log (migration
// 0001 only) gets it on the next Open, with an empty chain.
func TestAuditMigration(t *testing.T) {
	dsn := freshDSN(t)
	s := openDSN(t, dsn)
	storetest.Citizens(t, s, 0, 2)
	s.Close()
	conn := connect(t, dsn)
	if _, err := conn.Exec(ctx, `DROP TABLE audit, audit_head; DROP FUNCTION audit_append_only; DELETE FROM schema_migrations WHERE version = 2`); err != nil {
		t.Fatal(err)
	}
	s = openDSN(t, dsn)
	e, err := s.AppendAudit(ctx, warehouse.AuditEntry{Actor: "system", Action: "upgrade"})
	if err != nil || e.Seq != 1 {
		t.Fatalf("the first entry after the upgrade: %+v, %v", e, err)
	}
	if err := warehouse.VerifyAuditChain(nil, storetest.AuditLog(t, s)); err != nil {
		t.Fatal(err)
	}
}
