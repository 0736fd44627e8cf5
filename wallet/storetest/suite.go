package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// Factory makes stores for the conformance suite.
type Factory struct {
	// Create makes a new, empty profile for p protected by pin in a fresh
	// place, and returns it unlocked with a function that opens the same
	// profile again (after the suite has closed it) with a given PIN.
	Create func(t *testing.T, p wallet.Profile, pin []byte) (wallet.Store, Reopen)
}

// Reopen unlocks a profile made by Factory.Create again.
type Reopen func(pin []byte) (wallet.Store, error)

// PIN is the PIN the suite creates profiles with.
const PIN = "246810"

// Run runs the conformance suite: the wallet.Store contract, the same for
// every implementation.
func Run(t *testing.T, f Factory) {
	tests := []struct {
		name string
		fn   func(*testing.T, Factory)
	}{
		{"RoundTripEveryType", testRoundTripEveryType},
		{"Versions", testVersions},
		{"Queries", testQueries},
		{"BatchAtomic", testBatchAtomic},
		{"Meta", testMeta},
		{"Locked", testLocked},
		{"WrongPIN", testWrongPIN},
		{"ChangePIN", testChangePIN},
		{"NotFoundAndInvalid", testNotFoundAndInvalid},
		{"Concurrent", testConcurrent},
		{"Context", testContext},
		{"ReplaceCredential", testReplaceCredential},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, f) })
	}
}

func create(t *testing.T, f Factory, i int) (wallet.Store, Reopen) {
	t.Helper()
	s, reopen := f.Create(t, sample.Profile(i), []byte(PIN))
	t.Cleanup(func() { s.Close() })
	return s, reopen
}

func reopen(t *testing.T, s wallet.Store, r Reopen) wallet.Store {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s2, err := r([]byte(PIN))
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	t.Cleanup(func() { s2.Close() })
	return s2
}

// sameRecord compares what a store returned with what was put: equal in
// every field, ReceivedAt set by the store when it was zero.
func sameRecord(t *testing.T, got, put wallet.Record) {
	t.Helper()
	want := put
	if want.ReceivedAt.IsZero() {
		if got.ReceivedAt.IsZero() {
			t.Errorf("record %s: ReceivedAt not set", got.ID)
		}
		want.ReceivedAt = got.ReceivedAt
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("record %s v%d differs:\n got %+v\nwant %+v", put.ID, put.Version, got, want)
	}
}

func allSamples(i int) []wallet.Record {
	var out []wallet.Record
	for _, typ := range wallet.Types() {
		out = append(out, sample.Record(typ, i))
	}
	return out
}

func testRoundTripEveryType(t *testing.T, f Factory) {
	ctx := context.Background()
	s, r := create(t, f, 1)
	recs := allSamples(1)
	for _, rec := range recs {
		if err := s.Put(ctx, rec); err != nil {
			t.Fatalf("Put %s: %v", rec.Type, err)
		}
	}
	check := func(s wallet.Store) {
		t.Helper()
		p, err := s.Profile(ctx)
		if err != nil || !reflect.DeepEqual(p, sample.Profile(1)) {
			t.Errorf("Profile = %+v, %v; want %+v", p, err, sample.Profile(1))
		}
		for _, rec := range recs {
			got, err := s.Record(ctx, rec.ID)
			if err != nil {
				t.Fatalf("Record %s: %v", rec.ID, err)
			}
			sameRecord(t, got, rec)
		}
		all, err := s.Records(ctx, wallet.Query{})
		if err != nil || len(all) != len(recs) {
			t.Fatalf("Records = %d, %v; want %d", len(all), err, len(recs))
		}
		counts, err := s.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[wallet.Domain]int{}
		for _, rec := range recs {
			want[rec.Domain]++
		}
		if !reflect.DeepEqual(counts, want) {
			t.Errorf("Counts = %v; want %v", counts, want)
		}
	}
	check(s)
	check(reopen(t, s, r))
}

