// Package storetest is the conformance suite every warehouse.Store
// implementation runs (sync/warehouse/embedded, sync/warehouse/postgres):
// the contract in sync/warehouse/store.go, its concurrency rules
// included, checked against the real store. Concurrency checks run N
// goroutines doing the real operation and then assert on the final state
// (nothing lost, nothing doubled), never on timing.
package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// Open returns a new, empty store for one test; the suite closes it.
type Open func(t *testing.T) warehouse.Store

// Run runs the whole suite against stores made by open.
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s warehouse.Store)
	}{
		{"Citizens", testCitizens},
		{"AppendAndFeed", testAppendAndFeed},
		{"AppendItemRules", testAppendItemRules},
		{"AppendIdempotencyKey", testAppendIdempotencyKey},
		{"AppendConcurrentOneCitizen", testAppendConcurrent},
		{"AppendConcurrentCrossedBatches", testAppendCrossed},
		{"AppendConcurrentSameVersion", testAppendSameVersion},
		{"Load", testLoad},
		{"Enrol", testEnrol},
		{"EnrolConcurrent", testEnrolConcurrent},
		{"Devices", testDevices},
		{"Nonces", testNonces},
		{"Credentials", testCredentials},
		{"ReplaceCredentials", testReplaceCredentials},
		{"ReplaceCredentialsConcurrent", testReplaceCredentialsConcurrent},
		{"Revocations", testRevocations},
		{"RevocationLimits", testRevocationLimits},
		{"RevocationsConcurrent", testRevocationsConcurrent},
		{"Redeem", testRedeem},
		{"RedeemConcurrent", testRedeemConcurrent},
		{"AgenciesAndMeta", testAgenciesAndMeta},
		{"Audit", testAudit},
		{"AuditRefused", testAuditRefused},
		{"AuditLogPaging", testAuditPaging},
		{"AuditConcurrent", testAuditConcurrent},
		{"AppendAudit", testAppendAudit},
		{"AppendAuditConcurrent", testAppendAuditConcurrent},
	}
	for _, st := range StatusTests {
		tests = append(tests, struct {
			name string
			fn   func(t *testing.T, s warehouse.Store)
		}{st.Name, st.Fn})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

var ctx = context.Background()

// t0 is the suite's clock: whole seconds, UTC.
var t0 = time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC)

// citizens puts n sample citizens and returns their ids.
func citizens(t *testing.T, s warehouse.Store, n int) []string {
	t.Helper()
	ps := make([]wallet.Profile, n)
	ids := make([]string, n)
	for i := range ps {
		ps[i] = sample.Profile(i)
		ids[i] = ps[i].CitizenID
	}
	if err := s.PutCitizens(ctx, ps); err != nil {
		t.Fatalf("PutCitizens: %v", err)
	}
	return ids
}

// record is sample record k of citizen i (a distinct id per k), version v.
func record(i, k, v int) wallet.Record {
	types := wallet.Types()
	r := sample.Record(types[k%len(types)], i)
	r.ID = fmt.Sprintf("%s-%d", r.ID, k)
	r.Version = v
	r.IssuedAt = t0.Add(time.Duration(k) * time.Minute)
	if v > 1 {
		r.IssuedAt = r.IssuedAt.Add(time.Duration(v) * time.Hour)
	}
	return r
}

func digest(r wallet.Record) []byte {
	b, _ := json.Marshal(r)
	return b[:min(len(b), 64)]
}

func write(citizen string, r wallet.Record) warehouse.Write {
	return warehouse.Write{CitizenID: citizen, Record: r, Digest: digest(r)}
}

// accept is a CheckFunc that fills the version like the server does.
func accept(prev *wallet.Record, w *warehouse.Write) error {
	if w.Record.Version == 0 {
		w.Record.Version = 1
		if prev != nil {
			w.Record.Version = prev.Version + 1
		}
	}
	if prev != nil && w.Record.Version <= prev.Version {
		return fmt.Errorf("%w: record %s is at version %d", wallet.ErrStaleVersion, w.Record.ID, prev.Version)
	}
	return nil
}

// sameRecord compares records as they travel: JSON.
func sameRecord(t *testing.T, what string, got, want wallet.Record) {
	t.Helper()
	g, w := mustJSON(got), mustJSON(roundTrip(want))
	if g != w {
		t.Errorf("%s:\n got  %s\n want %s", what, g, w)
	}
}

func roundTrip(r wallet.Record) wallet.Record {
	b, _ := json.Marshal(r)
	var out wallet.Record
	json.Unmarshal(b, &out)
	return out
}

func mustAppend(t *testing.T, s warehouse.Store, b warehouse.Batch) warehouse.BatchResult {
	t.Helper()
	res, err := s.Append(ctx, b, accept)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if len(res.Items) != len(b.Writes) {
		t.Fatalf("Append: %d results for %d writes", len(res.Items), len(b.Writes))
	}
	return res
}

// seqs checks a citizen's feed holds exactly seqs 1..n and returns the
// entries.
func wholeFeed(t *testing.T, s warehouse.Store, citizen string) []warehouse.Entry {
	t.Helper()
	var all []warehouse.Entry
	after := int64(0)
	for {
		page, head, err := s.Feed(ctx, citizen, after, 7)
		if err != nil {
			t.Fatalf("Feed: %v", err)
		}
		all = append(all, page...)
		if len(page) == 0 {
			if after != head {
				t.Fatalf("feed ends at %d, head is %d", after, head)
			}
			break
		}
		after = page[len(page)-1].Seq
	}
	for i, e := range all {
		if e.Seq != int64(i+1) {
			t.Fatalf("feed entry %d has seq %d: seqs must be 1..n with no gap or repeat", i, e.Seq)
		}
	}
	return all
}

func testCitizens(t *testing.T, s warehouse.Store) {
	ids := citizens(t, s, 5)
	p, head, err := s.Citizen(ctx, ids[2])
	if err != nil || head != 0 || p.CitizenID != ids[2] || p.FullName != sample.Profile(2).FullName || !p.BirthDate.Equal(sample.Profile(2).BirthDate) {
		t.Fatalf("Citizen = %+v, %d, %v", p, head, err)
	}
	if _, _, err := s.Citizen(ctx, "079000000000"); !errors.Is(err, warehouse.ErrUnknownCitizen) {
		t.Errorf("unknown citizen: %v, want ErrUnknownCitizen", err)
	}
	if _, _, err := s.Feed(ctx, "079000000000", 0, 10); !errors.Is(err, warehouse.ErrUnknownCitizen) {
		t.Errorf("Feed of an unknown citizen: %v, want ErrUnknownCitizen", err)
	}
	if _, err := s.Latest(ctx, "079000000000"); !errors.Is(err, warehouse.ErrUnknownCitizen) {
		t.Errorf("Latest of an unknown citizen: %v, want ErrUnknownCitizen", err)
	}
	// An update of the profile keeps the feed.
	mustAppend(t, s, warehouse.Batch{Agency: "a", Writes: []warehouse.Write{write(ids[2], record(2, 0, 1))}})
	renamed := sample.Profile(2)
	renamed.FullName = "Trần Thị Đổi Tên"
	if err := s.PutCitizens(ctx, []wallet.Profile{renamed}); err != nil {
		t.Fatal(err)
	}
	p, head, err = s.Citizen(ctx, ids[2])
	if err != nil || p.FullName != renamed.FullName || head != 1 {
		t.Errorf("after a profile update: %+v head %d %v; want the new name and head 1", p, head, err)
	}
	// Listing: by id, paged with after.
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	var listed []string
	after := ""
	for {
		ps, err := s.Citizens(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) == 0 {
			break
		}
		if len(ps) > 2 {
			t.Fatalf("Citizens returned %d, limit 2", len(ps))
		}
		for _, p := range ps {
			listed = append(listed, p.CitizenID)
		}
		after = ps[len(ps)-1].CitizenID
	}
	if !slices.Equal(listed, sorted) {
		t.Errorf("Citizens listed %v, want %v", listed, sorted)
	}
}

