package postgres_test

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/postgres"
	"github.com/vnwallet/citizenwallet/sync/warehouse/storetest"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// TestConformance runs the warehouse store suite, each test on a fresh
// database.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) warehouse.Store { return open(t) })
}

type applied struct {
	version int
	at      time.Time
}

func migrationsApplied(t *testing.T, dsn string) []applied {
	t.Helper()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT version, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	var out []applied
	var a applied
	if _, err := pgx.ForEachRow(rows, []any{&a.version, &a.at}, func() error { out = append(out, a); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func migrationFiles(t *testing.T) int {
	t.Helper()
	files, err := fs.Glob(os.DirFS("migrations"), "*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations: %v", err)
	}
	return len(files)
}

// TestMigrationsOnce opens one database twice, one Open after the other,
// then another one from several goroutines at once: each migration is
// applied once, and a later Open applies nothing.
func TestMigrationsOnce(t *testing.T) {
	n := migrationFiles(t)
	t.Run("sequential", func(t *testing.T) {
		dsn := freshDSN(t)
		s := openDSN(t, dsn)
		s.Close()
		first := migrationsApplied(t, dsn)
		if len(first) != n || first[0].version != 1 {
			t.Fatalf("after one Open: %v, want %d migrations", first, n)
		}
		s = openDSN(t, dsn)
		if err := s.PutMeta(ctx, "m", []byte("v")); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if again := migrationsApplied(t, dsn); !slices.EqualFunc(first, again, func(a, b applied) bool { return a.version == b.version && a.at.Equal(b.at) }) {
			t.Fatalf("the second Open changed schema_migrations: %v, then %v", first, again)
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		dsn := freshDSN(t)
		const opens = 6
		errs := make([]error, opens)
		go1 := make(start)
		var wg sync.WaitGroup
		for i := range opens {
			wg.Go(func() {
				go1.wait()
				s, err := postgres.Open(ctx, dsn)
				if err == nil {
					err = s.PutMeta(ctx, fmt.Sprint("m", i), []byte("v"))
					s.Close()
				}
				errs[i] = err
			})
		}
		close(go1)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("concurrent Open: %v", err)
			}
		}
		if got := migrationsApplied(t, dsn); len(got) != n {
			t.Fatalf("after %d concurrent Opens: %v, want %d migrations", opens, got, n)
		}
	})
}

// TestAppendConcurrent appends 40 records to one citizen from 40
// goroutines, one batch each: seqs 1..40 exactly, every item stored.
func TestAppendConcurrent(t *testing.T) {
	s := open(t)
	id := storetest.Citizens(t, s, 0, 1)[0]
	const n = 40
	res := make([]warehouse.BatchResult, n)
	errs := make([]error, n)
	go1 := make(start)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := storetest.Record(i)
			r.ID = fmt.Sprint("conc-", i)
			go1.wait()
			res[i], errs[i] = s.Append(ctx, warehouse.Batch{Agency: "vn.test", Writes: []warehouse.Write{storetest.Write(id, r)}}, storetest.Check)
		})
	}
	close(go1)
	wg.Wait()
	seqs := map[int64]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("append %d: %v", i, errs[i])
		}
		it := res[i].Items[0]
		if it.Err != nil || it.Duplicate || it.Entry.Seq < 1 || it.Entry.Seq > n || seqs[it.Entry.Seq] {
			t.Fatalf("append %d: %+v", i, it)
		}
		seqs[it.Entry.Seq] = true
	}
	es, head := storetest.Feed(t, s, id)
	storetest.Dense(t, es, head)
	if head != n {
		t.Fatalf("head %d, want %d", head, n)
	}
	for _, e := range es {
		var i int
		if _, err := fmt.Sscanf(e.Record.ID, "conc-%d", &i); err != nil || res[i].Items[0].Entry.Seq != e.Seq {
			t.Fatalf("entry %d is %s, not what its Append returned", e.Seq, e.Record.ID)
		}
	}
}

