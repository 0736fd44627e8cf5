package storetest

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// Helpers for a store implementation's own tests and benchmarks, beside
// the suite (sync/warehouse/embedded, sync/warehouse/postgres).

// Citizens puts n sample citizens (from sample.Profile(first)) and
// returns their ids.
func Citizens(t testing.TB, s warehouse.Store, first, n int) []string {
	t.Helper()
	ps := make([]wallet.Profile, n)
	ids := make([]string, n)
	for i := range ps {
		ps[i] = sample.Profile(first + i)
		ids[i] = ps[i].CitizenID
	}
	if err := s.PutCitizens(ctx, ps); err != nil {
		t.Fatalf("PutCitizens: %v", err)
	}
	return ids
}

// Record is the i-th typical record: a sample of each registered type
// in turn, version 1, as an agency would send it.
func Record(i int) wallet.Record {
	types := wallet.Types()
	return sample.Record(types[i%len(types)], i)
}

// Digest stands for the digest the server makes of an operation.
func Digest(r wallet.Record) []byte {
	h := sha256.Sum256(fmt.Appendf(nil, "%s/%d/%v", r.ID, r.Version, r.Claims))
	return h[:]
}

// Write is r for citizen, with its Digest.
func Write(citizen string, r wallet.Record) warehouse.Write {
	return warehouse.Write{CitizenID: citizen, Record: r, Digest: Digest(r)}
}

// Check is the server's rule in small, as a CheckFunc: a version is
// filled when zero and must be above the stored one.
func Check(prev *wallet.Record, w *warehouse.Write) error {
	switch {
	case prev == nil && w.Record.Version == 0:
		w.Record.Version = 1
	case prev != nil && w.Record.Version == 0:
		w.Record.Version = prev.Version + 1
	case prev != nil && w.Record.Version <= prev.Version:
		return fmt.Errorf("%w: record %s is at version %d", wallet.ErrStaleVersion, w.Record.ID, prev.Version)
	}
	return nil
}

// Feed reads a citizen's whole feed, page by page.
func Feed(t testing.TB, s warehouse.Store, citizen string) ([]warehouse.Entry, int64) {
	t.Helper()
	var all []warehouse.Entry
	var head int64
	for after := int64(0); ; {
		page, h, err := s.Feed(ctx, citizen, after, 100)
		if err != nil {
			t.Fatalf("Feed: %v", err)
		}
		head = h
		all = append(all, page...)
		if len(page) == 0 {
			return all, head
		}
		after = page[len(page)-1].Seq
	}
}

// Dense fails unless the entries have seqs 1..head in order and no
// record version twice.
func Dense(t testing.TB, es []warehouse.Entry, head int64) {
	t.Helper()
	if int64(len(es)) != head {
		t.Fatalf("%d entries, head %d", len(es), head)
	}
	seen := map[string]bool{}
	for i, e := range es {
		if e.Seq != int64(i+1) {
			t.Fatalf("entry %d has seq %d", i, e.Seq)
		}
		k := fmt.Sprintf("%s/%d", e.Record.ID, e.Record.Version)
		if seen[k] {
			t.Fatalf("%s stored twice", k)
		}
		seen[k] = true
	}
}

// CountErrs counts nil errors and those matching target; it fails the
// test on any other.
func CountErrs(t testing.TB, errs []error, target error) (ok, matched int) {
	t.Helper()
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, target):
			matched++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	return ok, matched
}

// BenchAppend measures Append on s: batches of size new records over 100
// citizens, with the batch's audit entry when audit, from parallel
// goroutines when parallel.
func BenchAppend(b *testing.B, s warehouse.Store, size int, audit, parallel bool) {
	ids := Citizens(b, s, 0, 100)
	var next atomic.Int64
	batch := func() warehouse.Batch {
		bt := warehouse.Batch{Agency: "vn.test"}
		for range size {
			i := int(next.Add(1))
			r := Record(i)
			r.ID = fmt.Sprint("bench-", i)
			bt.Writes = append(bt.Writes, Write(ids[i%100], r))
		}
		if audit {
			bt.Audit = &warehouse.AuditEntry{Actor: "agency:vn.test", Action: "ingest", Subject: "vn.test", Details: json.RawMessage(`{"key":"k"}`)}
		}
		return bt
	}
	b.ReportAllocs()
	if parallel {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.Append(ctx, batch(), Check); err != nil {
					b.Error(err)
					return
				}
			}
		})
		return
	}
	for b.Loop() {
		if _, err := s.Append(ctx, batch(), Check); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchFeedPage measures reading a page of 100 entries from the middle
// of a citizen's feed of 200 records, as a sync with something new does.
func BenchFeedPage(b *testing.B, s warehouse.Store) {
	c := warehouse.CitizenRecords{Profile: sample.Profile(0)}
	for i := range 200 {
		r := Record(i)
		c.Writes = append(c.Writes, warehouse.Write{Record: r, Digest: Digest(r)})
	}
	if n, err := s.Load(ctx, []warehouse.CitizenRecords{c}); err != nil || n != 1 {
		b.Fatal(n, err)
	}
	id := c.Profile.CitizenID
	b.ReportAllocs()
	for b.Loop() {
		page, head, err := s.Feed(ctx, id, 50, 100)
		if err != nil || head != 200 || len(page) != 100 || page[0].Seq != 51 {
			b.Fatal(len(page), head, err)
		}
	}
}

// SomeAudit appends n audit entries at at (zero: the store's clock),
// every other one with an audited batch of one record.
func SomeAudit(t testing.TB, s warehouse.Store, n int, at time.Time) {
	t.Helper()
	id := Citizens(t, s, 0, 1)[0]
	for i := range n {
		e := warehouse.AuditEntry{At: at, Actor: "operator:lan", Action: "device-revoke", Subject: id, Details: json.RawMessage(fmt.Sprintf(`{"device":"d%d"}`, i))}
		if i%2 == 0 {
			if _, err := s.AppendAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
			continue
		}
		e.Actor, e.Action, e.Subject, e.Details = "agency:vn.test", "ingest", "vn.test", nil
		if _, err := s.Append(ctx, warehouse.Batch{Agency: "vn.test", Audit: &e, Writes: []warehouse.Write{Write(id, Record(i))}}, Check); err != nil {
			t.Fatal(err)
		}
	}
}

// AuditLog reads the first 1 000 entries of the audit log.
func AuditLog(t testing.TB, s warehouse.Store) []warehouse.AuditEntry {
	t.Helper()
	log, err := s.AuditLog(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return log
}

// ChainBrokenAt fails unless err says the audit chain breaks at seq.
func ChainBrokenAt(t testing.TB, what string, err error, seq int64) {
	t.Helper()
	var ce *warehouse.AuditChainError
	if !errors.As(err, &ce) || ce.Seq != seq {
		t.Errorf("%s: %v, want the chain broken at seq %d", what, err, seq)
	}
}