func testAppendAndFeed(t *testing.T, s warehouse.Store) {
	ids := citizens(t, s, 2)
	var ws []warehouse.Write
	for k := 0; k < 12; k++ {
		ws = append(ws, write(ids[0], record(0, k, 1)))
	}
	ws = append(ws, write(ids[1], record(1, 0, 1)))
	res := mustAppend(t, s, warehouse.Batch{Agency: "a", Writes: ws})
	for i, it := range res.Items {
		want := int64(i + 1)
		if i == 12 {
			want = 1 // the other citizen's first
		}
		if it.Err != nil || it.Duplicate || it.Entry.Seq != want {
			t.Fatalf("item %d: %+v, want seq %d", i, it, want)
		}
		sameRecord(t, "returned entry", it.Entry.Record, ws[i].Record)
	}
	feed := wholeFeed(t, s, ids[0])
	if len(feed) != 12 {
		t.Fatalf("feed has %d entries, want 12", len(feed))
	}
	for k, e := range feed {
		sameRecord(t, fmt.Sprintf("feed entry %d", k), e.Record, ws[k].Record)
	}
	// A page from the middle reads what is after the cursor only.
	page, head, err := s.Feed(ctx, ids[0], 5, 3)
	if err != nil || head != 12 || len(page) != 3 || page[0].Seq != 6 || page[2].Seq != 8 {
		t.Fatalf("Feed(after 5, limit 3) = %d entries from %v, head %d, %v", len(page), page, head, err)
	}
	if page, head, err := s.Feed(ctx, ids[0], 12, 10); err != nil || len(page) != 0 || head != 12 {
		t.Errorf("Feed at the head = %v, %d, %v; want nothing, head 12", page, head, err)
	}
	if _, head, _ := s.Citizen(ctx, ids[1]); head != 1 {
		t.Errorf("second citizen's head = %d, want 1", head)
	}
	// A correction: a new version, later in the feed; Latest has it.
	fix := record(0, 3, 2)
	fix.Claims = maps(fix.Claims, "corrected", "yes")
	res = mustAppend(t, s, warehouse.Batch{Agency: "a", Writes: []warehouse.Write{write(ids[0], fix)}})
	if res.Items[0].Err != nil || res.Items[0].Entry.Seq != 13 {
		t.Fatalf("correction: %+v", res.Items[0])
	}
	latest, err := s.Latest(ctx, ids[0])
	if err != nil || len(latest) != 12 {
		t.Fatalf("Latest = %d records, %v; want 12", len(latest), err)
	}
	for k, r := range latest {
		want := ws[k].Record
		if k == 3 {
			want = fix
		}
		sameRecord(t, fmt.Sprintf("Latest[%d] (order of first version)", k), r, want)
	}
}

func maps(c wallet.Claims, k string, v any) wallet.Claims {
	out := wallet.Claims{}
	for a, b := range c {
		out[a] = b
	}
	out[k] = v
	return out
}

func testAppendItemRules(t *testing.T, s warehouse.Store) {
	ids := citizens(t, s, 1)
	c := ids[0]
	r1 := record(0, 1, 1)
	mustAppend(t, s, warehouse.Batch{Agency: "a", Writes: []warehouse.Write{write(c, r1)}})

	// The check sees the latest stored version, and earlier items of the
	// same batch.
	var seen []int
	check := func(prev *wallet.Record, w *warehouse.Write) error {
		v := 0
		if prev != nil {
			v = prev.Version
		}
		seen = append(seen, v)
		return accept(prev, w)
	}
	r2, r3 := record(0, 1, 0), record(0, 1, 0) // versions filled by check
	r3.Claims = maps(r3.Claims, "again", "yes")
	res, err := s.Append(ctx, warehouse.Batch{Agency: "a", Writes: []warehouse.Write{write(c, r2), write(c, r3)}}, check)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seen, []int{1, 2}) {
		t.Errorf("check saw previous versions %v, want [1 2] (the second item sees the first)", seen)
	}
	if res.Items[0].Entry.Record.Version != 2 || res.Items[1].Entry.Record.Version != 3 || res.Items[1].Entry.Seq != 3 {
		t.Errorf("versions filled by check: %+v", res.Items)
	}

	// Mixed batch: an unknown citizen, a duplicate, a conflicting
	// duplicate, a refused item and a good one. Only the good one is
	// stored.
	unknown := write("079000000000", record(9, 0, 1))
	dup := write(c, r1)
	conflicting := write(c, r1)
	conflicting.Record.Claims = maps(r1.Claims, "other", "content")
	conflicting.Digest = []byte("another digest")
	refused := write(c, record(0, 2, 1))
	good := write(c, record(0, 3, 1))
	refuse := errors.New("refused by the check")
	res, err = s.Append(ctx, warehouse.Batch{Agency: "a", Writes: []warehouse.Write{unknown, dup, conflicting, refused, good}},
		func(prev *wallet.Record, w *warehouse.Write) error {
			if w.Record.ID == refused.Record.ID {
				return fmt.Errorf("%w: %w", wallet.ErrInvalid, refuse)
			}
			return accept(prev, w)
		})
	if err != nil {
		t.Fatal(err)
	}
	it := res.Items
	if !errors.Is(it[0].Err, warehouse.ErrUnknownCitizen) {
		t.Errorf("unknown citizen item: %v", it[0].Err)
	}
	if it[1].Err != nil || !it[1].Duplicate || it[1].Entry.Seq != 1 {
		t.Errorf("duplicate item: %+v, want Duplicate of seq 1", it[1])
	}
	sameRecord(t, "duplicate's stored entry", it[1].Entry.Record, r1)
	if !errors.Is(it[2].Err, warehouse.ErrConflict) || it[2].Duplicate {
		t.Errorf("same version, other content: %+v, want ErrConflict", it[2])
	}
	if !errors.Is(it[3].Err, wallet.ErrInvalid) {
		t.Errorf("refused item: %v, want the check's error", it[3].Err)
	}
	if it[4].Err != nil || it[4].Entry.Seq != 4 {
		t.Errorf("good item: %+v, want seq 4", it[4])
	}
	feed := wholeFeed(t, s, c)
	if len(feed) != 4 {
		t.Errorf("feed has %d entries after the mixed batch, want 4 (refused items store nothing)", len(feed))
	}
}

func testAppendIdempotencyKey(t *testing.T, s warehouse.Store) {
	ids := citizens(t, s, 1)
	c := ids[0]
	b := warehouse.Batch{Agency: "vn.x", Key: "batch-1", BatchDigest: []byte("digest-1"),
		Writes: []warehouse.Write{write(c, record(0, 0, 1)), write("079000000000", record(1, 0, 1)), write(c, record(0, 1, 1))}}
	first := mustAppend(t, s, b)
	if first.Replayed {
		t.Error("first Append says Replayed")
	}
	again := mustAppend(t, s, b)
	if !again.Replayed {
		t.Error("the same key and digest again: not Replayed")
	}
	for i := range first.Items {
		f, a := first.Items[i], again.Items[i]
		if f.Entry.Seq != a.Entry.Seq || (f.Err == nil) != (a.Err == nil) {
			t.Errorf("replayed item %d: %+v, first %+v", i, a, f)
		}
	}
	if !errors.Is(again.Items[1].Err, warehouse.ErrUnknownCitizen) {
		t.Errorf("replayed item error %v no longer matches ErrUnknownCitizen", again.Items[1].Err)
	}
	if feed := wholeFeed(t, s, c); len(feed) != 2 {
		t.Errorf("feed has %d entries after a replayed batch, want 2", len(feed))
	}
	other := b
	other.BatchDigest = []byte("digest-2")
	if _, err := s.Append(ctx, other, accept); !errors.Is(err, warehouse.ErrConflict) {
		t.Errorf("same key, other batch: %v, want ErrConflict", err)
	}
	// Keys are per agency.
	mine := b
	mine.Agency = "vn.y"
	mine.Writes = []warehouse.Write{write(c, record(0, 5, 1))}
	if res := mustAppend(t, s, mine); res.Replayed || res.Items[0].Entry.Seq != 3 {
		t.Errorf("another agency's batch with the same key: %+v", res)
	}
}

// testAppendConcurrent: 40 writers for one citizen, each acknowledged
// write in the feed exactly once.
func testAppendConcurrent(t *testing.T, s warehouse.Store) {
	ids := citizens(t, s, 1)
	const n = 40
	var wg sync.WaitGroup
	results := make([]warehouse.ItemResult, n)
	errs := make([]error, n)
	for k := 0; k < n; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.Append(ctx, warehouse.Batch{Agency: "a", Writes: []warehouse.Write{write(ids[0], record(0, k, 1))}}, accept)
			errs[k] = err
			if err == nil {
				results[k] = res.Items[0]
			}
		}()
	}
	wg.Wait()
	seqs := map[int64]int{}
	for k := 0; k < n; k++ {
		if errs[k] != nil || results[k].Err != nil {
			t.Fatalf("writer %d: %v %v (a conflict must be retried by the store)", k, errs[k], results[k].Err)
		}
		seqs[results[k].Entry.Seq] = k
	}
	if len(seqs) != n {
		t.Fatalf("%d writers got %d distinct seqs", n, len(seqs))
	}
	feed := wholeFeed(t, s, ids[0])
	if len(feed) != n {
		t.Fatalf("feed has %d entries, %d were acknowledged", len(feed), n)
	}
	for _, e := range feed {
		k := seqs[e.Seq]
		if e.Record.ID != record(0, k, 1).ID {
			t.Errorf("seq %d holds %s, acknowledged for %s", e.Seq, e.Record.ID, record(0, k, 1).ID)
		}
	}
}

