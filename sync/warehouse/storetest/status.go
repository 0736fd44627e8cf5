package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/wallet"
)

// StatusTests are the status-list cases of the suite; Run includes them.
var StatusTests = []struct {
	Name string
	Fn   func(t *testing.T, s warehouse.Store)
}{
	{"StatusAllocate", testStatusAllocate},
	{"StatusInvalidatedByAppend", testStatusAppend},
	{"StatusTokens", testStatusTokens},
	{"StatusConcurrentAllocate", testStatusConcurrentAllocate},
	{"StatusConcurrentWithdraw", testStatusConcurrentWithdraw},
}

func invalidSet(t *testing.T, s warehouse.Store, agency string, list int) (map[int]bool, int64) {
	t.Helper()
	snap, err := s.StatusSnapshot(ctx, agency, list)
	if err != nil {
		t.Fatalf("StatusSnapshot(%s, %d): %v", agency, list, err)
	}
	m := map[int]bool{}
	for _, i := range snap.Invalid {
		if m[i] {
			t.Fatalf("entry %d listed twice in the snapshot", i)
		}
		m[i] = true
	}
	return m, snap.Changed
}

// testStatusAllocate: entries are given in order per agency, roll over
// to the next list at capacity, start INVALID for a superseded or
// withdrawn version, and InvalidateStatus marks them; the agencies are
// independent.
func testStatusAllocate(t *testing.T, s warehouse.Store) {
	cit := Citizens(t, s, 0, 1)[0]
	r := Record(0)
	r.Issuer = "vn.a"
	if _, err := s.Append(ctx, warehouse.Batch{Writes: []warehouse.Write{Write(cit, r)}}, Check); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StatusSnapshot(ctx, "vn.a", 0); !errors.Is(err, warehouse.ErrNotFound) {
		t.Fatalf("snapshot of a list with no entries: %v, want ErrNotFound", err)
	}
	slot := warehouse.StatusSlot{CitizenID: cit, DeviceID: "dev", RecordID: r.ID, Version: 1}
	var got []warehouse.StatusIndex
	for range 3 {
		idx, err := s.AllocateStatus(ctx, "vn.a", 1024, []warehouse.StatusSlot{slot, slot}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, idx...)
	}
	for i, e := range got {
		if e != (warehouse.StatusIndex{Agency: "vn.a", List: 0, Index: i}) {
			t.Fatalf("entry %d = %+v", i, e)
		}
	}
	other, err := s.AllocateStatus(ctx, "vn.b", 1024, []warehouse.StatusSlot{slot}, nil)
	if err != nil || other[0] != (warehouse.StatusIndex{Agency: "vn.b", List: 0, Index: 0}) {
		t.Fatalf("another agency: %+v %v", other, err)
	}
	// Capacity: a store whose capacity is 4 from the start rolls over.
	small, err := s.AllocateStatus(ctx, "vn.c", 4, slices.Repeat([]warehouse.StatusSlot{slot}, 6), nil)
	if err != nil {
		t.Fatal(err)
	}
	var want []warehouse.StatusIndex
	for i := range 6 {
		want = append(want, warehouse.StatusIndex{Agency: "vn.c", List: i / 4, Index: i % 4})
	}
	if !slices.Equal(small, want) {
		t.Fatalf("rollover: %+v, want %+v", small, want)
	}
	// An order places the n-th entry of each list, rollover included;
	// an order that leaves the list's range gives nothing and uses
	// nothing up.
	bad := func(list, n int) int { return 4 }
	if got, err := s.AllocateStatus(ctx, "vn.d", 4, []warehouse.StatusSlot{slot}, bad); err == nil {
		t.Fatalf("an order out of range gave %+v", got)
	}
	order := func(list, n int) int { return (3*n + list) % 4 }
	placed, err := s.AllocateStatus(ctx, "vn.d", 4, slices.Repeat([]warehouse.StatusSlot{slot}, 6), order)
	if err != nil {
		t.Fatal(err)
	}
	want = want[:0]
	for i, idx := range []int{0, 3, 2, 1, 1, 0} {
		want = append(want, warehouse.StatusIndex{Agency: "vn.d", List: i / 4, Index: idx})
	}
	if !slices.Equal(placed, want) {
		t.Fatalf("in order: %+v, want %+v", placed, want)
	}
	if err := s.InvalidateStatus(ctx, []warehouse.StatusIndex{placed[1]}); err != nil {
		t.Fatal(err)
	}
	if inv, _ := invalidSet(t, s, "vn.d", 0); len(inv) != 1 || !inv[3] {
		t.Fatalf("entry 1 of list 0, at index 3, invalidated: %v", inv)
	}
	if inv, _ := invalidSet(t, s, "vn.a", 0); len(inv) != 0 {
		t.Fatalf("fresh entries INVALID: %v", inv)
	}
	// A slot for a version already superseded starts INVALID.
	r2 := r
	r2.Version = 2
	if _, err := s.Append(ctx, warehouse.Batch{Writes: []warehouse.Write{Write(cit, r2)}}, Check); err != nil {
		t.Fatal(err)
	}
	late, err := s.AllocateStatus(ctx, "vn.a", 1024, []warehouse.StatusSlot{slot, {CitizenID: cit, DeviceID: "dev", RecordID: r.ID, Version: 2}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	inv, changed := invalidSet(t, s, "vn.a", 0)
	if !inv[late[0].Index] || inv[late[1].Index] {
		t.Fatalf("superseded slot %d and current slot %d: invalid %v", late[0].Index, late[1].Index, inv)
	}
	// InvalidateStatus: the named entry, idempotently; Changed moves on.
	if err := s.InvalidateStatus(ctx, []warehouse.StatusIndex{late[1], late[1]}); err != nil {
		t.Fatal(err)
	}
	inv2, changed2 := invalidSet(t, s, "vn.a", 0)
	if !inv2[late[1].Index] || changed2 == changed {
		t.Fatalf("after InvalidateStatus: %v, changed %d -> %d", inv2, changed, changed2)
	}
	if err := s.InvalidateStatus(ctx, []warehouse.StatusIndex{late[1]}); err != nil {
		t.Fatal(err)
	}
	if _, c3 := invalidSet(t, s, "vn.a", 0); c3 < changed2 {
		t.Fatalf("changed went back: %d -> %d", changed2, c3)
	}
	if _, err := s.AllocateStatus(ctx, "vn.\x00a", 1024, []warehouse.StatusSlot{slot}, nil); !errors.Is(err, wallet.ErrInvalid) {
		t.Errorf("NUL in the agency: %v, want wallet.ErrInvalid", err)
	}
}

// testStatusAppend: a correction or a withdrawal stored by Append makes
// the older versions' entries INVALID in the same transaction; the
// current version's and another record's stay VALID.
func testStatusAppend(t *testing.T, s warehouse.Store) {
	cit := Citizens(t, s, 0, 1)[0]
	a, b := Record(0), Record(1)
	if _, err := s.Append(ctx, warehouse.Batch{Writes: []warehouse.Write{Write(cit, a), Write(cit, b)}}, Check); err != nil {
		t.Fatal(err)
	}
	idx, err := s.AllocateStatus(ctx, "vn.x", 1024, []warehouse.StatusSlot{
		{CitizenID: cit, DeviceID: "d1", RecordID: a.ID, Version: 1},
		{CitizenID: cit, DeviceID: "d2", RecordID: a.ID, Version: 1},
		{CitizenID: cit, DeviceID: "d1", RecordID: b.ID, Version: 1},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, before := invalidSet(t, s, "vn.x", 0)
	w := a
	w.Version, w.Status = 2, wallet.StatusWithdrawn
	if _, err := s.Append(ctx, warehouse.Batch{Writes: []warehouse.Write{Write(cit, w)}}, Check); err != nil {
		t.Fatal(err)
	}
	inv, after := invalidSet(t, s, "vn.x", 0)
	if !inv[idx[0].Index] || !inv[idx[1].Index] || inv[idx[2].Index] || after == before {
		t.Fatalf("after withdrawing %s: invalid %v (entries %+v), changed %d -> %d", a.ID, inv, idx, before, after)
	}
	// The tombstone's own credential starts INVALID.
	tomb, err := s.AllocateStatus(ctx, "vn.x", 1024, []warehouse.StatusSlot{{CitizenID: cit, DeviceID: "d1", RecordID: a.ID, Version: 2}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if inv, _ := invalidSet(t, s, "vn.x", 0); !inv[tomb[0].Index] {
		t.Fatalf("the withdrawn version's entry %d is VALID", tomb[0].Index)
	}
}

// testStatusTokens: a token is kept per list; an older build never
// replaces a newer one; StatusLists reports what the builder needs.
func testStatusTokens(t *testing.T, s warehouse.Store) {
	cit := Citizens(t, s, 0, 1)[0]
	if _, err := s.StatusToken(ctx, "vn.x", 0); !errors.Is(err, warehouse.ErrNotFound) {
		t.Fatalf("no token yet: %v, want ErrNotFound", err)
	}
	if _, err := s.AllocateStatus(ctx, "vn.x", 1024, []warehouse.StatusSlot{{CitizenID: cit, DeviceID: "d", RecordID: "r", Version: 1}}, nil); err != nil {
		t.Fatal(err)
	}
	ls, err := s.StatusLists(ctx)
	if err != nil || len(ls) != 1 || ls[0].Agency != "vn.x" || ls[0].List != 0 || ls[0].Built != -1 {
		t.Fatalf("StatusLists = %+v, %v", ls, err)
	}
	snap, _ := s.StatusSnapshot(ctx, "vn.x", 0)
	tok := warehouse.StatusToken{Agency: "vn.x", List: 0, Changed: snap.Changed, IssuedAt: t0, Token: "a.b.c", Gzip: []byte{1, 2}}
	if ok, err := s.PutStatusToken(ctx, tok); !ok || err != nil {
		t.Fatalf("PutStatusToken: %v %v", ok, err)
	}
	got, err := s.StatusToken(ctx, "vn.x", 0)
	if err != nil || got.Token != "a.b.c" || !got.IssuedAt.Equal(t0) || string(got.Gzip) != "\x01\x02" || got.Changed != snap.Changed {
		t.Fatalf("StatusToken = %+v, %v", got, err)
	}
	ls, _ = s.StatusLists(ctx)
	if ls[0].Built != snap.Changed || !ls[0].BuiltAt.Equal(t0) || ls[0].Changed != snap.Changed {
		t.Fatalf("after a build: %+v", ls[0])
	}
	// Invalidate, build the newer token, then a slow builder's older one.
	if err := s.InvalidateStatus(ctx, []warehouse.StatusIndex{{Agency: "vn.x", List: 0, Index: 0}}); err != nil {
		t.Fatal(err)
	}
	snap2, _ := s.StatusSnapshot(ctx, "vn.x", 0)
	newer := tok
	newer.Changed, newer.Token, newer.IssuedAt = snap2.Changed, "n.e.w", t0.Add(time.Minute)
	if ok, err := s.PutStatusToken(ctx, newer); !ok || err != nil {
		t.Fatalf("newer token: %v %v", ok, err)
	}
	if ok, err := s.PutStatusToken(ctx, tok); ok || err != nil {
		t.Fatalf("older token over a newer: stored %v, %v", ok, err)
	}
	if got, _ := s.StatusToken(ctx, "vn.x", 0); got.Token != "n.e.w" {
		t.Fatalf("token after a stale put: %q", got.Token)
	}
}

// testStatusConcurrentAllocate: N goroutines give entries to one agency
// at once, over a small capacity: no entry is given twice, none skipped.
func testStatusConcurrentAllocate(t *testing.T, s warehouse.Store) {
	cit := Citizens(t, s, 0, 1)[0]
	const workers, rounds, per, capacity = 8, 10, 3, 64
	var mu sync.Mutex
	seen := map[warehouse.StatusIndex]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				slots := make([]warehouse.StatusSlot, per)
				for i := range slots {
					slots[i] = warehouse.StatusSlot{CitizenID: cit, DeviceID: fmt.Sprint("dev", w), RecordID: fmt.Sprint("r", r), Version: 1}
				}
				idx, err := s.AllocateStatus(ctx, "vn.x", capacity, slots, nil)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				for _, e := range idx {
					if seen[e] {
						errs <- fmt.Errorf("entry %+v given twice", e)
					}
					seen[e] = true
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	total := workers * rounds * per
	for i := range total {
		if e := (warehouse.StatusIndex{Agency: "vn.x", List: i / capacity, Index: i % capacity}); !seen[e] {
			t.Fatalf("entry %+v skipped (%d given)", e, len(seen))
		}
	}
}

// testStatusConcurrentWithdraw: credentials are issued while their
// records are withdrawn, concurrently; afterwards every entry of a
// withdrawn record (for the version before the withdrawal) is INVALID,
// whichever came first, and the other records' stay VALID.
func testStatusConcurrentWithdraw(t *testing.T, s warehouse.Store) {
	const n = 12
	cits := Citizens(t, s, 0, n)
	recs := make([]wallet.Record, n)
	for i, c := range cits {
		recs[i] = Record(i)
		if _, err := s.Append(ctx, warehouse.Batch{Writes: []warehouse.Write{Write(c, recs[i])}}, Check); err != nil {
			t.Fatal(err)
		}
	}
	type given struct {
		cit int
		idx warehouse.StatusIndex
	}
	var mu sync.Mutex
	var all []given
	var wg sync.WaitGroup
	errs := make(chan error, 4*n)
	for i := range n {
		wg.Add(2)
		go func() { // a device syncing: credentials for version 1
			defer wg.Done()
			for d := range 3 {
				idx, err := s.AllocateStatus(ctx, "vn.x", 1<<20, []warehouse.StatusSlot{{CitizenID: cits[i], DeviceID: fmt.Sprint("dev", d), RecordID: recs[i].ID, Version: 1}}, nil)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				all = append(all, given{i, idx[0]})
				mu.Unlock()
			}
		}()
		go func() { // the agency withdraws the even ones
			defer wg.Done()
			if i%2 != 0 {
				return
			}
			w := recs[i]
			w.Version, w.Status = 2, wallet.StatusWithdrawn
			if _, err := s.Append(ctx, warehouse.Batch{Writes: []warehouse.Write{Write(cits[i], w)}}, Check); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	inv, _ := invalidSet(t, s, "vn.x", 0)
	if len(all) != 3*n {
		t.Fatalf("%d entries given, want %d", len(all), 3*n)
	}
	for _, g := range all {
		if want := g.cit%2 == 0; inv[g.idx.Index] != want {
			t.Errorf("citizen %d (withdrawn: %v): entry %d INVALID = %v", g.cit, want, g.idx.Index, inv[g.idx.Index])
		}
	}
}

// StatusBeforeOrder gives agency three entries of a list of capacity 4
// in issuance order, as a store made before entries had an order did:
// the first half of the upgrade test each store runs (the store then
// puts its head back in its old form, and StatusAfterOrder checks).
func StatusBeforeOrder(t *testing.T, s warehouse.Store, agency string) {
	t.Helper()
	cit := Citizens(t, s, 0, 1)[0]
	idx, err := s.AllocateStatus(ctx, agency, 4, slices.Repeat([]warehouse.StatusSlot{{CitizenID: cit, DeviceID: "d", RecordID: "r", Version: 1}}, 3), nil)
	if err != nil || len(idx) != 3 || idx[2].Index != 2 {
		t.Fatalf("three entries in order: %+v, %v", idx, err)
	}
}

// StatusAfterOrder: after the upgrade, the list that had entries keeps
// filling at index n (index 3, given by no order), and the next list is
// in order.
func StatusAfterOrder(t *testing.T, s warehouse.Store, agency string) {
	t.Helper()
	cit := Citizens(t, s, 0, 1)[0]
	order := func(list, n int) int { return 3 - n }
	idx, err := s.AllocateStatus(ctx, agency, 4, slices.Repeat([]warehouse.StatusSlot{{CitizenID: cit, DeviceID: "d", RecordID: "r", Version: 1}}, 2), order)
	want := []warehouse.StatusIndex{{Agency: agency, List: 0, Index: 3}, {Agency: agency, List: 1, Index: 3}}
	if err != nil || !slices.Equal(idx, want) {
		t.Fatalf("after the upgrade: %+v, %v; want %+v", idx, err, want)
	}
}