// TestAppendConcurrentVersions appends new versions of one record from
// 20 goroutines, check filling the version from the latest: each sees
// the one before it, so the versions are 1..20, in seq order.
func TestAppendConcurrentVersions(t *testing.T) {
	s := open(t)
	id := storetest.Citizens(t, s, 0, 1)[0]
	const n = 20
	errs := make([]error, n)
	go1 := make(start)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := storetest.Record(0)
			r.Version = 0
			r.Claims = wallet.Claims{}
			for k, v := range storetest.Record(0).Claims {
				r.Claims[k] = v
			}
			go1.wait()
			res, err := s.Append(ctx, warehouse.Batch{Agency: "vn.test", Writes: []warehouse.Write{{CitizenID: id, Record: r, Digest: []byte(fmt.Sprint(i))}}}, storetest.Check)
			if err == nil && res.Items[0].Err != nil {
				err = res.Items[0].Err
			}
			errs[i] = err
		})
	}
	close(go1)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	es, head := storetest.Feed(t, s, id)
	storetest.Dense(t, es, head)
	for i, e := range es {
		if e.Record.Version != i+1 {
			t.Fatalf("entry %d is version %d", e.Seq, e.Record.Version)
		}
	}
	latest, err := s.Latest(ctx, id)
	if err != nil || len(latest) != 1 || latest[0].Version != n {
		t.Fatalf("Latest: %v %v", latest, err)
	}
}

// TestAppendNoDeadlock runs batches that write to the same few citizens
// in shuffled orders: Append locks citizens in id order, so none fails,
// and every feed stays dense.
func TestAppendNoDeadlock(t *testing.T) {
	s := open(t)
	ids := storetest.Citizens(t, s, 0, 5)
	const workers, batches = 8, 15
	errs := make([]error, workers)
	go1 := make(start)
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			go1.wait()
			for b := range batches {
				order := slices.Clone(ids)
				rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
				var ws []warehouse.Write
				for k, c := range order {
					r := storetest.Record(k)
					r.ID = fmt.Sprintf("w%d-b%d-%d", g, b, k)
					ws = append(ws, storetest.Write(c, r))
				}
				res, err := s.Append(ctx, warehouse.Batch{Agency: "vn.test", Writes: ws}, storetest.Check)
				if err == nil {
					for _, it := range res.Items {
						if it.Err != nil {
							err = it.Err
						}
					}
				}
				if err != nil {
					errs[g] = err
					return
				}
			}
		})
	}
	close(go1)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range ids {
		es, head := storetest.Feed(t, s, c)
		storetest.Dense(t, es, head)
		if head != workers*batches {
			t.Fatalf("%s: head %d, want %d", c, head, workers*batches)
		}
	}
}

