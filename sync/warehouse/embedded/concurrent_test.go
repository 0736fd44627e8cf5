package embedded_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/embedded"
	"github.com/vnwallet/citizenwallet/sync/warehouse/storetest"
)

// modes runs fn with the in-process stripe locks on, and off: with them
// off, every rule rests on badger's conflict check and the retries alone.
func modes(t *testing.T, fn func(t *testing.T, s *embedded.Store)) {
	for _, locks := range []bool{true, false} {
		name := "locks"
		if !locks {
			name = "conflicts-only"
		}
		for _, disk := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/%s", name, map[bool]string{false: "memory", true: "disk"}[disk]), func(t *testing.T) {
				dir := ""
				if disk {
					dir = t.TempDir()
				}
				s := open(t, dir)
				embedded.SetLocks(s, locks)
				fn(t, s)
				t.Logf("%d transactions retried after a conflict", embedded.Retries(s))
			})
		}
	}
}

// run starts n goroutines running fn(i) together and waits for them.
func run(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}

// TestConcurrentAppendOneCitizen: 40 writers append to one citizen at
// once. Every item is stored, none errs, and the seqs are exactly 1..40.
func TestConcurrentAppendOneCitizen(t *testing.T) {
	modes(t, func(t *testing.T, s *embedded.Store) {
		a := storetest.Citizens(t, s, 0, 1)[0]
		const n = 40
		results := make([]warehouse.BatchResult, n)
		errs := make([]error, n)
		run(n, func(i int) {
			results[i], errs[i] = s.Append(ctx, warehouse.Batch{Agency: "vn.test", Writes: []warehouse.Write{storetest.Write(a, storetest.Record(i))}}, storetest.Check)
		})
		var seqs []int64
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("writer %d: %v", i, errs[i])
			}
			it := results[i].Items[0]
			if it.Err != nil || it.Duplicate {
				t.Fatalf("writer %d: %+v", i, it)
			}
			seqs = append(seqs, it.Entry.Seq)
		}
		slices.Sort(seqs)
		for i, q := range seqs {
			if q != int64(i+1) {
				t.Fatalf("seqs %v", seqs)
			}
		}
		es, head := storetest.Feed(t, s, a)
		storetest.Dense(t, es, head)
		if head != n {
			t.Fatalf("head %d", head)
		}
		for i := range n {
			e := es[results[i].Items[0].Entry.Seq-1]
			if e.Record.ID != storetest.Record(i).ID {
				t.Fatalf("seq %d holds %s, writer %d wrote %s", e.Seq, e.Record.ID, i, storetest.Record(i).ID)
			}
		}
	})
}

// TestConcurrentRedeem: of 20 concurrent redemptions of one single-use
// consent exactly one succeeds; 20 of 20 different consents all succeed
// with access seqs 1..20.
func TestConcurrentRedeem(t *testing.T) {
	modes(t, func(t *testing.T, s *embedded.Store) {
		ids := storetest.Citizens(t, s, 0, 2)
		const n = 20
		errs := make([]error, n)
		run(n, func(i int) {
			_, errs[i] = s.Redeem(ctx, ids[0], true, protocol.AccessEntry{ConsentID: "once", UsedAt: t0, Counter: protocol.Counter{Agency: fmt.Sprint("counter-", i)}})
		})
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, warehouse.ErrUsed):
				t.Fatalf("redeem %d: %v", i, err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d of %d redemptions of a single-use consent succeeded", ok, n)
		}
		log, more, err := s.AccessLog(ctx, ids[0], 0, 100)
		if err != nil || more || len(log) != 1 || log[0].Seq != 1 {
			t.Fatalf("access log: %+v %v %v", log, more, err)
		}

		got := make([]protocol.AccessEntry, n)
		run(n, func(i int) {
			got[i], errs[i] = s.Redeem(ctx, ids[1], true, protocol.AccessEntry{ConsentID: fmt.Sprint("c-", i), UsedAt: t0})
		})
		var seqs []int64
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("redeem %d: %v", i, errs[i])
			}
			seqs = append(seqs, got[i].Seq)
		}
		slices.Sort(seqs)
		for i, q := range seqs {
			if q != int64(i+1) {
				t.Fatalf("access seqs %v", seqs)
			}
		}
		log, more, err = s.AccessLog(ctx, ids[1], 0, 100)
		if err != nil || more || len(log) != n {
			t.Fatalf("access log: %d entries, more %v, %v", len(log), more, err)
		}
		bySeq := map[int64]string{}
		for _, g := range got {
			bySeq[g.Seq] = g.ConsentID
		}
		for i, e := range log {
			if e.Seq != int64(i+1) || e.ConsentID != bySeq[e.Seq] {
				t.Fatalf("log entry %d: %+v, the redemption with seq %d was of %s", i, e, e.Seq, bySeq[e.Seq])
			}
		}
		page, more, err := s.AccessLog(ctx, ids[1], 5, 10)
		if err != nil || !more || len(page) != 10 || page[0].Seq != 6 {
			t.Fatalf("page: %d %v %v", len(page), more, err)
		}
	})
}