// testAppendCrossed: batches that touch two citizens in opposite orders
// neither deadlock nor lose a write.
func testAppendCrossed(t *testing.T, s warehouse.Store) {
	ids := citizens(t, s, 2)
	const n = 16
	var wg sync.WaitGroup
	errc := make(chan error, n)
	for k := 0; k < n; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, b := ids[0], ids[1]
			if k%2 == 1 {
				a, b = b, a
			}
			ia, ib := slices.Index(ids, a), slices.Index(ids, b)
			res, err := s.Append(ctx, warehouse.Batch{Agency: "a", Writes: []warehouse.Write{
				write(a, record(ia, 100+k, 1)), write(b, record(ib, 200+k, 1)),
			}}, accept)
			if err == nil {
				for _, it := range res.Items {
					if it.Err != nil {
						err = it.Err
					}
				}
			}
			errc <- err
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatalf("crossed batch: %v", err)
		}
	}
	for _, c := range ids {
		if feed := wholeFeed(t, s, c); len(feed) != n {
			t.Errorf("citizen %s has %d entries, want %d (one from each batch)", c, len(feed), n)
		}
	}
}

// testAppendSameVersion: concurrent corrections of one record, each
// filling "the next version": every version 1..n exactly once.
func testAppendSameVersion(t *testing.T, s warehouse.Store) {
	ids := citizens(t, s, 1)
	mustAppend(t, s, warehouse.Batch{Agency: "a", Writes: []warehouse.Write{write(ids[0], record(0, 0, 1))}})
	const n = 12
	var wg sync.WaitGroup
	errc := make(chan error, n)
	for k := 0; k < n; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := record(0, 0, 0)
			r.Claims = maps(r.Claims, "writer", fmt.Sprint(k))
			w := write(ids[0], r)
			res, err := s.Append(ctx, warehouse.Batch{Agency: "a", Writes: []warehouse.Write{w}}, accept)
			if err == nil {
				err = res.Items[0].Err
			}
			errc <- err
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatalf("correction: %v", err)
		}
	}
	feed := wholeFeed(t, s, ids[0])
	if len(feed) != n+1 {
		t.Fatalf("feed has %d entries, want %d", len(feed), n+1)
	}
	for i, e := range feed {
		if e.Record.Version != i+1 {
			t.Errorf("seq %d holds version %d, want %d", e.Seq, e.Record.Version, i+1)
		}
	}
}

func testLoad(t *testing.T, s warehouse.Store) {
	var cs []warehouse.CitizenRecords
	for i := 0; i < 3; i++ {
		c := warehouse.CitizenRecords{Profile: sample.Profile(i)}
		for k := 0; k < 4+i; k++ {
			c.Writes = append(c.Writes, write(c.Profile.CitizenID, record(i, k, 1)))
		}
		cs = append(cs, c)
	}
	n, err := s.Load(ctx, cs)
	if err != nil || n != 3 {
		t.Fatalf("Load = %d, %v; want 3", n, err)
	}
	for i, c := range cs {
		feed := wholeFeed(t, s, c.Profile.CitizenID)
		if len(feed) != len(c.Writes) {
			t.Fatalf("citizen %d: %d entries, loaded %d", i, len(feed), len(c.Writes))
		}
		for k, e := range feed {
			sameRecord(t, "loaded entry", e.Record, c.Writes[k].Record)
		}
	}
	// Again, with a new citizen: only the new one is stored.
	extra := warehouse.CitizenRecords{Profile: sample.Profile(7)}
	extra.Writes = []warehouse.Write{write(extra.Profile.CitizenID, record(7, 0, 1))}
	n, err = s.Load(ctx, append(cs, extra))
	if err != nil || n != 1 {
		t.Fatalf("second Load = %d, %v; want 1 (loaded citizens are skipped)", n, err)
	}
	if feed := wholeFeed(t, s, cs[0].Profile.CitizenID); len(feed) != 4 {
		t.Errorf("a re-run Load doubled a feed: %d entries", len(feed))
	}
	// Loaded records are duplicates for a later Append of the same op.
	res := mustAppend(t, s, warehouse.Batch{Agency: "a", Writes: []warehouse.Write{cs[0].Writes[2]}})
	if !res.Items[0].Duplicate || res.Items[0].Entry.Seq != 3 {
		t.Errorf("an Append of a loaded version: %+v, want Duplicate of seq 3", res.Items[0])
	}
	// And the feed goes on after them.
	res = mustAppend(t, s, warehouse.Batch{Agency: "a", Writes: []warehouse.Write{write(cs[0].Profile.CitizenID, record(0, 9, 1))}})
	if res.Items[0].Entry.Seq != 5 {
		t.Errorf("first Append after Load got seq %d, want 5", res.Items[0].Entry.Seq)
	}
	// A citizen put without records is loaded.
	if err := s.PutCitizens(ctx, []wallet.Profile{sample.Profile(8)}); err != nil {
		t.Fatal(err)
	}
	late := warehouse.CitizenRecords{Profile: sample.Profile(8), Writes: []warehouse.Write{write(sample.Profile(8).CitizenID, record(8, 0, 1))}}
	if n, err := s.Load(ctx, []warehouse.CitizenRecords{late}); err != nil || n != 1 {
		t.Errorf("Load of a citizen with an empty feed = %d, %v; want 1", n, err)
	}
}

func device(id, citizen string, at time.Time) warehouse.Device {
	return warehouse.Device{ID: id, CitizenID: citizen, Key: json.RawMessage(`{"kty":"OKP","crv":"Ed25519","x":"` + id + `"}`), Label: "phone " + id, EnrolledAt: at}
}

func testEnrol(t *testing.T, s warehouse.Store) {
	ids := citizens(t, s, 2)
	put := func(hash, citizen string, expires time.Time) {
		t.Helper()
		if err := s.PutCode(ctx, warehouse.Code{Hash: hash, CitizenID: citizen, Expires: expires}); err != nil {
			t.Fatal(err)
		}
	}
	put("h1", ids[0], t0.Add(time.Hour))
	put("h-old", ids[0], t0.Add(-time.Second))
	for name, tc := range map[string]struct {
		hash string
		dev  warehouse.Device
	}{
		"unknown code":      {"nope", device("d1", ids[0], t0)},
		"expired code":      {"h-old", device("d1", ids[0], t0)},
		"other citizen's":   {"h1", device("d1", ids[1], t0)},
		"expires right now": {"h1", device("d1", ids[0], t0.Add(time.Hour))},
	} {
		if err := s.Enrol(ctx, tc.hash, tc.dev); !errors.Is(err, warehouse.ErrBadCode) {
			t.Errorf("%s: %v, want ErrBadCode", name, err)
		}
	}
	if err := s.Enrol(ctx, "h1", device("d1", ids[0], t0)); err != nil {
		t.Fatalf("Enrol: %v", err)
	}
	d, err := s.Device(ctx, "d1")
	if err != nil || d.CitizenID != ids[0] || d.Label != "phone d1" || !d.EnrolledAt.Equal(t0) || canonical(d.Key) != canonical(device("d1", "", t0).Key) {
		t.Fatalf("Device = %+v, %v", d, err)
	}
	if err := s.Enrol(ctx, "h1", device("d2", ids[0], t0)); !errors.Is(err, warehouse.ErrBadCode) {
		t.Errorf("a used code: %v, want ErrBadCode", err)
	}
	// A key enrolled for another citizen: refused, and the code is not spent.
	put("h2", ids[1], t0.Add(time.Hour))
	if err := s.Enrol(ctx, "h2", device("d1", ids[1], t0)); !errors.Is(err, warehouse.ErrKeyInUse) {
		t.Errorf("another citizen's key: %v, want ErrKeyInUse", err)
	}
	if err := s.Enrol(ctx, "h2", device("d3", ids[1], t0)); err != nil {
		t.Errorf("the code after an ErrKeyInUse should still be unused: %v", err)
	}
	// Re-enrolment of the same key for the same citizen replaces it.
	put("h3", ids[0], t0.Add(time.Hour))
	again := device("d1", ids[0], t0.Add(time.Minute))
	again.Label = "renamed"
	if err := s.Enrol(ctx, "h3", again); err != nil {
		t.Fatalf("re-enrol: %v", err)
	}
	if d, _ := s.Device(ctx, "d1"); d.Label != "renamed" {
		t.Errorf("re-enrolled device label %q", d.Label)
	}
	if _, err := s.Device(ctx, "nope"); !errors.Is(err, warehouse.ErrNotFound) {
		t.Errorf("unknown device: %v, want ErrNotFound", err)
	}
	// Expired codes go with PurgeExpired; the used and live ones may stay.
	n, err := s.PurgeExpired(ctx, t0)
	if err != nil || n < 1 {
		t.Errorf("PurgeExpired = %d, %v; want at least the expired code", n, err)
	}
}

func testEnrolConcurrent(t *testing.T, s warehouse.Store) {
	ids := citizens(t, s, 1)
	if err := s.PutCode(ctx, warehouse.Code{Hash: "h", CitizenID: ids[0], Expires: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for k := 0; k < n; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[k] = s.Enrol(ctx, "h", device(fmt.Sprintf("d%02d", k), ids[0], t0))
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, warehouse.ErrBadCode):
			t.Errorf("concurrent Enrol: %v", err)
		}
	}
	devs, err := s.Devices(ctx, ids[0])
	if ok != 1 || err != nil || len(devs) != 1 {
		t.Errorf("%d concurrent enrolments with one code: %d succeeded, %d devices stored (%v); want exactly 1", n, ok, len(devs), err)
	}
}