func testVersions(t *testing.T, f Factory) {
	ctx := context.Background()
	s, r := create(t, f, 2)
	typ, _ := wallet.LookupType("health.insurance_card")
	v1 := sample.Record(typ, 2)
	v2 := v1
	v2.Version = 2
	v2.IssuedAt = v1.IssuedAt.Add(24 * time.Hour)
	v2.Claims = sample.Record(typ, 3).Claims
	for _, rec := range []wallet.Record{v1, v2} {
		if err := s.Put(ctx, rec); err != nil {
			t.Fatalf("Put v%d: %v", rec.Version, err)
		}
	}
	latest, err := s.Record(ctx, v1.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameRecord(t, latest, v2)

	// Replays of stored versions double nothing.
	for _, rec := range []wallet.Record{v1, v2} {
		if err := s.Put(ctx, rec); err != nil {
			t.Errorf("replay of v%d: %v", rec.Version, err)
		}
	}
	// A different v1 is stale; a different v2 is invalid.
	v1b := v1
	v1b.Issuer = "vn.other"
	if err := s.Put(ctx, v1b); !errors.Is(err, wallet.ErrStaleVersion) {
		t.Errorf("Put older different version = %v; want ErrStaleVersion", err)
	}
	v2b := v2
	v2b.Issuer = "vn.other"
	if err := s.Put(ctx, v2b); !errors.Is(err, wallet.ErrInvalid) {
		t.Errorf("Put same version, other content = %v; want ErrInvalid", err)
	}

	// Withdrawal is a new version.
	v3 := v2
	v3.Version = 3
	v3.Status = wallet.StatusWithdrawn
	v3.IssuedAt = v2.IssuedAt.Add(24 * time.Hour)
	if err := s.Put(ctx, v3); err != nil {
		t.Fatalf("Put withdrawal: %v", err)
	}
	s = reopen(t, s, r)
	hist, err := s.History(ctx, v1.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range hist {
		got = append(got, fmt.Sprintf("%d:%s", h.Version, h.Status))
	}
	if want := []string{"1:superseded", "2:superseded", "3:withdrawn"}; !slices.Equal(got, want) {
		t.Errorf("History = %v; want %v", got, want)
	}
	counts, _ := s.Counts(ctx)
	if counts[wallet.DomainHealth] != 1 {
		t.Errorf("Counts[health] = %d; want 1 (a withdrawn record is shown as such)", counts[wallet.DomainHealth])
	}
	active, _ := s.Records(ctx, wallet.Query{Statuses: []wallet.Status{wallet.StatusActive}})
	if len(active) != 0 {
		t.Errorf("active records = %d; want 0", len(active))
	}
}

func testQueries(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := create(t, f, 3)
	var recs []wallet.Record
	for i := 3; i < 9; i++ {
		recs = append(recs, allSamples(i)...)
	}
	if err := s.Apply(ctx, wallet.Batch{Records: recs}); err != nil {
		t.Fatal(err)
	}
	stored, err := s.Records(ctx, wallet.Query{})
	if err != nil {
		t.Fatal(err)
	}
	mid := recs[len(recs)/2].IssuedAt
	queries := []wallet.Query{
		{},
		{Domain: wallet.DomainHealth},
		{Domain: wallet.DomainEducation, Type: "education.diploma"},
		{Type: "labour.contribution"},
		{Type: "no.such_type"},
		{Issuer: recs[0].Issuer},
		{IssuedFrom: mid},
		{IssuedTo: mid},
		{Domain: wallet.DomainCivilStatus, IssuedFrom: mid.AddDate(-5, 0, 0), IssuedTo: mid},
		{Statuses: []wallet.Status{wallet.StatusActive}},
		{Statuses: []wallet.Status{wallet.StatusWithdrawn}},
	}
	order := map[wallet.Domain]int{}
	for i, d := range wallet.Domains {
		order[d] = i
	}
	for _, q := range queries {
		got, err := s.Records(ctx, q)
		if err != nil {
			t.Fatalf("Records(%+v): %v", q, err)
		}
		var want []string
		for _, r := range stored {
			if q.Match(r) {
				want = append(want, r.ID)
			}
		}
		var ids []string
		for i, r := range got {
			ids = append(ids, r.ID)
			if i > 0 {
				p := got[i-1]
				ok := order[p.Domain] < order[r.Domain] ||
					p.Domain == r.Domain && (p.Type < r.Type ||
						p.Type == r.Type && (p.IssuedAt.After(r.IssuedAt) ||
							p.IssuedAt.Equal(r.IssuedAt) && p.ID < r.ID))
				if !ok {
					t.Errorf("Records(%+v): %s before %s breaks the order", q, p.ID, r.ID)
				}
			}
		}
		slices.Sort(ids)
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			t.Errorf("Records(%+v) = %d records; want %d", q, len(ids), len(want))
		}
	}
	if len(stored) != len(recs) {
		t.Errorf("stored %d records; want %d", len(stored), len(recs))
	}
}

func testBatchAtomic(t *testing.T, f Factory) {
	ctx := context.Background()
	s, r := create(t, f, 4)
	good := allSamples(4)
	if err := s.Put(ctx, good[0]); err != nil {
		t.Fatal(err)
	}
	bad := good[1]
	bad.Type = "no.such_type"
	stale := good[0]
	stale.Version = 0 // invalid version
	newer := good[0]
	newer.Version = 3
	older := good[0]
	older.Version = 2
	for name, batch := range map[string][]wallet.Record{
		"invalid record last":        append(slices.Clone(good[1:]), bad),
		"stale version after newer":  {good[2], newer, older},
		"invalid version":            {good[3], stale},
		"same version other content": {good[4], func() wallet.Record { x := good[0]; x.Issuer = "vn.x"; return x }()},
	} {
		err := s.Apply(ctx, wallet.Batch{Records: batch, Meta: map[string][]byte{"cursor": []byte(name)}})
		if err == nil {
			t.Errorf("%s: Apply succeeded", name)
		}
		all, _ := s.Records(ctx, wallet.Query{})
		if len(all) != 1 {
			t.Errorf("%s: %d records after a failed batch; want 1", name, len(all))
		}
		if _, err := s.Meta(ctx, "cursor"); !errors.Is(err, wallet.ErrNotFound) {
			t.Errorf("%s: meta written by a failed batch: %v", name, err)
		}
	}
	if err := s.Apply(ctx, wallet.Batch{Records: good, Meta: map[string][]byte{"cursor": []byte("page-1")}}); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s, r)
	all, _ := s.Records(ctx, wallet.Query{})
	cur, err := s.Meta(ctx, "cursor")
	if len(all) != len(good) || err != nil || string(cur) != "page-1" {
		t.Errorf("after batch: %d records, cursor %q, %v", len(all), cur, err)
	}
}