// TestAppendReplayErrors stores a batch whose items meet every rule, then
// replays it: the same entries, and errors with the same text that match
// the same sentinels.
func TestAppendReplayErrors(t *testing.T) {
	s := open(t)
	id := storetest.Citizens(t, s, 0, 1)[0]
	r1, r2, x := storetest.Record(1), storetest.Record(2), storetest.Record(3)
	if res, err := s.Append(ctx, warehouse.Batch{Agency: "vn.test", Writes: []warehouse.Write{storetest.Write(id, r1)}}, storetest.Check); err != nil || res.Items[0].Err != nil {
		t.Fatal(err, res)
	}
	other := storetest.Write(id, r1)
	other.Digest = []byte("other")
	refused := storetest.Record(4)
	refused.ID = "refused"
	r2next := storetest.Write(id, r2)
	r2next.Record.Version, r2next.Digest = 0, []byte("r2 next")
	x.Version = 3
	xstale := storetest.Write(id, x)
	xstale.Record.Version, xstale.Digest = 2, []byte("x stale")
	b := warehouse.Batch{Agency: "vn.test", Key: "k1", BatchDigest: []byte("d1"), Writes: []warehouse.Write{
		storetest.Write(id, r2),                              // 0: stored
		storetest.Write("000000000000", storetest.Record(5)), // 1: unknown citizen
		other,                        // 2: conflict
		storetest.Write(id, r1),      // 3: duplicate
		storetest.Write(id, refused), // 4: refused by check
		storetest.Write(id, r2),      // 5: duplicate of item 0
		r2next,                       // 6: version 2 of item 0's record
		storetest.Write(id, x),       // 7: version 3 of x
		xstale,                       // 8: version 2 of x: stale
	}}
	check2 := func(prev *wallet.Record, w *warehouse.Write) error {
		if w.Record.ID == "refused" {
			return fmt.Errorf("%w: refused for the test", wallet.ErrInvalid)
		}
		return storetest.Check(prev, w)
	}
	want := []struct {
		seq     int64
		version int
		dup     bool
		err     error
	}{
		{2, 1, false, nil},
		{0, 0, false, warehouse.ErrUnknownCitizen},
		{0, 0, false, warehouse.ErrConflict},
		{1, 1, true, nil},
		{0, 0, false, wallet.ErrInvalid},
		{2, 1, true, nil},
		{3, 2, false, nil},
		{4, 3, false, nil},
		{0, 0, false, wallet.ErrStaleVersion},
	}
	first, err := s.Append(ctx, b, check2)
	if err != nil || first.Replayed {
		t.Fatal(err, first.Replayed)
	}
	again, err := s.Append(ctx, b, check2)
	if err != nil || !again.Replayed {
		t.Fatal(err, again.Replayed)
	}
	all := []error{warehouse.ErrUnknownCitizen, warehouse.ErrConflict, wallet.ErrInvalid, wallet.ErrStaleVersion}
	for _, res := range []warehouse.BatchResult{first, again} {
		if len(res.Items) != len(want) {
			t.Fatalf("%d items", len(res.Items))
		}
		for i, w := range want {
			it := res.Items[i]
			if it.Entry.Seq != w.seq || it.Entry.Record.Version != w.version || it.Duplicate != w.dup || (it.Err == nil) != (w.err == nil) {
				t.Fatalf("item %d (replayed %v): %+v, want %+v", i, res.Replayed, it, w)
			}
			for _, e := range all {
				if errors.Is(it.Err, e) != (e == w.err) {
					t.Fatalf("item %d (replayed %v): errors.Is(%v, %v) is %v", i, res.Replayed, it.Err, e, !(e == w.err))
				}
			}
			if w.seq > 0 && it.Entry.Record.ID != b.Writes[i].Record.ID {
				t.Fatalf("item %d: entry %+v", i, it.Entry)
			}
		}
	}
	for i := range want {
		f, g := first.Items[i], again.Items[i]
		if f.Err != nil && f.Err.Error() != g.Err.Error() {
			t.Fatalf("item %d: %q replayed as %q", i, f.Err, g.Err)
		}
	}
	es, head := storetest.Feed(t, s, id)
	storetest.Dense(t, es, head)
	if head != 4 {
		t.Fatalf("head %d", head)
	}

	// The same key with another batch digest is a conflict, and writes nothing.
	b.BatchDigest = []byte("another")
	if _, err := s.Append(ctx, b, check2); !errors.Is(err, warehouse.ErrConflict) {
		t.Fatalf("another digest: %v", err)
	}
	if _, h, _ := s.Feed(ctx, id, 0, 0); h != head {
		t.Fatalf("head moved from %d to %d", head, h)
	}
}