func testDevices(t *testing.T, s warehouse.Store) {
	ids := citizens(t, s, 3)
	for k, at := range []time.Duration{3, 1, 2} {
		h := fmt.Sprint("h", k)
		if err := s.PutCode(ctx, warehouse.Code{Hash: h, CitizenID: ids[0], Expires: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := s.Enrol(ctx, h, device(fmt.Sprint("a", k), ids[0], t0.Add(at*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutCode(ctx, warehouse.Code{Hash: "hb", CitizenID: ids[1], Expires: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Enrol(ctx, "hb", device("b0", ids[1], t0)); err != nil {
		t.Fatal(err)
	}
	devs, err := s.Devices(ctx, ids[0])
	var got []string
	for _, d := range devs {
		got = append(got, d.ID)
	}
	if err != nil || !slices.Equal(got, []string{"a1", "a2", "a0"}) {
		t.Errorf("Devices = %v, %v; want [a1 a2 a0] (oldest enrolment first, this citizen's only)", got, err)
	}
	if devs, err := s.Devices(ctx, ids[2]); err != nil || len(devs) != 0 {
		t.Errorf("Devices of a citizen with none = %v, %v", devs, err)
	}
	if _, err := s.Devices(ctx, "079000000000"); !errors.Is(err, warehouse.ErrUnknownCitizen) {
		t.Errorf("Devices of an unknown citizen: %v", err)
	}
	d, err := s.RevokeDevice(ctx, ids[0], "a2", t0.Add(time.Hour))
	if err != nil || !d.RevokedAt.Equal(t0.Add(time.Hour)) || d.ID != "a2" {
		t.Fatalf("RevokeDevice = %+v, %v", d, err)
	}
	d, err = s.RevokeDevice(ctx, ids[0], "a2", t0.Add(2*time.Hour))
	if err != nil || !d.RevokedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("revoking twice: %+v, %v; want the first time kept", d, err)
	}
	if stored, _ := s.Device(ctx, "a2"); !stored.RevokedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("stored device after revoke: %+v", stored)
	}
	if _, err := s.RevokeDevice(ctx, ids[1], "a0", t0); !errors.Is(err, warehouse.ErrNotFound) {
		t.Errorf("revoking another citizen's device: %v, want ErrNotFound", err)
	}
	if _, err := s.RevokeDevice(ctx, ids[0], "zz", t0); !errors.Is(err, warehouse.ErrNotFound) {
		t.Errorf("revoking an unknown device: %v, want ErrNotFound", err)
	}
}

func testNonces(t *testing.T, s warehouse.Store) {
	exp := t0.Add(5 * time.Minute)
	if err := s.UseNonce(ctx, "dev1", "n1", exp, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.UseNonce(ctx, "dev1", "n1", exp, t0.Add(time.Minute)); !errors.Is(err, warehouse.ErrReplay) {
		t.Errorf("second use: %v, want ErrReplay", err)
	}
	if err := s.UseNonce(ctx, "dev2", "n1", exp, t0); err != nil {
		t.Errorf("the same id of another client: %v", err)
	}
	if err := s.UseNonce(ctx, "dev1", "n1", t0.Add(20*time.Minute), t0.Add(10*time.Minute)); err != nil {
		t.Errorf("an id after its entry expired: %v", err)
	}
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for k := 0; k < n; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[k] = s.UseNonce(ctx, "dev3", "race", exp, t0)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !errors.Is(err, warehouse.ErrReplay) {
			t.Errorf("concurrent UseNonce: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d concurrent uses of one id: %d succeeded, want 1", n, ok)
	}
	if _, err := s.PurgeExpired(ctx, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.UseNonce(ctx, "dev3", "race", t0.Add(2*time.Hour), t0.Add(time.Hour)); err != nil {
		t.Errorf("after PurgeExpired: %v", err)
	}
}

func testCredentials(t *testing.T, s warehouse.Store) {
	refs := []warehouse.RecordRef{{RecordID: "r1", Version: 1}, {RecordID: "r1", Version: 2}, {RecordID: "r2", Version: 1}}
	got, err := s.Credentials(ctx, "dev", refs)
	if err != nil || !slices.Equal(got, []string{"", "", ""}) {
		t.Fatalf("Credentials of nothing = %q, %v", got, err)
	}
	stored, err := s.PutCredentials(ctx, "dev", refs[:2], []string{"c11", "c12"})
	if err != nil || !slices.Equal(stored, []string{"c11", "c12"}) {
		t.Fatalf("PutCredentials = %q, %v", stored, err)
	}
	stored, err = s.PutCredentials(ctx, "dev", refs[1:], []string{"other", "c21"})
	if err != nil || !slices.Equal(stored, []string{"c12", "c21"}) {
		t.Errorf("PutCredentials over a stored one = %q, %v; want the stored one kept", stored, err)
	}
	if got, _ := s.Credentials(ctx, "dev", refs); !slices.Equal(got, []string{"c11", "c12", "c21"}) {
		t.Errorf("Credentials = %q", got)
	}
	if got, _ := s.Credentials(ctx, "other-dev", refs[:1]); got[0] != "" {
		t.Errorf("another device's credential: %q", got)
	}
	// Concurrent issuers of one version: all see the same one.
	const n = 12
	var wg sync.WaitGroup
	out := make([]string, n)
	for k := 0; k < n; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := s.PutCredentials(ctx, "dev", []warehouse.RecordRef{{RecordID: "r9", Version: 1}}, []string{fmt.Sprint("cred-", k)})
			if err != nil {
				t.Error(err)
				return
			}
			out[k] = st[0]
		}()
	}
	wg.Wait()
	for _, c := range out {
		if c != out[0] {
			t.Fatalf("concurrent PutCredentials returned different credentials: %q", out)
		}
	}
}

// revocation is a revocation of consent c by citizen's device dev for
// audience aud, given at t0 and expiring at exp.
func revocation(citizen, dev, c, aud string, listed bool, exp time.Time) warehouse.Revocation {
	return warehouse.Revocation{ID: "id-" + dev + "-" + c, ConsentID: c, CitizenID: citizen, Device: dev, Audience: aud, Listed: listed,
		GivenAt: t0, RevokedAt: t0.Add(time.Minute), Expires: exp, Received: t0.Add(2 * time.Minute)}
}

var noLimits = warehouse.RevocationLimits{Live: 1000, PerHour: 1000}

func testRevocations(t *testing.T, s warehouse.Store) {
	ids := citizens(t, s, 2)
	day := t0.Add(24 * time.Hour)
	rs := []warehouse.Revocation{
		revocation(ids[0], "d1", "c1", "vn.a", true, day),
		revocation(ids[0], "d1", "c2", "vn.a", false, day), // an online token's
		revocation(ids[0], "d2", "c1", "vn.b", true, day),  // same consent id, another device
		revocation(ids[0], "d1", "c3", "vn.a", true, t0.Add(time.Hour)),
	}
	now := t0.Add(3 * time.Minute)
	if n, err := s.PutRevocations(ctx, ids[0], rs, noLimits, now); err != nil || n != 4 {
		t.Fatalf("PutRevocations = %d, %v; want 4", n, err)
	}
	for i, want := range rs {
		got, err := s.Revocation(ctx, want.ID)
		want.Seq = int64(i + 1)
		if err != nil || got.Seq != want.Seq || got.ConsentID != want.ConsentID || got.CitizenID != want.CitizenID || got.Device != want.Device ||
			got.Audience != want.Audience || got.Listed != want.Listed || !got.GivenAt.Equal(want.GivenAt) || !got.RevokedAt.Equal(want.RevokedAt) ||
			!got.Expires.Equal(want.Expires) || !got.Received.Equal(want.Received) {
			t.Errorf("Revocation(%s) = %+v, %v; want %+v (seqs dense, in order)", want.ID, got, err, want)
		}
	}
	again := rs[0]
	again.RevokedAt = t0.Add(time.Hour)
	if n, err := s.PutRevocations(ctx, ids[0], []warehouse.Revocation{again, rs[1]}, noLimits, now); err != nil || n != 0 {
		t.Errorf("PutRevocations of stored ids = %d, %v; want 0, nil", n, err)
	}
	if got, _ := s.Revocation(ctx, rs[0].ID); !got.RevokedAt.Equal(rs[0].RevokedAt) || got.Seq != 1 {
		t.Errorf("a stored revocation was replaced: %+v", got)
	}
	if _, err := s.Revocation(ctx, "id-nope"); !errors.Is(err, warehouse.ErrNotFound) {
		t.Errorf("unknown revocation: %v, want ErrNotFound", err)
	}
	listed := func(aud string, after int64, now time.Time, limit int) ([]string, int64) {
		t.Helper()
		got, head, err := s.RevokedSince(ctx, aud, after, now, limit)
		if err != nil {
			t.Fatalf("RevokedSince(%s, %d): %v", aud, after, err)
		}
		var out []string
		for _, r := range got {
			if r.Seq <= after || r.Seq > head || r.Audience != aud || !r.Listed {
				t.Errorf("RevokedSince(%s, %d) returned %+v (head %d)", aud, after, r, head)
			}
			out = append(out, r.ID)
		}
		return out, head
	}
	if got, head := listed("vn.a", 0, now, 10); !slices.Equal(got, []string{rs[0].ID, rs[3].ID}) || head != 4 {
		t.Errorf("RevokedSince(vn.a, 0) = %v head %d; want the two listed ones of vn.a, head 4", got, head)
	}
	if got, _ := listed("vn.a", 1, now, 10); !slices.Equal(got, []string{rs[3].ID}) {
		t.Errorf("RevokedSince(vn.a, 1) = %v; want only the later one", got)
	}
	if got, _ := listed("vn.a", 0, now, 1); !slices.Equal(got, []string{rs[0].ID}) {
		t.Errorf("RevokedSince(vn.a, 0, limit 1) = %v; want the first", got)
	}
	if got, _ := listed("vn.a", 0, t0.Add(2*time.Hour), 10); !slices.Equal(got, []string{rs[0].ID}) {
		t.Errorf("RevokedSince after c3 expired = %v; want only c1", got)
	}
	if got, head := listed("vn.b", 0, now, 10); !slices.Equal(got, []string{rs[2].ID}) || head != 4 {
		t.Errorf("RevokedSince(vn.b) = %v head %d", got, head)
	}
	if got, head := listed("vn.none", 4, now, 10); len(got) != 0 || head != 4 {
		t.Errorf("RevokedSince(vn.none) = %v head %d", got, head)
	}
	// A second citizen's revocations follow on the same sequence.
	if n, err := s.PutRevocations(ctx, ids[1], []warehouse.Revocation{revocation(ids[1], "e1", "c9", "vn.a", true, day)}, noLimits, now); err != nil || n != 1 {
		t.Fatalf("PutRevocations of citizen 2 = %d, %v", n, err)
	}
	if got, head := listed("vn.a", 4, now, 10); len(got) != 1 || head != 5 {
		t.Errorf("RevokedSince(vn.a, 4) = %v head %d; want citizen 2's at seq 5", got, head)
	}
	// Purging drops what expired, and only that.
	if n, err := s.PurgeExpired(ctx, t0.Add(2*time.Hour)); err != nil || n < 1 {
		t.Errorf("PurgeExpired = %d, %v; want at least the expired revocation", n, err)
	}
	if _, err := s.Revocation(ctx, rs[3].ID); !errors.Is(err, warehouse.ErrNotFound) {
		t.Errorf("an expired revocation after PurgeExpired: %v, want ErrNotFound", err)
	}
	if _, err := s.Revocation(ctx, rs[0].ID); err != nil {
		t.Errorf("an unexpired revocation after PurgeExpired: %v", err)
	}
	if got, head := listed("vn.a", 0, t0.Add(2*time.Hour), 10); len(got) != 2 || head != 5 {
		t.Errorf("RevokedSince after purge = %v head %d; want 2 entries, head 5 (the head never goes back)", got, head)
	}
}

func testRevocationLimits(t *testing.T, s warehouse.Store) {
	ids := citizens(t, s, 2)
	lim := warehouse.RevocationLimits{Live: 3, PerHour: 2}
	now := t0.Add(time.Hour)
	rv := func(c string, exp time.Time) warehouse.Revocation {
		return revocation(ids[0], "d1", c, "vn.a", true, exp)
	}
	long := t0.Add(10 * 24 * time.Hour)
	put := func(at time.Time, rs ...warehouse.Revocation) (int, error) {
		t.Helper()
		for i := range rs {
			rs[i].Received = at
		}
		return s.PutRevocations(ctx, ids[0], rs, lim, at)
	}
	if n, err := put(now, rv("a", long), rv("b", t0.Add(3*time.Hour))); err != nil || n != 2 {
		t.Fatalf("two revocations within the limits: %d, %v", n, err)
	}
	if n, err := put(now.Add(30*time.Minute), rv("c", long)); !errors.Is(err, warehouse.ErrTooMany) || n != 0 {
		t.Errorf("a third in one hour: %d, %v; want ErrTooMany", n, err)
	}
	if _, err := s.Revocation(ctx, rv("c", long).ID); !errors.Is(err, warehouse.ErrNotFound) {
		t.Errorf("a refused revocation was stored: %v", err)
	}
	if n, err := put(now.Add(30*time.Minute), rv("a", long)); err != nil || n != 0 {
		t.Errorf("sending a stored revocation again at the limit: %d, %v; want 0, nil", n, err)
	}
	// Another citizen is not held back by this one.
	if n, err := s.PutRevocations(ctx, ids[1], []warehouse.Revocation{revocation(ids[1], "e1", "c", "vn.a", true, long)}, lim, now); err != nil || n != 1 {
		t.Errorf("another citizen's revocation: %d, %v", n, err)
	}
	later := now.Add(61 * time.Minute)
	if n, err := put(later, rv("c", long)); err != nil || n != 1 {
		t.Fatalf("a third an hour later: %d, %v", n, err)
	}
	if n, err := put(later.Add(2*time.Minute), rv("d", long)); !errors.Is(err, warehouse.ErrTooMany) || n != 0 {
		t.Errorf("a fourth live revocation: %d, %v; want ErrTooMany", n, err)
	}
	// "b" expires at t0+3h: then there is room again.
	if n, err := put(t0.Add(3*time.Hour+time.Second), rv("d", long)); err != nil || n != 1 {
		t.Errorf("a revocation after one expired: %d, %v", n, err)
	}
	// A batch that would pass a limit stores none of it.
	if n, err := put(t0.Add(5*time.Hour), rv("e", long), rv("f", long)); !errors.Is(err, warehouse.ErrTooMany) || n != 0 {
		t.Errorf("a batch over the limit: %d, %v; want ErrTooMany", n, err)
	}
	if _, err := s.Revocation(ctx, rv("e", long).ID); !errors.Is(err, warehouse.ErrNotFound) {
		t.Errorf("part of a refused batch was stored: %v", err)
	}
}

func testRevocationsConcurrent(t *testing.T, s warehouse.Store) {
	ids := citizens(t, s, 5)
	lim := warehouse.RevocationLimits{Live: 10, PerHour: 100}
	long := t0.Add(24 * time.Hour)
	now := t0.Add(time.Minute)
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, 4*n)
	for i := range 4 * n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := ids[i%4] // 20 tries for each of 4 citizens, whose limit is 10
			r := revocation(c, fmt.Sprintf("d%d", i%4), fmt.Sprintf("c%d", i), "vn.a", true, long)
			_, errs[i] = s.PutRevocations(ctx, c, []warehouse.Revocation{r}, lim, now)
		}()
	}
	wg.Wait()
	okByCitizen := map[int]int{}
	for i, err := range errs {
		switch {
		case err == nil:
			okByCitizen[i%4]++
		case !errors.Is(err, warehouse.ErrTooMany):
			t.Fatalf("PutRevocations %d: %v", i, err)
		}
	}
	for c := range 4 {
		if okByCitizen[c] != 10 {
			t.Errorf("citizen %d: %d of %d concurrent revocations stored; want exactly its limit of 10", c, okByCitizen[c], n)
		}
	}
	got, head, err := s.RevokedSince(ctx, "vn.a", 0, now, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if head != 40 || len(got) != 40 {
		t.Fatalf("RevokedSince = %d entries, head %d; want 40 and 40", len(got), head)
	}
	for i, r := range got {
		if r.Seq != int64(i+1) {
			t.Fatalf("revocation seqs are not dense: entry %d has seq %d", i, r.Seq)
		}
	}
}

func access(consentID string, at time.Time) protocol.AccessEntry {
	return protocol.AccessEntry{ConsentID: consentID, UsedAt: at, Counter: protocol.Counter{Agency: "vn.dongnai.bvdk", CounterID: "q2", Name: "Quầy 2"}, Fields: []string{"full_name", "birth_date"}}
}

func testRedeem(t *testing.T, s warehouse.Store) {
	ids := citizens(t, s, 2)
	e, err := s.Redeem(ctx, ids[0], true, access("once", t0))
	if err != nil || e.Seq != 1 {
		t.Fatalf("Redeem = %+v, %v", e, err)
	}
	if _, err := s.Redeem(ctx, ids[0], true, access("once", t0.Add(time.Minute))); !errors.Is(err, warehouse.ErrUsed) {
		t.Errorf("second redemption of a single-use consent: %v, want ErrUsed", err)
	}
	for k := 0; k < 2; k++ {
		if e, err := s.Redeem(ctx, ids[0], false, access("many", t0.Add(time.Duration(k)*time.Minute))); err != nil || e.Seq != int64(2+k) {
			t.Errorf("multi-use redemption %d = %+v, %v", k, e, err)
		}
	}
	if e, err := s.Redeem(ctx, ids[1], false, access("x", t0)); err != nil || e.Seq != 1 {
		t.Errorf("another citizen's log starts at 1: %+v, %v", e, err)
	}
	log, more, err := s.AccessLog(ctx, ids[0], 0, 2)
	if err != nil || len(log) != 2 || !more || log[0].ConsentID != "once" || log[1].Seq != 2 {
		t.Fatalf("AccessLog(0, 2) = %+v, more %v, %v", log, more, err)
	}
	want := access("once", t0)
	want.Seq = 1
	if g, w := mustJSON(log[0]), mustJSON(want); g != w {
		t.Errorf("access entry:\n got  %s\n want %s", g, w)
	}
	log, more, err = s.AccessLog(ctx, ids[0], 2, 10)
	if err != nil || len(log) != 1 || more || log[0].Seq != 3 {
		t.Errorf("AccessLog(2, 10) = %+v, more %v, %v", log, more, err)
	}
}

func testRedeemConcurrent(t *testing.T, s warehouse.Store) {
	ids := citizens(t, s, 1)
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for k := 0; k < n; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[k] = s.Redeem(ctx, ids[0], true, access("single", t0))
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !errors.Is(err, warehouse.ErrUsed) {
			t.Errorf("concurrent Redeem: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d concurrent redemptions of one single-use consent: %d succeeded, want 1", n, ok)
	}
	// 20 consents redeemed at once: 20 entries, seqs dense.
	for k := 0; k < n; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[k] = s.Redeem(ctx, ids[0], true, access(fmt.Sprint("c", k), t0))
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("Redeem of distinct consents: %v", err)
		}
	}
	log, more, err := s.AccessLog(ctx, ids[0], 0, 100)
	if err != nil || more || len(log) != n+1 {
		t.Fatalf("access log has %d entries (%v), want %d", len(log), err, n+1)
	}
	for i, e := range log {
		if e.Seq != int64(i+1) {
			t.Fatalf("access entry %d has seq %d: seqs must be dense", i, e.Seq)
		}
	}
}

func testAgenciesAndMeta(t *testing.T, s warehouse.Store) {
	if _, err := s.Meta(ctx, "nothing"); !errors.Is(err, warehouse.ErrNotFound) {
		t.Errorf("Meta of a name never put: %v, want ErrNotFound", err)
	}
	if err := s.PutMeta(ctx, warehouse.MetaTrustVersion, []byte("1")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutMeta(ctx, warehouse.MetaTrustVersion, []byte("2")); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Meta(ctx, warehouse.MetaTrustVersion); err != nil || string(v) != "2" {
		t.Errorf("Meta = %q, %v; want the last value", v, err)
	}
	// CreateMeta: the first value stays, whoever asks, however many at
	// once.
	if v, err := s.CreateMeta(ctx, warehouse.MetaTrustVersion, []byte("3")); err != nil || string(v) != "2" {
		t.Errorf("CreateMeta of a name with a value = %q, %v; want the value it had", v, err)
	}
	made := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range made {
		wg.Go(func() {
			v, err := s.CreateMeta(ctx, "test-key", []byte{byte(i)})
			if err != nil {
				t.Error(err)
			}
			made[i] = v
		})
	}
	wg.Wait()
	for i, v := range made {
		if len(v) != 1 || v[0] != made[0][0] {
			t.Fatalf("CreateMeta at once: %d made %v, 0 made %v", i, v, made[0])
		}
	}
	if v, err := s.Meta(ctx, "test-key"); err != nil || !bytes.Equal(v, made[0]) {
		t.Errorf("Meta after CreateMeta = %v, %v; want %v", v, err, made[0])
	}
	if _, err := s.CreateMeta(ctx, "", []byte("x")); !errors.Is(err, wallet.ErrInvalid) {
		t.Errorf("CreateMeta without a name: %v, want wallet.ErrInvalid", err)
	}
	as := []warehouse.AgencyInfo{
		{ID: "vn.dongnai.soyte", Name: wallet.Label{VI: "Sở Y tế", EN: "Department of Health"}, ClientKey: json.RawMessage(`{"kty":"EC"}`),
			SigningKeys: []warehouse.SigningKey{{KID: "k1", Public: json.RawMessage(`{"kty":"EC","crv":"P-256"}`), NotBefore: t0, NotAfter: t0.Add(time.Hour)}, {KID: "k2", Public: json.RawMessage(`{"kty":"OKP"}`), NotBefore: t0}}},
		{ID: "vn.dongnai.bhxh", Name: wallet.Label{VI: "Bảo hiểm xã hội", EN: "Social Security"}},
	}
	for _, a := range as {
		if err := s.PutAgency(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	renamed := as[1]
	renamed.Name.EN = "Social Insurance"
	if err := s.PutAgency(ctx, renamed); err != nil {
		t.Fatal(err)
	}
	got, err := s.Agencies(ctx)
	if err != nil || len(got) != 2 {
		t.Fatalf("Agencies = %+v, %v", got, err)
	}
	if got[0].ID != "vn.dongnai.bhxh" || got[0].Name.EN != "Social Insurance" {
		t.Errorf("Agencies[0] = %+v, want the replaced bhxh first (by id)", got[0])
	}
	if g, w := mustJSON(got[1]), mustJSON(as[0]); g != w {
		t.Errorf("agency round trip:\n got  %s\n want %s", g, w)
	}
}

// mustJSON is v's JSON in a canonical form (members sorted, no space), so
// a store may keep JSON as its database does (PostgreSQL's jsonb reorders
// members).
func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return canonical(b)
}

func canonical(b []byte) string {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return string(b)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// wholeAudit reads the whole audit log in pages of page entries,
// verifying the chain page by page (each from the last hash of the page
// before), and checks its seqs are 1..n.
func wholeAudit(t *testing.T, s warehouse.Store, page int) []warehouse.AuditEntry {
	t.Helper()
	var all []warehouse.AuditEntry
	var prev []byte
	after := int64(0)
	for {
		p, err := s.AuditLog(ctx, after, page)
		if err != nil {
			t.Fatalf("AuditLog(%d, %d): %v", after, page, err)
		}
		if len(p) > page {
			t.Fatalf("AuditLog(%d, %d) returned %d entries", after, page, len(p))
		}
		if err := warehouse.VerifyAuditChain(prev, p); err != nil {
			t.Fatalf("the stored chain does not verify (page after %d): %v", after, err)
		}
		all = append(all, p...)
		if len(p) == 0 {
			break
		}
		after, prev = p[len(p)-1].Seq, p[len(p)-1].Hash
	}
	for i, e := range all {
		if e.Seq != int64(i+1) {
			t.Fatalf("audit entry %d has seq %d: seqs must be 1..n with no gap or repeat", i, e.Seq)
		}
	}
	return all
}

// sameAudit compares an entry read back with the one AppendAudit
// returned: every field, Details byte for byte.
func sameAudit(t *testing.T, what string, got, want warehouse.AuditEntry) {
	t.Helper()
	if got.Seq != want.Seq || !got.At.Equal(want.At) || got.Actor != want.Actor || got.Action != want.Action ||
		got.Subject != want.Subject || !bytes.Equal(got.Details, want.Details) || !bytes.Equal(got.Prev, want.Prev) || !bytes.Equal(got.Hash, want.Hash) {
		t.Errorf("%s:\n got  %+v (details %s)\n want %+v (details %s)", what, got, got.Details, want, want.Details)
	}
}

func mustAudit(t *testing.T, s warehouse.Store, e warehouse.AuditEntry) warehouse.AuditEntry {
	t.Helper()
	out, err := s.AppendAudit(ctx, e)
	if err != nil {
		t.Fatalf("AppendAudit(%+v): %v", e, err)
	}
	return out
}

func testAudit(t *testing.T, s warehouse.Store) {
	if log, err := s.AuditLog(ctx, 0, 10); err != nil || len(log) != 0 {
		t.Fatalf("AuditLog of a new store = %v, %v; want none", log, err)
	}
	before := time.Now().Add(-time.Minute)
	given := []warehouse.AuditEntry{
		{At: t0, Actor: "agency:vn.dongnai.soyte", Action: "ingest", Subject: "vn.dongnai.soyte", Details: json.RawMessage(`{"key":"k1","operations":3}`)},
		{At: t0.Add(1234567 * time.Nanosecond), Actor: "operator:lan", Action: "enrolment-code", Subject: "079203000001"},
		// Space is compacted away; escapes, HTML characters and non-ASCII
		// text are kept byte for byte.
		{At: t0.In(time.FixedZone("ICT", 7*3600)), Actor: "commune:tan-phong", Action: "device-revoke", Subject: "079203000002",
			Details: json.RawMessage(" {\"device\" : \"d1\",\n \"note\":\"<&> \\u0000 \\u00e9 ế\"} ")},
		{Actor: "system", Action: "agency-register", Subject: "vn.dongnai.bhxh", Details: json.RawMessage(`{}`),
			Seq: 99, Prev: []byte("forged"), Hash: []byte("forged")}, // At zero: the store's clock; Seq, Prev, Hash ignored
		{At: t0, Actor: "operator:lan", Action: "admin-withdraw", Subject: "079203000001", Details: json.RawMessage(`{"record":"r-1","version":3,"seq":7}`)},
	}
	wantDetails := []string{`{"key":"k1","operations":3}`, `{}`, `{"device":"d1","note":"<&> \u0000 \u00e9 ế"}`, `{}`, `{"record":"r-1","version":3,"seq":7}`}
	var got []warehouse.AuditEntry
	prev := make([]byte, warehouse.AuditHashSize)
	for i, g := range given {
		e := mustAudit(t, s, g)
		switch {
		case e.Seq != int64(i+1):
			t.Errorf("entry %d: seq %d, want %d", i, e.Seq, i+1)
		case !bytes.Equal(e.Prev, prev):
			t.Errorf("entry %d: prev %x, want the hash of the entry before, %x", i, e.Prev, prev)
		case !bytes.Equal(e.Hash, e.ComputeHash()):
			t.Errorf("entry %d: hash %x is not ComputeHash %x", i, e.Hash, e.ComputeHash())
		case string(e.Details) != wantDetails[i]:
			t.Errorf("entry %d: details %s, want %s", i, e.Details, wantDetails[i])
		case e.Actor != g.Actor || e.Action != g.Action || e.Subject != g.Subject:
			t.Errorf("entry %d: %+v, given %+v", i, e, g)
		case e.At.Location() != time.UTC || e.At.Nanosecond()%1000 != 0:
			t.Errorf("entry %d: at %v, want UTC to the microsecond", i, e.At)
		}
		prev = e.Hash
		got = append(got, e)
	}
	if !got[1].At.Equal(t0.Add(1234 * time.Microsecond)) {
		t.Errorf("at %v, want %v (truncated to the microsecond)", got[1].At, t0.Add(1234*time.Microsecond))
	}
	if !got[2].At.Equal(t0) {
		t.Errorf("at %v, want the same instant as %v", got[2].At, t0)
	}
	if got[3].At.Before(before) || got[3].At.After(time.Now().Add(time.Minute)) {
		t.Errorf("an entry without a time got %v, want the store's clock", got[3].At)
	}
	for _, page := range []int{1, 2, 100} {
		log := wholeAudit(t, s, page)
		if len(log) != len(got) {
			t.Fatalf("pages of %d: %d entries, want %d", page, len(log), len(got))
		}
		for i := range log {
			sameAudit(t, fmt.Sprintf("pages of %d, entry %d", page, i), log[i], got[i])
		}
	}
	if err := warehouse.VerifyAuditChain(nil, got); err != nil {
		t.Errorf("VerifyAuditChain of what AppendAudit returned: %v", err)
	}
}

func testAuditRefused(t *testing.T, s warehouse.Store) {
	mustAudit(t, s, warehouse.AuditEntry{At: t0, Actor: "system", Action: "start"})
	ok := warehouse.AuditEntry{At: t0, Actor: "operator:lan", Action: "enrolment-code", Subject: "079203000001"}
	long := string(bytes.Repeat([]byte("x"), 300))
	for name, edit := range map[string]func(e *warehouse.AuditEntry){
		"no actor":             func(e *warehouse.AuditEntry) { e.Actor = "" },
		"no action":            func(e *warehouse.AuditEntry) { e.Action = "" },
		"NUL in the subject":   func(e *warehouse.AuditEntry) { e.Subject = "079\x00203" },
		"actor not UTF-8":      func(e *warehouse.AuditEntry) { e.Actor = "operator:\xff" },
		"action too long":      func(e *warehouse.AuditEntry) { e.Action = long },
		"details an array":     func(e *warehouse.AuditEntry) { e.Details = json.RawMessage(`[1,2]`) },
		"details a string":     func(e *warehouse.AuditEntry) { e.Details = json.RawMessage(`"x"`) },
		"details not JSON":     func(e *warehouse.AuditEntry) { e.Details = json.RawMessage(`{"a":`) },
		"details two values":   func(e *warehouse.AuditEntry) { e.Details = json.RawMessage(`{} {}`) },
		"details not UTF-8":    func(e *warehouse.AuditEntry) { e.Details = json.RawMessage("{\"a\":\"\xff\"}") },
		"a time out of range":  func(e *warehouse.AuditEntry) { e.At = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		"a time before year 1": func(e *warehouse.AuditEntry) { e.At = time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC) },
		"details over the size": func(e *warehouse.AuditEntry) {
			e.Details = json.RawMessage(`{"a":"` + strings.Repeat("x", 1<<20) + `"}`)
		},
	} {
		e := ok
		edit(&e)
		if _, err := s.AppendAudit(ctx, e); !errors.Is(err, wallet.ErrInvalid) {
			t.Errorf("%s: %v, want wallet.ErrInvalid", name, err)
		}
	}
	if log := wholeAudit(t, s, 10); len(log) != 1 {
		t.Errorf("refused entries were stored: %d entries", len(log))
	}
	if e := mustAudit(t, s, ok); e.Seq != 2 {
		t.Errorf("the entry after refusals has seq %d, want 2 (a refusal takes no seq)", e.Seq)
	}
}

func testAuditPaging(t *testing.T, s warehouse.Store) {
	const n = 25
	for i := range n {
		mustAudit(t, s, warehouse.AuditEntry{At: t0.Add(time.Duration(i) * time.Second), Actor: "system", Action: "tick", Details: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i))})
	}
	for _, c := range []struct {
		after       int64
		limit       int
		first, last int64 // 0, 0: none
	}{
		{0, 10, 1, 10}, {10, 10, 11, 20}, {20, 10, 21, 25}, {25, 10, 0, 0}, {100, 10, 0, 0},
		{0, 0, 0, 0}, {0, -1, 0, 0}, {-5, 3, 1, 3}, {7, 1, 8, 8}, {0, 1000, 1, 25},
	} {
		log, err := s.AuditLog(ctx, c.after, c.limit)
		if err != nil {
			t.Fatalf("AuditLog(%d, %d): %v", c.after, c.limit, err)
		}
		want := 0
		if c.first > 0 {
			want = int(c.last - c.first + 1)
		}
		if len(log) != want || (want > 0 && (log[0].Seq != c.first || log[len(log)-1].Seq != c.last)) {
			t.Errorf("AuditLog(%d, %d): %d entries %v, want seqs %d..%d", c.after, c.limit, len(log), seqsOf(log), c.first, c.last)
		}
	}
	all := wholeAudit(t, s, 4)
	if len(all) != n {
		t.Fatalf("%d entries, want %d", len(all), n)
	}
	// A page verifies on its own, from the hash of the entry before it.
	page, _ := s.AuditLog(ctx, 10, 5)
	if err := warehouse.VerifyAuditChain(all[9].Hash, page); err != nil {
		t.Errorf("page 11..15 from the hash of entry 10: %v", err)
	}
	if err := warehouse.VerifyAuditChain(all[8].Hash, page); !errors.Is(err, warehouse.ErrAuditChain) {
		t.Errorf("page 11..15 from the hash of entry 9: %v, want ErrAuditChain", err)
	}
}

func seqsOf(es []warehouse.AuditEntry) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.Seq
	}
	return out
}

// testAuditConcurrent: 20 concurrent appends form one chain of 20: seqs
// 1..20 each given once, every returned entry stored as returned.
func testAuditConcurrent(t *testing.T, s warehouse.Store) {
	const n = 20
	got := make([]warehouse.AuditEntry, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			got[i], errs[i] = s.AppendAudit(ctx, warehouse.AuditEntry{At: t0, Actor: fmt.Sprint("operator:", i), Action: "device-revoke",
				Subject: "079203000001", Details: json.RawMessage(fmt.Sprintf(`{"device":"d%d"}`, i))})
		})
	}
	close(start)
	wg.Wait()
	log := wholeAudit(t, s, 7)
	if len(log) != n {
		t.Fatalf("%d entries after %d appends", len(log), n)
	}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("append %d: %v (a conflict must be retried by the store)", i, errs[i])
		}
		sameAudit(t, fmt.Sprintf("append %d", i), log[got[i].Seq-1], got[i])
	}
}