// TestConcurrentEnrol: 20 devices enrol with one code at once: exactly
// one succeeds, the others get ErrBadCode.
func TestConcurrentEnrol(t *testing.T) {
	modes(t, func(t *testing.T, s *embedded.Store) {
		a := storetest.Citizens(t, s, 0, 1)[0]
		if err := s.PutCode(ctx, warehouse.Code{Hash: "code", CitizenID: a, Expires: t0.Add(15 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		const n = 20
		errs := make([]error, n)
		run(n, func(i int) {
			errs[i] = s.Enrol(ctx, "code", warehouse.Device{ID: fmt.Sprint("dev-", i), CitizenID: a, EnrolledAt: t0})
		})
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, warehouse.ErrBadCode):
				t.Fatalf("enrol %d: %v", i, err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d of %d enrolments with one code succeeded", ok, n)
		}
		if devs, err := s.Devices(ctx, a); err != nil || len(devs) != 1 {
			t.Fatalf("devices: %v %v", devs, err)
		}
	})
}

// TestConcurrentNonce: of 20 concurrent uses of one request id exactly
// one succeeds.
func TestConcurrentNonce(t *testing.T) {
	modes(t, func(t *testing.T, s *embedded.Store) {
		const n = 20
		errs := make([]error, n)
		now := time.Now()
		run(n, func(i int) { errs[i] = s.UseNonce(ctx, "dev", "jti", now.Add(time.Minute), now) })
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, warehouse.ErrReplay):
				t.Fatalf("use %d: %v", i, err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d of %d uses of one request id succeeded", ok, n)
		}
	})
}

// TestConcurrentCrossed: batches that each write to two of four
// citizens, in both orders, run at once; every citizen's feed is dense
// and holds every write once.
func TestConcurrentCrossed(t *testing.T) {
	modes(t, func(t *testing.T, s *embedded.Store) {
		ids := storetest.Citizens(t, s, 0, 4)
		const n = 24
		errs := make([]error, n)
		run(n, func(i int) {
			a, b := ids[i%4], ids[(i+1+i/4)%4]
			if a == b {
				b = ids[(i+2)%4]
			}
			if i%2 == 1 {
				a, b = b, a
			}
			var res warehouse.BatchResult
			res, errs[i] = s.Append(ctx, warehouse.Batch{Agency: "vn.test", Key: fmt.Sprint("k", i), BatchDigest: []byte{byte(i)}, Writes: []warehouse.Write{
				storetest.Write(a, storetest.Record(2*i)), storetest.Write(b, storetest.Record(2*i+1)),
			}}, storetest.Check)
			for _, it := range res.Items {
				if errs[i] == nil && it.Err != nil {
					errs[i] = it.Err
				}
			}
		})
		for i, err := range errs {
			if err != nil {
				t.Fatalf("batch %d: %v", i, err)
			}
		}
		total := int64(0)
		for _, id := range ids {
			es, head := storetest.Feed(t, s, id)
			storetest.Dense(t, es, head)
			total += head
		}
		if total != 2*n {
			t.Fatalf("%d entries stored, want %d", total, 2*n)
		}
	})
}

// TestConcurrentRevocations: batches of two revocations for three
// citizens whose limit is ten run at once, with writers of one shared
// revocation and a purge of expired ones. Exactly five batches of each
// citizen are stored, the shared one once, and the seqs are dense after
// those of the purged ones.
func TestConcurrentRevocations(t *testing.T) {
	modes(t, func(t *testing.T, s *embedded.Store) {
		ids := storetest.Citizens(t, s, 0, 4)
		day := t0.Add(24 * time.Hour)
		now := t0.Add(2 * time.Hour)
		var old []warehouse.Revocation
		for i := range 30 {
			old = append(old, revocation(ids[3], "e", fmt.Sprint("old", i), "vn.b", t0.Add(time.Hour)))
		}
		if n, err := s.PutRevocations(ctx, ids[3], old, revLimits, t0); err != nil || n != len(old) {
			t.Fatalf("put the old ones: %d %v", n, err)
		}
		lim := warehouse.RevocationLimits{Live: 10, PerHour: 100}
		const n, shared = 45, 8
		stored := make([]int, n+shared)
		errs := make([]error, n+shared+1)
		purged := 0
		run(n+shared+1, func(i int) {
			switch {
			case i < n:
				c := ids[i%3]
				rs := []warehouse.Revocation{revocation(c, "d", fmt.Sprint("a", i), "vn.a", day), revocation(c, "d", fmt.Sprint("b", i), "vn.a", day)}
				stored[i], errs[i] = s.PutRevocations(ctx, c, rs, lim, now)
			case i < n+shared:
				rs := []warehouse.Revocation{revocation(ids[3], "e", "shared", "vn.a", day)}
				stored[i], errs[i] = s.PutRevocations(ctx, ids[3], rs, lim, now)
			default:
				purged, errs[i] = s.PurgeExpired(ctx, now)
			}
		})
		perCitizen := map[string]int{}
		for i, err := range errs {
			switch {
			case err == nil:
			case i < n && errors.Is(err, warehouse.ErrTooMany):
			default:
				t.Fatalf("call %d: %v", i, err)
			}
			if i < n {
				perCitizen[ids[i%3]] += stored[i]
			} else if i < n+shared {
				perCitizen[ids[3]] += stored[i]
			}
		}
		for i, c := range ids[:3] {
			if perCitizen[c] != 10 {
				t.Errorf("citizen %d: %d revocations stored, want exactly its limit of 10", i, perCitizen[c])
			}
		}
		if perCitizen[ids[3]] != 1 {
			t.Errorf("the shared revocation was stored %d times", perCitizen[ids[3]])
		}
		if purged != len(old) {
			t.Errorf("purged %d, want %d", purged, len(old))
		}
		got, head, err := s.RevokedSince(ctx, "vn.a", 0, now, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(len(old) + 31); head != want || len(got) != 31 {
			t.Fatalf("RevokedSince: %d entries, head %d; want 31, head %d", len(got), head, want)
		}
		for i, r := range got {
			if r.Seq != int64(len(old)+i+1) {
				t.Fatalf("entry %d has seq %d: not dense", i, r.Seq)
			}
		}
		if rest, _, err := s.RevokedSince(ctx, "vn.b", 0, t0, 1000); err != nil || len(rest) != 0 {
			t.Fatalf("purged ones still listed: %d %v", len(rest), err)
		}
	})
}