// TestAppendCheckFillsStoredVersion: a check that fills in a version
// stored already (before, or earlier in the batch) makes a conflict.
func TestAppendCheckFillsStoredVersion(t *testing.T) {
	s := open(t)
	id := storetest.Citizens(t, s, 0, 1)[0]
	r1 := storetest.Record(1)
	r1.Version = 3
	if res, err := s.Append(ctx, warehouse.Batch{Agency: "vn.test", Writes: []warehouse.Write{storetest.Write(id, r1)}}, nil); err != nil || res.Items[0].Err != nil {
		t.Fatal(err, res)
	}
	one := func(_ *wallet.Record, w *warehouse.Write) error { w.Record.Version = 1; return nil }
	three := func(_ *wallet.Record, w *warehouse.Write) error { w.Record.Version = 3; return nil }
	unset := func(r wallet.Record, d string) warehouse.Write {
		r.Version = 0
		return warehouse.Write{CitizenID: id, Record: r, Digest: []byte(d)}
	}
	res, err := s.Append(ctx, warehouse.Batch{Agency: "vn.test", Writes: []warehouse.Write{unset(r1, "a")}}, three)
	if err != nil || !errors.Is(res.Items[0].Err, warehouse.ErrConflict) {
		t.Fatalf("version 3 filled in again: %v %+v", err, res)
	}
	res, err = s.Append(ctx, warehouse.Batch{Agency: "vn.test", Writes: []warehouse.Write{unset(r1, "b")}}, one)
	if err != nil || res.Items[0].Err != nil || res.Items[0].Entry.Seq != 2 {
		t.Fatalf("version 1, below the latest but not stored: %v %+v", err, res)
	}
	r2 := storetest.Record(2)
	res, err = s.Append(ctx, warehouse.Batch{Agency: "vn.test", Writes: []warehouse.Write{unset(r2, "c"), unset(r2, "d")}}, one)
	if err != nil || res.Items[0].Err != nil || !errors.Is(res.Items[1].Err, warehouse.ErrConflict) {
		t.Fatalf("version 1 filled in twice in a batch: %v %+v", err, res)
	}
	res, err = s.Append(ctx, warehouse.Batch{Agency: "vn.test", Writes: []warehouse.Write{unset(r2, "e")}}, func(_ *wallet.Record, w *warehouse.Write) error {
		w.Record.ID += "-changed"
		return nil
	})
	if err != nil || !errors.Is(res.Items[0].Err, wallet.ErrInvalid) {
		t.Fatalf("check changed the record id: %v %+v", err, res)
	}
}

// TestAppendKeyConcurrent sends one batch with one key from 10
// goroutines: one stores it, the others get its results, replayed.
func TestAppendKeyConcurrent(t *testing.T) {
	s := open(t)
	id := storetest.Citizens(t, s, 0, 1)[0]
	b := warehouse.Batch{Agency: "vn.test", Key: "once", BatchDigest: []byte("d")}
	for i := range 5 {
		r := storetest.Record(i)
		r.ID = fmt.Sprint("once-", i)
		b.Writes = append(b.Writes, storetest.Write(id, r))
	}
	const n = 10
	res := make([]warehouse.BatchResult, n)
	errs := make([]error, n)
	go1 := make(start)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			go1.wait()
			res[i], errs[i] = s.Append(ctx, b, storetest.Check)
		})
	}
	close(go1)
	wg.Wait()
	fresh := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !res[i].Replayed {
			fresh++
		}
		for k, it := range res[i].Items {
			if it.Err != nil || it.Entry.Seq != int64(k+1) {
				t.Fatalf("call %d item %d: %+v", i, k, it)
			}
		}
	}
	if fresh != 1 {
		t.Fatalf("%d calls stored the batch", fresh)
	}
	es, head := storetest.Feed(t, s, id)
	storetest.Dense(t, es, head)
	if head != 5 {
		t.Fatalf("head %d", head)
	}
}

// loadOf is citizen i of the sample province with n records.
func loadOf(i, n int) warehouse.CitizenRecords {
	c := warehouse.CitizenRecords{Profile: sample.Profile(i)}
	for k := range n {
		r := storetest.Record(k)
		r.ID = fmt.Sprintf("load-%d", k)
		c.Writes = append(c.Writes, warehouse.Write{Record: r, Digest: storetest.Digest(r)})
	}
	return c
}