// auditDetails is the Details of an audited batch, as the tests give
// them and the store extends them.
type auditDetails struct {
	Key   string                `json:"key"`
	Items []warehouse.AuditItem `json:"items"`
}

func batchAudit(key string) *warehouse.AuditEntry {
	return &warehouse.AuditEntry{At: t0, Actor: "agency:vn.x", Action: "ingest", Subject: "vn.x", Details: json.RawMessage(fmt.Sprintf(`{"key":%q}`, key))}
}

func testAppendAudit(t *testing.T, s warehouse.Store) {
	ids := citizens(t, s, 1)
	c := ids[0]
	// Without Audit, Append writes no entry.
	mustAppend(t, s, warehouse.Batch{Agency: "vn.x", Writes: []warehouse.Write{write(c, record(0, 0, 1))}})
	if log := wholeAudit(t, s, 10); len(log) != 0 {
		t.Fatalf("an Append without Audit wrote %d audit entries", len(log))
	}
	conflicting := record(0, 0, 1)
	correction := record(0, 0, 0)
	correction.Claims = maps(correction.Claims, "corrected", "yes")
	b := warehouse.Batch{Agency: "vn.x", Key: "k1", BatchDigest: []byte("d1"), Audit: batchAudit("k1"), Writes: []warehouse.Write{
		write(c, record(0, 0, 1)),                                                     // duplicate of seq 1
		write("079000000000", record(1, 0, 1)),                                        // unknown citizen
		{CitizenID: c, Record: conflicting, Digest: []byte("other content")},          // version 1 with other content
		write(c, record(0, 1, 0)),                                                     // new: version 1, seq 2
		{CitizenID: c, Record: correction, Digest: digest(correction), Op: "correct"}, // version 2, seq 3
		write(c, record(0, 2, 3)),                                                     // new at version 3, seq 4
		write(c, record(0, 2, 2)),                                                     // stale: 2 is not above 3
	}}
	res := mustAppend(t, s, b)
	want := []warehouse.AuditItem{
		{Citizen: c, Record: record(0, 0, 1).ID, Version: 1, Seq: 1, Status: protocol.IngestDuplicate},
		{Citizen: "079000000000", Record: record(1, 0, 1).ID, Version: 1, Status: protocol.IngestRefused, Error: protocol.ErrCodeUnknownCitizen},
		{Citizen: c, Record: conflicting.ID, Version: 1, Status: protocol.IngestRefused, Error: protocol.ErrCodeConflict},
		{Citizen: c, Record: record(0, 1, 0).ID, Version: 1, Seq: 2, Status: protocol.IngestStored},
		{Citizen: c, Op: "correct", Record: correction.ID, Version: 2, Seq: 3, Status: protocol.IngestStored},
		{Citizen: c, Record: record(0, 2, 3).ID, Version: 3, Seq: 4, Status: protocol.IngestStored},
		{Citizen: c, Record: record(0, 2, 2).ID, Version: 2, Status: protocol.IngestRefused, Error: protocol.ErrCodeStaleVersion},
	}
	for i, it := range res.Items {
		if it.Entry.Seq != want[i].Seq {
			t.Fatalf("item %d: %+v, want seq %d (the test's premise)", i, it, want[i].Seq)
		}
	}
	log := wholeAudit(t, s, 10)
	if len(log) != 1 {
		t.Fatalf("%d audit entries after one audited batch, want 1", len(log))
	}
	e := log[0]
	if e.Actor != "agency:vn.x" || e.Action != "ingest" || e.Subject != "vn.x" || !e.At.Equal(t0) {
		t.Errorf("batch entry %+v", e)
	}
	if !bytes.HasPrefix(e.Details, []byte(`{"key":"k1",`)) {
		t.Errorf("details %s do not keep the caller's members as given", e.Details)
	}
	var d auditDetails
	if err := json.Unmarshal(e.Details, &d); err != nil || d.Key != "k1" {
		t.Fatalf("details %s: %v", e.Details, err)
	}
	if mustJSON(d.Items) != mustJSON(want) {
		t.Errorf("items:\n got  %s\n want %s", mustJSON(d.Items), mustJSON(want))
	}

	// A replay writes no entry; nor does a reused key (an error).
	if again := mustAppend(t, s, b); !again.Replayed {
		t.Fatal("the same batch again is not Replayed")
	}
	other := b
	other.BatchDigest = []byte("d2")
	if _, err := s.Append(ctx, other, accept); !errors.Is(err, warehouse.ErrConflict) {
		t.Fatalf("reused key: %v, want ErrConflict", err)
	}
	if log := wholeAudit(t, s, 10); len(log) != 1 {
		t.Fatalf("%d audit entries after a replay and a reused key, want 1", len(log))
	}

	// Audit details the store cannot extend, or an entry PrepareAudit
	// refuses, fail the whole batch: nothing stored.
	for name, a := range map[string]*warehouse.AuditEntry{
		"items given": {At: t0, Actor: "agency:vn.x", Action: "ingest", Details: json.RawMessage(`{"items":[]}`)},
		"no actor":    {At: t0, Action: "ingest"},
		"an array":    {At: t0, Actor: "agency:vn.x", Action: "ingest", Details: json.RawMessage(`[]`)},
	} {
		bad := warehouse.Batch{Agency: "vn.x", Key: "k-" + name, BatchDigest: []byte("d"), Audit: a, Writes: []warehouse.Write{write(c, record(0, 9, 1))}}
		if _, err := s.Append(ctx, bad, accept); !errors.Is(err, wallet.ErrInvalid) {
			t.Errorf("%s: %v, want wallet.ErrInvalid", name, err)
		}
	}
	if feed := wholeFeed(t, s, c); len(feed) != 4 {
		t.Errorf("feed has %d entries after refused audited batches, want 4", len(feed))
	}
	if log := wholeAudit(t, s, 10); len(log) != 1 {
		t.Fatalf("%d audit entries after refused batches, want 1", len(log))
	}
	// The refused batches did not spend their keys.
	retry := warehouse.Batch{Agency: "vn.x", Key: "k-no actor", BatchDigest: []byte("d"), Audit: batchAudit("k-no actor"), Writes: []warehouse.Write{write(c, record(0, 9, 1))}}
	if r := mustAppend(t, s, retry); r.Replayed || r.Items[0].Entry.Seq != 5 {
		t.Errorf("the refused batch sent again: %+v", r)
	}

	// An empty batch with a key, and a batch of unknown citizens only,
	// are audited too; a standalone entry joins the same chain.
	mustAppend(t, s, warehouse.Batch{Agency: "vn.x", Key: "empty", BatchDigest: []byte("e"), Audit: batchAudit("empty")})
	mustAppend(t, s, warehouse.Batch{Agency: "vn.x", Audit: batchAudit(""), Writes: []warehouse.Write{write("079000000000", record(1, 1, 1))}})
	mustAudit(t, s, warehouse.AuditEntry{At: t0, Actor: "operator:lan", Action: "device-revoke", Subject: c})
	log = wholeAudit(t, s, 2)
	if len(log) != 5 {
		t.Fatalf("%d audit entries, want 5", len(log))
	}
	for i, wantItems := range map[int]int{1: 1, 2: 0, 3: 1} {
		var d auditDetails
		if err := json.Unmarshal(log[i].Details, &d); err != nil || len(d.Items) != wantItems || !bytes.Contains(log[i].Details, []byte(`"items":[`)) {
			t.Errorf("entry %d: details %s, want %d items", log[i].Seq, log[i].Details, wantItems)
		}
	}
}

