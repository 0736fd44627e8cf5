package postgres_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/postgres"
	"github.com/vnwallet/citizenwallet/sync/warehouse/postgres/pgtest"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
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

// citizens puts n sample citizens (from sample.Profile(first)) and
// returns their ids.
func citizens(t testing.TB, s warehouse.Store, first, n int) []string {
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

// record is the i-th typical record: a sample of each registered type
// in turn, version 1, as an agency would send it.
func record(i int) wallet.Record {
	types := wallet.Types()
	return sample.Record(types[i%len(types)], i)
}

func digest(r wallet.Record) []byte {
	h := sha256.Sum256(fmt.Appendf(nil, "%s/%d/%v", r.ID, r.Version, r.Claims))
	return h[:]
}

func write(citizen string, r wallet.Record) warehouse.Write {
	return warehouse.Write{CitizenID: citizen, Record: r, Digest: digest(r)}
}

// check is the server's rule in small: a version is filled when zero and
// must be above the stored one.
func check(prev *wallet.Record, w *warehouse.Write) error {
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

// feed reads a citizen's whole feed, page by page.
func feed(t testing.TB, s warehouse.Store, citizen string) ([]warehouse.Entry, int64) {
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

// dense fails unless the entries have seqs 1..head in order and no record
// version twice.
func dense(t testing.TB, es []warehouse.Entry, head int64) {
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

// start releases the goroutines waiting on it at once.
type start chan struct{}

func (s start) wait() { <-s }

// countErrs counts nil errors and those matching target; it fails the
// test on any other.
func countErrs(t *testing.T, errs []error, target error) (ok, matched int) {
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