// TestLoadRerun loads citizens, then loads them again with a new one and
// one that was put without records: only those two are stored.
func TestLoadRerun(t *testing.T) {
	s := open(t)
	first := []warehouse.CitizenRecords{loadOf(0, 3), loadOf(1, 5), loadOf(2, 0)}
	if n, err := s.Load(ctx, first); err != nil || n != 3 {
		t.Fatalf("Load: %d %v", n, err)
	}
	a := first[0].Profile.CitizenID
	if res, err := s.Append(ctx, warehouse.Batch{Agency: "vn.test", Writes: []warehouse.Write{storetest.Write(a, storetest.Record(9))}}, storetest.Check); err != nil || res.Items[0].Entry.Seq != 4 {
		t.Fatalf("Append after Load: %v %+v", err, res)
	}
	put := sample.Profile(3)
	if err := s.PutCitizens(ctx, []wallet.Profile{put}); err != nil {
		t.Fatal(err)
	}
	renamed := loadOf(0, 7)
	renamed.Profile.FullName = "Không Được Đổi"
	second := []warehouse.CitizenRecords{renamed, loadOf(1, 5), loadOf(2, 2), loadOf(3, 4), loadOf(4, 1)}
	n, err := s.Load(ctx, second)
	if err != nil || n != 3 { // citizens 2 (no records before), 3 (put) and 4 (new)
		t.Fatalf("second Load: %d %v", n, err)
	}
	p, head, err := s.Citizen(ctx, a)
	if err != nil || head != 4 || p.FullName != first[0].Profile.FullName {
		t.Fatalf("a loaded citizen changed: %+v %d %v", p, head, err)
	}
	for _, c := range []struct {
		i    int
		want int64
	}{{1, 5}, {2, 2}, {3, 4}, {4, 1}} {
		id := sample.Profile(c.i).CitizenID
		es, head := storetest.Feed(t, s, id)
		storetest.Dense(t, es, head)
		if head != c.want {
			t.Fatalf("citizen %d: head %d, want %d", c.i, head, c.want)
		}
		for k, e := range es {
			if e.Record.ID != fmt.Sprintf("load-%d", k) {
				t.Fatalf("citizen %d: entry %d is %s", c.i, e.Seq, e.Record.ID)
			}
		}
	}
	// Duplicates are found by (record, version) after a Load too.
	res, err := s.Append(ctx, warehouse.Batch{Agency: "vn.test", Writes: []warehouse.Write{{CitizenID: sample.Profile(3).CitizenID, Record: second[3].Writes[1].Record, Digest: second[3].Writes[1].Digest}}}, storetest.Check)
	if err != nil || !res.Items[0].Duplicate || res.Items[0].Entry.Seq != 2 {
		t.Fatalf("duplicate of a loaded record: %v %+v", err, res.Items[0])
	}
	if n, err := s.Load(ctx, second); err != nil || n != 0 {
		t.Fatalf("third Load: %d %v", n, err)
	}
}