// testAppendAuditConcurrent: 10 audited batches and 10 standalone entries
// at once make one chain of 20, each batch's entry naming the seq its
// write got in the feed.
func testAppendAuditConcurrent(t *testing.T, s warehouse.Store) {
	ids := citizens(t, s, 2)
	const n = 10
	results := make([]warehouse.BatchResult, n)
	errs := make([]error, 2*n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for k := range n {
		wg.Go(func() {
			<-start
			c := ids[k%2]
			results[k], errs[k] = s.Append(ctx, warehouse.Batch{Agency: "vn.x", Audit: batchAudit(fmt.Sprint("b", k)),
				Writes: []warehouse.Write{write(c, record(k%2, 100+k, 1))}}, accept)
		})
		wg.Go(func() {
			<-start
			_, errs[n+k] = s.AppendAudit(ctx, warehouse.AuditEntry{At: t0, Actor: "system", Action: "tick", Details: json.RawMessage(fmt.Sprintf(`{"k":%d}`, k))})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	log := wholeAudit(t, s, 6)
	if len(log) != 2*n {
		t.Fatalf("%d audit entries, want %d", len(log), 2*n)
	}
	found := map[string]warehouse.AuditItem{}
	for _, e := range log {
		if e.Action != "ingest" {
			continue
		}
		var d auditDetails
		if err := json.Unmarshal(e.Details, &d); err != nil || len(d.Items) != 1 {
			t.Fatalf("entry %d: details %s: %v", e.Seq, e.Details, err)
		}
		found[d.Key] = d.Items[0]
	}
	for k := range n {
		it, ok := found[fmt.Sprint("b", k)]
		if got := results[k].Items[0]; !ok || it.Status != protocol.IngestStored || it.Seq != got.Entry.Seq || it.Record != got.Entry.Record.ID {
			t.Errorf("batch %d: audit item %+v (found %v), stored %+v", k, it, ok, got)
		}
	}
}
