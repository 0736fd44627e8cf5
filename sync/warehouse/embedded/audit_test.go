package embedded_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/embedded"
	"github.com/vnwallet/citizenwallet/sync/warehouse/storetest"
)

// TestAuditTampered edits and deletes stored entries behind the store's
// back: reading the log and verifying it (and exporting it) names the
// entry.
func TestAuditTampered(t *testing.T) {
	t.Run("edited", func(t *testing.T) {
		s := open(t, "")
		storetest.SomeAudit(t, s, 5, t0)
		if err := warehouse.VerifyAuditChain(nil, storetest.AuditLog(t, s)); err != nil {
			t.Fatalf("before the edit: %v", err)
		}
		err := embedded.RewriteAudit(s, 3, func(e *warehouse.AuditEntry) {
			e.Details = json.RawMessage(`{"device":"someone-else"}`)
		})
		if err != nil {
			t.Fatal(err)
		}
		storetest.ChainBrokenAt(t, "verify after editing entry 3", warehouse.VerifyAuditChain(nil, storetest.AuditLog(t, s)), 3)
		n, _, err := warehouse.ExportAudit(ctx, s, io.Discard)
		storetest.ChainBrokenAt(t, "export after editing entry 3", err, 3)
		if n != 5 {
			t.Errorf("exported %d entries, want all 5", n)
		}
	})
	t.Run("edited and rehashed", func(t *testing.T) {
		s := open(t, "")
		storetest.SomeAudit(t, s, 5, t0)
		err := embedded.RewriteAudit(s, 2, func(e *warehouse.AuditEntry) {
			e.Subject = "vn.other"
			e.Hash = e.ComputeHash()
		})
		if err != nil {
			t.Fatal(err)
		}
		storetest.ChainBrokenAt(t, "verify after editing and rehashing entry 2", warehouse.VerifyAuditChain(nil, storetest.AuditLog(t, s)), 3)
	})
	t.Run("deleted", func(t *testing.T) {
		s := open(t, "")
		storetest.SomeAudit(t, s, 5, t0)
		if err := embedded.DeleteAudit(s, 4); err != nil {
			t.Fatal(err)
		}
		storetest.ChainBrokenAt(t, "verify after deleting entry 4", warehouse.VerifyAuditChain(nil, storetest.AuditLog(t, s)), 4)
	})
}

// TestAuditReopen: the log and its head survive a restart; the chain
// continues where it was.
func TestAuditReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	s, err := embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	storetest.SomeAudit(t, s, 3, t0)
	before := storetest.AuditLog(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir)
	after := storetest.AuditLog(t, s)
	if len(after) != 3 || !bytes.Equal(after[2].Hash, before[2].Hash) {
		t.Fatalf("after reopening: %d entries (head %x), want 3 (head %x)", len(after), after[len(after)-1].Hash, before[2].Hash)
	}
	e, err := s.AppendAudit(ctx, warehouse.AuditEntry{Actor: "system", Action: "start"})
	if err != nil || e.Seq != 4 || !bytes.Equal(e.Prev, before[2].Hash) {
		t.Fatalf("the first entry after reopening: %+v, %v; want seq 4 after the old head", e, err)
	}
}

// TestConcurrentAudit: 20 standalone entries and 20 audited batches at
// once, with the locks and on badger's conflict check alone: one chain
// of 40.
func TestConcurrentAudit(t *testing.T) {
	modes(t, func(t *testing.T, s *embedded.Store) {
		ids := storetest.Citizens(t, s, 0, 3)
		const n = 20
		errs := make([]error, 2*n)
		run(2*n, func(i int) {
			e := warehouse.AuditEntry{Actor: fmt.Sprint("operator:", i), Action: "tick"}
			if i < n {
				_, errs[i] = s.AppendAudit(ctx, e)
				return
			}
			_, errs[i] = s.Append(ctx, warehouse.Batch{Agency: "vn.test", Audit: &e, Writes: []warehouse.Write{storetest.Write(ids[i%3], storetest.Record(i))}}, storetest.Check)
		})
		for i, err := range errs {
			if err != nil {
				t.Fatalf("writer %d: %v", i, err)
			}
		}
		log := storetest.AuditLog(t, s)
		if len(log) != 2*n {
			t.Fatalf("%d entries, want %d", len(log), 2*n)
		}
		if err := warehouse.VerifyAuditChain(nil, log); err != nil {
			t.Fatal(err)
		}
	})
}