// TestEnrolConcurrent enrols 20 devices with one code at once: exactly
// one succeeds. A key enrolled for another citizen does not spend the
// code.
func TestEnrolConcurrent(t *testing.T) {
	s := open(t)
	ids := storetest.Citizens(t, s, 0, 2)
	now := time.Now()
	if err := s.PutCode(ctx, warehouse.Code{Hash: "h1", CitizenID: ids[0], Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	const n = 20
	errs := make([]error, n)
	go1 := make(start)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			go1.wait()
			errs[i] = s.Enrol(ctx, "h1", warehouse.Device{ID: fmt.Sprint("dev-", i), CitizenID: ids[0], Key: []byte(`{"kty":"OKP"}`), EnrolledAt: now})
		})
	}
	close(go1)
	wg.Wait()
	if ok, bad := storetest.CountErrs(t, errs, warehouse.ErrBadCode); ok != 1 || bad != n-1 {
		t.Fatalf("%d enrolled, %d bad codes", ok, bad)
	}
	ds, err := s.Devices(ctx, ids[0])
	if err != nil || len(ds) != 1 {
		t.Fatalf("Devices: %v %v", ds, err)
	}

	if err := s.PutCode(ctx, warehouse.Code{Hash: "h2", CitizenID: ids[1], Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	taken := ds[0]
	taken.CitizenID = ids[1]
	if err := s.Enrol(ctx, "h2", taken); !errors.Is(err, warehouse.ErrKeyInUse) {
		t.Fatalf("another citizen's key: %v", err)
	}
	if err := s.Enrol(ctx, "h2", warehouse.Device{ID: "dev-b", CitizenID: ids[1], EnrolledAt: now}); err != nil {
		t.Fatalf("the code was spent by the refused Enrol: %v", err)
	}
	if err := s.Enrol(ctx, "h2", warehouse.Device{ID: "dev-c", CitizenID: ids[1], EnrolledAt: now}); !errors.Is(err, warehouse.ErrBadCode) {
		t.Fatalf("a used code: %v", err)
	}
}

// TestUseNonceConcurrent records one request id from 20 goroutines at
// once: exactly one succeeds until it expires.
func TestUseNonceConcurrent(t *testing.T) {
	s := open(t)
	now := time.Now()
	const n = 20
	errs := make([]error, n)
	go1 := make(start)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			go1.wait()
			errs[i] = s.UseNonce(ctx, "device-1", "jti-1", now.Add(time.Minute), now)
		})
	}
	close(go1)
	wg.Wait()
	if ok, replays := storetest.CountErrs(t, errs, warehouse.ErrReplay); ok != 1 || replays != n-1 {
		t.Fatalf("%d recorded, %d replays", ok, replays)
	}
	if err := s.UseNonce(ctx, "device-2", "jti-1", now.Add(time.Minute), now); err != nil {
		t.Fatalf("another client: %v", err)
	}
	later := now.Add(time.Minute)
	if err := s.UseNonce(ctx, "device-1", "jti-1", later.Add(time.Minute), later); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if err := s.UseNonce(ctx, "device-1", "jti-1", later.Add(time.Minute), later); !errors.Is(err, warehouse.ErrReplay) {
		t.Fatalf("replay of the renewed id: %v", err)
	}
	// Expired at now is not recorded at all.
	if err := s.UseNonce(ctx, "device-3", "jti", now, now); err != nil {
		t.Fatal(err)
	}
	if err := s.UseNonce(ctx, "device-3", "jti", now, now); err != nil {
		t.Fatalf("an id expired at now: %v", err)
	}
	if n, err := s.PurgeExpired(ctx, later.Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("PurgeExpired at the renewed expiry: %d %v", n, err)
	}
	if n, err := s.PurgeExpired(ctx, later.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("PurgeExpired: %d %v", n, err)
	}
}

// TestRedeemConcurrent redeems one single-use consent from 20 goroutines
// at once (exactly one succeeds) and 20 reusable ones: the access log's
// seqs are 1..21.
func TestRedeemConcurrent(t *testing.T) {
	s := open(t)
	id := storetest.Citizens(t, s, 0, 1)[0]
	now := time.Now().UTC()
	const n = 20
	errs := make([]error, 2*n)
	go1 := make(start)
	var wg sync.WaitGroup
	for i := range 2 * n {
		wg.Go(func() {
			single := i < n
			e := protocol.AccessEntry{ConsentID: "once", UsedAt: now, Counter: protocol.Counter{Agency: "vn.test", CounterID: fmt.Sprint(i)}, Fields: []string{"full_name"}}
			if !single {
				e.ConsentID = fmt.Sprint("many-", i)
			}
			go1.wait()
			_, errs[i] = s.Redeem(ctx, id, single, e)
		})
	}
	close(go1)
	wg.Wait()
	if ok, used := storetest.CountErrs(t, errs[:n], warehouse.ErrUsed); ok != 1 || used != n-1 {
		t.Fatalf("single use: %d redeemed, %d used", ok, used)
	}
	if ok, _ := storetest.CountErrs(t, errs[n:], warehouse.ErrUsed); ok != n {
		t.Fatalf("reusable: %d of %d redeemed", ok, n)
	}
	var all []protocol.AccessEntry
	for after := int64(0); ; {
		page, more, err := s.AccessLog(ctx, id, after, 6)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if !more {
			break
		}
		after = page[len(page)-1].Seq
	}
	if len(all) != n+1 {
		t.Fatalf("%d access entries, want %d", len(all), n+1)
	}
	for i, e := range all {
		if e.Seq != int64(i+1) || !e.UsedAt.Equal(now) {
			t.Fatalf("entry %d: %+v", i, e)
		}
	}
	if _, err := s.Redeem(ctx, "000000000000", false, protocol.AccessEntry{ConsentID: "x"}); !errors.Is(err, warehouse.ErrUnknownCitizen) {
		t.Fatalf("unknown citizen: %v", err)
	}
}