func testMeta(t *testing.T, f Factory) {
	ctx := context.Background()
	s, r := create(t, f, 5)
	if _, err := s.Meta(ctx, "trust-list"); !errors.Is(err, wallet.ErrNotFound) {
		t.Errorf("Meta of a missing key = %v; want ErrNotFound", err)
	}
	val := []byte{0, 1, 2, 0xff}
	if err := s.Apply(ctx, wallet.Batch{Meta: map[string][]byte{"trust-list": val, "empty": {}}}); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s, r)
	if got, err := s.Meta(ctx, "trust-list"); err != nil || !slices.Equal(got, val) {
		t.Errorf("Meta = %x, %v", got, err)
	}
	if got, err := s.Meta(ctx, "empty"); err != nil || len(got) != 0 {
		t.Errorf("Meta(empty) = %x, %v", got, err)
	}
	if err := s.Apply(ctx, wallet.Batch{Meta: map[string][]byte{"trust-list": nil}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Meta(ctx, "trust-list"); !errors.Is(err, wallet.ErrNotFound) {
		t.Errorf("Meta after delete = %v; want ErrNotFound", err)
	}
	for _, name := range []string{"", "a\x00b", "line\n", strings.Repeat("k", 201)} {
		if err := s.Apply(ctx, wallet.Batch{Meta: map[string][]byte{name: {1}}}); !errors.Is(err, wallet.ErrInvalid) {
			t.Errorf("meta key %q: %v; want ErrInvalid", name, err)
		}
	}
}

func testLocked(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := create(t, f, 6)
	rec := allSamples(6)[0]
	if err := s.Put(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	calls := map[string]error{}
	_, calls["Profile"] = s.Profile(ctx)
	calls["Put"] = s.Put(ctx, rec)
	calls["Apply"] = s.Apply(ctx, wallet.Batch{Meta: map[string][]byte{"k": {1}}})
	_, calls["Record"] = s.Record(ctx, rec.ID)
	_, calls["History"] = s.History(ctx, rec.ID)
	_, calls["Records"] = s.Records(ctx, wallet.Query{})
	_, calls["Counts"] = s.Counts(ctx)
	_, calls["Meta"] = s.Meta(ctx, "k")
	calls["ChangePIN"] = s.ChangePIN(ctx, []byte(PIN), []byte("135790"))
	for name, err := range calls {
		if !errors.Is(err, wallet.ErrLocked) {
			t.Errorf("%s after Close = %v; want ErrLocked", name, err)
		}
	}
}

func testWrongPIN(t *testing.T, f Factory) {
	s, r := create(t, f, 7)
	s.Close()
	if s2, err := r([]byte("000000")); !errors.Is(err, wallet.ErrWrongPIN) {
		if s2 != nil {
			s2.Close()
		}
		t.Fatalf("open with a wrong PIN = %v; want ErrWrongPIN", err)
	}
	reopen(t, s, r) // the right PIN still works
}

func testChangePIN(t *testing.T, f Factory) {
	ctx := context.Background()
	s, r := create(t, f, 8)
	rec := allSamples(8)[3]
	if err := s.Put(ctx, rec); err != nil {
		t.Fatal(err)
	}
	newPIN := []byte("mật khẩu mới 2026")
	if err := s.ChangePIN(ctx, []byte("999999"), newPIN); !errors.Is(err, wallet.ErrWrongPIN) {
		t.Errorf("ChangePIN with a wrong old PIN = %v; want ErrWrongPIN", err)
	}
	if err := s.ChangePIN(ctx, []byte(PIN), []byte("123")); !errors.Is(err, wallet.ErrInvalid) {
		t.Errorf("ChangePIN to a too-short PIN = %v; want ErrInvalid", err)
	}
	if err := s.ChangePIN(ctx, []byte(PIN), newPIN); err != nil {
		t.Fatalf("ChangePIN: %v", err)
	}
	// The open store keeps working.
	if got, err := s.Record(ctx, rec.ID); err != nil || got.ID != rec.ID {
		t.Errorf("Record after ChangePIN = %v", err)
	}
	s.Close()
	if s2, err := r([]byte(PIN)); !errors.Is(err, wallet.ErrWrongPIN) {
		if s2 != nil {
			s2.Close()
		}
		t.Errorf("old PIN after change = %v; want ErrWrongPIN", err)
	}
	s2, err := r(newPIN)
	if err != nil {
		t.Fatalf("new PIN: %v", err)
	}
	defer s2.Close()
	got, err := s2.Record(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameRecord(t, got, rec)
}

func testNotFoundAndInvalid(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := create(t, f, 9)
	if _, err := s.Record(ctx, "missing"); !errors.Is(err, wallet.ErrNotFound) {
		t.Errorf("Record(missing) = %v", err)
	}
	if _, err := s.History(ctx, "missing"); !errors.Is(err, wallet.ErrNotFound) {
		t.Errorf("History(missing) = %v", err)
	}
	rec := allSamples(9)[0]
	// A record id that is a prefix of another must not see its versions.
	long := rec
	long.ID = rec.ID + "x"
	if err := s.Put(ctx, long); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Record(ctx, rec.ID); !errors.Is(err, wallet.ErrNotFound) {
		t.Errorf("Record(prefix of another id) = %v; want ErrNotFound", err)
	}
	bad := rec
	bad.Claims = wallet.Claims{"no_such_field": "x"}
	if err := s.Put(ctx, bad); !errors.Is(err, wallet.ErrInvalid) {
		t.Errorf("Put invalid claims = %v; want ErrInvalid", err)
	}
	other := rec
	other.ID = long.ID
	other.Version = 2
	other.Type = "education.diploma"
	other.Domain = wallet.DomainEducation
	other.Claims = sample.Record(mustType("education.diploma"), 9).Claims
	if err := s.Put(ctx, other); !errors.Is(err, wallet.ErrInvalid) {
		t.Errorf("new version with another type = %v; want ErrInvalid", err)
	}
}

func mustType(code string) *wallet.RecordType {
	t, ok := wallet.LookupType(code)
	if !ok {
		panic("storetest: unknown type " + code)
	}
	return t
}

func testConcurrent(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := create(t, f, 10)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, rec := range allSamples(100 + w) {
				if err := s.Put(ctx, rec); err != nil {
					errs <- err
				}
				if _, err := s.Records(ctx, wallet.Query{Domain: rec.Domain}); err != nil {
					errs <- err
				}
				if _, err := s.Counts(ctx); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	all, _ := s.Records(ctx, wallet.Query{})
	if want := 4 * len(wallet.Types()); len(all) != want {
		t.Errorf("%d records after concurrent puts; want %d", len(all), want)
	}
}

func testContext(t *testing.T, f Factory) {
	s, _ := create(t, f, 11)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Put(ctx, allSamples(11)[0]); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a cancelled context = %v", err)
	}
	if _, err := s.Records(ctx, wallet.Query{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Records with a cancelled context = %v", err)
	}
	if all, _ := s.Records(context.Background(), wallet.Query{}); len(all) != 0 {
		t.Errorf("cancelled Put stored %d records", len(all))
	}
}
