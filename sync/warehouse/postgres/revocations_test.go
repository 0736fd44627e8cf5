package postgres_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/storetest"
)

// TestRevocationsSeveralStores: three Stores (three pools, as three API
// processes would have) on one database put revocations at once while a
// counter follows the list with RevokedSince. Every seq up to the head it
// is given must be in what it reads: a page shorter than its limit
// brings it to the head, with no seq skipped and none seen twice. At the
// end it has seen every revocation stored, seqs 1..n.
func TestRevocationsSeveralStores(t *testing.T) {
	dsn := freshDSN(t)
	stores := []warehouse.Store{openDSN(t, dsn), openDSN(t, dsn), openDSN(t, dsn)}
	ids := storetest.Citizens(t, stores[0], 0, 6)
	now := time.Now().UTC()
	lim := warehouse.RevocationLimits{Live: 1000, PerHour: 1000}
	const per = 24 // calls per store, of 1 to 3 revocations each
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, len(stores)*per)
	stored := make(chan int, len(stores)*per)
	for k, s := range stores {
		for i := range per {
			wg.Go(func() {
				<-start
				c := ids[(k*per+i)%len(ids)]
				var rs []warehouse.Revocation
				for j := range 1 + i%3 {
					dev := fmt.Sprintf("d%d", (k*per+i)%len(ids))
					consent := fmt.Sprintf("c%d-%d-%d", k, i, j)
					rs = append(rs, warehouse.Revocation{ID: dev + "/" + consent, ConsentID: consent, CitizenID: c, Device: dev, Audience: "vn.a", Listed: true,
						GivenAt: now.Add(-time.Hour), RevokedAt: now, Expires: now.Add(time.Hour), Received: now})
				}
				n, err := s.PutRevocations(ctx, c, rs, lim, now)
				errs <- err
				stored <- n
			})
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	var seen int64 // the counter's cursor: it has every seq up to it
	const limit = 5
	follow := func() int {
		t.Helper()
		page, head, err := stores[2].RevokedSince(ctx, "vn.a", seen, now, limit)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			if r.Seq != seen+1 || r.Seq > head {
				t.Fatalf("after seq %d (head %d), RevokedSince returned seq %d", seen, head, r.Seq)
			}
			seen = r.Seq
		}
		if len(page) < limit && seen != head {
			t.Fatalf("a short page ended at seq %d, but the head is %d: seqs up to the head are missing", seen, head)
		}
		return len(page)
	}
	close(start)
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		follow()
	}
	close(errs)
	close(stored)
	total := 0
	for n := range stored {
		total += n
	}
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for follow() == limit {
	}
	if want := len(stores) * per * 2; total != want || seen != int64(total) { // 1+2+3 per three calls
		t.Fatalf("%d revocations stored (want %d), the counter saw seqs up to %d", total, want, seen)
	}
}

// TestRevocationsMigration: a database made before migration 0003, with
// revocations keyed by consent id alone, gets the new table on the next
// Open: the old rows are gone and the seqs start at 1.
func TestRevocationsMigration(t *testing.T) {
	dsn := freshDSN(t)
	s := openDSN(t, dsn)
	id := storetest.Citizens(t, s, 0, 1)[0]
	s.Close()
	conn := connect(t, dsn)
	_, err := conn.Exec(ctx, `DROP TABLE revocations, revocation_head; DELETE FROM schema_migrations WHERE version = 3;
		CREATE TABLE revocations (
			consent_id text COLLATE "C" PRIMARY KEY,
			citizen_id text COLLATE "C" NOT NULL,
			revoked_at timestamptz NOT NULL,
			received   timestamptz NOT NULL);
		CREATE INDEX revocations_revoked_at ON revocations (revoked_at);
		INSERT INTO revocations VALUES ('c1', '`+id+`', now(), now())`)
	if err != nil {
		t.Fatal(err)
	}
	s = openDSN(t, dsn)
	if _, err := s.Revocation(ctx, "c1"); err == nil {
		t.Fatal("an old revocation is still found")
	}
	now := time.Now()
	r := warehouse.Revocation{ID: "d1/c1", ConsentID: "c1", Device: "d1", Audience: "vn.a", Listed: true, GivenAt: now, RevokedAt: now, Expires: now.Add(time.Hour), Received: now}
	if n, err := s.PutRevocations(ctx, id, []warehouse.Revocation{r}, warehouse.RevocationLimits{Live: 1, PerHour: 1}, now); err != nil || n != 1 {
		t.Fatalf("PutRevocations after the upgrade: %d, %v", n, err)
	}
	if got, head, err := s.RevokedSince(ctx, "vn.a", 0, now, 10); err != nil || len(got) != 1 || got[0].Seq != 1 || head != 1 {
		t.Fatalf("RevokedSince after the upgrade: %+v, %d, %v", got, head, err)
	}
}

// TestStatusOrderMigration: a database made before migration 0005 keeps
// filling the list that has entries in order; the next list is in order.
func TestStatusOrderMigration(t *testing.T) {
	dsn := freshDSN(t)
	s := openDSN(t, dsn)
	storetest.StatusBeforeOrder(t, s, "vn.a")
	s.Close()
	conn := connect(t, dsn)
	if _, err := conn.Exec(ctx, `ALTER TABLE status_heads DROP COLUMN ordered_from; DELETE FROM schema_migrations WHERE version = 5`); err != nil {
		t.Fatal(err)
	}
	storetest.StatusAfterOrder(t, openDSN(t, dsn), "vn.a")
}