// TestTimes: timestamptz keeps microseconds; times come back in UTC.
func TestTimes(t *testing.T) {
	s := open(t)
	id := storetest.Citizens(t, s, 0, 1)[0]
	at := time.Date(2026, 3, 4, 5, 6, 7, 891234567, time.FixedZone("ICT", 7*3600))
	if err := s.PutCode(ctx, warehouse.Code{Hash: "h", CitizenID: id, Expires: at.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCode(ctx, warehouse.Code{Hash: "h", CitizenID: id, Expires: at.Add(time.Hour)}); err != nil {
		t.Fatalf("the same code again: %v", err)
	}
	if err := s.PutCode(ctx, warehouse.Code{Hash: "h", CitizenID: id, Expires: at.Add(2 * time.Hour)}); !errors.Is(err, warehouse.ErrConflict) {
		t.Fatalf("another code under one hash: %v", err)
	}
	if err := s.Enrol(ctx, "h", warehouse.Device{ID: "d", CitizenID: id, EnrolledAt: at}); err != nil {
		t.Fatal(err)
	}
	d, err := s.RevokeDevice(ctx, id, "d", at.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if d.EnrolledAt.Location() != time.UTC || !d.EnrolledAt.Equal(at.Truncate(time.Microsecond)) || !d.RevokedAt.Equal(at.Add(time.Minute).Truncate(time.Microsecond)) {
		t.Fatalf("device times: %v, %v", d.EnrolledAt, d.RevokedAt)
	}
	if d.Key != nil {
		t.Fatalf("no key came back as %q", d.Key)
	}
	lim := warehouse.RevocationLimits{Live: 10, PerHour: 10}
	in := warehouse.Revocation{ID: "r", ConsentID: "c", Device: "d", Audience: "vn.a", Listed: true,
		GivenAt: at, RevokedAt: at.Add(time.Second), Expires: at.Add(time.Hour), Received: at.Add(2 * time.Second)}
	if n, err := s.PutRevocations(ctx, id, []warehouse.Revocation{in}, lim, at); err != nil || n != 1 {
		t.Fatal(n, err)
	}
	rv, err := s.Revocation(ctx, "r")
	us := func(t time.Time) time.Time { return t.Truncate(time.Microsecond) }
	if err != nil || rv.CitizenID != id || rv.Seq != 1 || !rv.GivenAt.Equal(us(in.GivenAt)) || !rv.RevokedAt.Equal(us(in.RevokedAt)) ||
		!rv.Expires.Equal(us(in.Expires)) || !rv.Received.Equal(us(in.Received)) ||
		rv.GivenAt.Location() != time.UTC || rv.RevokedAt.Location() != time.UTC || rv.Expires.Location() != time.UTC || rv.Received.Location() != time.UTC {
		t.Fatalf("revocation: %+v %v", rv, err)
	}
	// Unexpired until its truncated expiry.
	if rs, _, err := s.RevokedSince(ctx, "vn.a", 0, us(in.Expires).Add(-time.Microsecond), 10); err != nil || len(rs) != 1 || rs[0].Expires.Location() != time.UTC {
		t.Fatalf("RevokedSince before the expiry: %+v %v", rs, err)
	}
	if rs, head, err := s.RevokedSince(ctx, "vn.a", 0, us(in.Expires), 10); err != nil || len(rs) != 0 || head != 1 {
		t.Fatalf("RevokedSince at the expiry: %+v %d %v", rs, head, err)
	}
}

// TestUnstorable: ids PostgreSQL cannot hold (NUL, not UTF-8) are not
// found, or refused as invalid, never a failure of the store.
func TestUnstorable(t *testing.T) {
	s := open(t)
	id := storetest.Citizens(t, s, 0, 1)[0]
	bad := "a\x00b"
	if _, err := s.Device(ctx, bad); !errors.Is(err, warehouse.ErrNotFound) {
		t.Fatal(err)
	}
	if _, _, err := s.Feed(ctx, "\xff", 0, 10); !errors.Is(err, warehouse.ErrUnknownCitizen) {
		t.Fatal(err)
	}
	if err := s.PutMeta(ctx, bad, nil); !errors.Is(err, wallet.ErrInvalid) {
		t.Fatal(err)
	}
	if err := s.UseNonce(ctx, "c", bad, time.Now().Add(time.Minute), time.Now()); !errors.Is(err, wallet.ErrInvalid) {
		t.Fatal(err)
	}
	r := storetest.Record(0)
	r.ID = bad
	res, err := s.Append(ctx, warehouse.Batch{Agency: "vn.test", Writes: []warehouse.Write{storetest.Write(id, r), storetest.Write(id, storetest.Record(1))}}, storetest.Check)
	if err != nil || !errors.Is(res.Items[0].Err, wallet.ErrInvalid) || res.Items[1].Entry.Seq != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	r = storetest.Record(3)
	r.Version = 1 << 40 // the column is an integer
	res, err = s.Append(ctx, warehouse.Batch{Agency: "vn.test", Writes: []warehouse.Write{storetest.Write(id, r)}}, storetest.Check)
	if err != nil || !errors.Is(res.Items[0].Err, wallet.ErrInvalid) {
		t.Fatalf("version 1<<40: %v %+v", err, res)
	}
	r = storetest.Record(2)
	r.Claims = wallet.Claims{"x": "a\x00b"} // jsonb holds no \u0000
	if _, err := s.Append(ctx, warehouse.Batch{Agency: "vn.test", Writes: []warehouse.Write{storetest.Write(id, r)}}, storetest.Check); !errors.Is(err, wallet.ErrInvalid) {
		t.Fatalf("NUL in a claim: %v", err)
	}
	if v, err := s.Meta(ctx, "never"); !errors.Is(err, warehouse.ErrNotFound) || v != nil {
		t.Fatal(v, err)
	}
	lim := warehouse.RevocationLimits{Live: 10, PerHour: 10}
	now := time.Now()
	for _, rv := range []warehouse.Revocation{
		{ID: bad, ConsentID: "c"},
		{ID: "r", ConsentID: "c", Audience: "\xff"},
		{ID: "r", ConsentID: "c", Device: bad},
		{ID: "r", ConsentID: ""},
		{ID: "r", ConsentID: "c", CitizenID: "another"},
	} {
		rv.Expires = now.Add(time.Hour)
		if n, err := s.PutRevocations(ctx, id, []warehouse.Revocation{rv}, lim, now); !errors.Is(err, wallet.ErrInvalid) || n != 0 {
			t.Fatalf("PutRevocations(%+v): %d, %v", rv, n, err)
		}
	}
	if _, err := s.Revocation(ctx, bad); !errors.Is(err, warehouse.ErrNotFound) {
		t.Fatal(err)
	}
	if rs, head, err := s.RevokedSince(ctx, bad, 0, now, 10); err != nil || len(rs) != 0 || head != 0 {
		t.Fatal(rs, head, err)
	}
}
