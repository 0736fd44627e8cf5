package embedded_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/embedded"
	"github.com/vnwallet/citizenwallet/sync/warehouse/storetest"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

func TestConformance(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) warehouse.Store {
			s, err := embedded.Open("")
			if err != nil {
				t.Fatal(err)
			}
			return s
		})
	})
	t.Run("disk", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) warehouse.Store {
			s, err := embedded.Open(filepath.Join(t.TempDir(), "warehouse"))
			if err != nil {
				t.Fatal(err)
			}
			return s
		})
	})
}

var t0 = time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC)

func TestAppendRules(t *testing.T) {
	s := open(t, "")
	ids := storetest.Citizens(t, s, 0, 2)
	a := ids[0]
	r1 := storetest.Record(1)
	r2 := storetest.Record(1)
	r2.Version = 2
	r2.Claims = wallet.Claims{"changed": true}
	// The check of the second item sees the first, written by the same
	// batch; a version 0 is completed by the check.
	r3 := storetest.Record(2)
	r3.Version = 0
	var prevs []*wallet.Record
	spy := func(prev *wallet.Record, w *warehouse.Write) error {
		prevs = append(prevs, prev)
		return storetest.Check(prev, w)
	}
	res, err := s.Append(ctx, warehouse.Batch{Agency: "vn.test", Writes: []warehouse.Write{
		storetest.Write(a, r1), storetest.Write(a, r2), storetest.Write("079000000000", r1), storetest.Write(a, r3),
	}}, spy)
	if err != nil {
		t.Fatal(err)
	}
	if len(prevs) != 3 || prevs[0] != nil || prevs[1] == nil || prevs[1].Version != 1 || prevs[2] != nil {
		t.Fatalf("check saw %v", prevs)
	}
	want := []int64{1, 2, 0, 3}
	for i, it := range res.Items {
		if it.Entry.Seq != want[i] {
			t.Errorf("item %d: seq %d, want %d (%v)", i, it.Entry.Seq, want[i], it.Err)
		}
	}
	if !errors.Is(res.Items[2].Err, warehouse.ErrUnknownCitizen) {
		t.Errorf("unknown citizen: %v", res.Items[2].Err)
	}
	if res.Items[3].Entry.Record.Version != 1 {
		t.Errorf("filled version %d", res.Items[3].Entry.Record.Version)
	}

	// Again: duplicates (same digest) return the stored entry; another
	// digest is a conflict; an older version fails the check.
	other := storetest.Write(a, r1)
	other.Digest = []byte("other")
	stale := storetest.Record(1)
	stale.Version = 1
	stale.Claims = wallet.Claims{"x": "y"}
	staleW := storetest.Write(a, stale)
	staleW.Record.Version = 0 // filled to 3 by the check: a new version
	r4 := storetest.Record(1)
	r4.Version = 1
	res, err = s.Append(ctx, warehouse.Batch{Agency: "vn.test", Writes: []warehouse.Write{
		storetest.Write(a, r1), other, staleW, storetest.Write(a, r2),
	}}, storetest.Check)
	if err != nil {
		t.Fatal(err)
	}
	if it := res.Items[0]; !it.Duplicate || it.Entry.Seq != 1 || it.Entry.Record.ID != r1.ID || it.Err != nil {
		t.Errorf("duplicate: %+v", it)
	}
	if !errors.Is(res.Items[1].Err, warehouse.ErrConflict) || res.Items[1].Entry.Seq != 0 {
		t.Errorf("conflict: %+v", res.Items[1])
	}
	if res.Items[2].Entry.Seq != 4 || res.Items[2].Entry.Record.Version != 3 {
		t.Errorf("filled version: %+v", res.Items[2])
	}
	if !res.Items[3].Duplicate || res.Items[3].Entry.Seq != 2 {
		t.Errorf("duplicate of v2: %+v", res.Items[3])
	}
	staleW = storetest.Write(a, storetest.Record(1))
	staleW.Digest = []byte("a stale v2")
	staleW.Record.Version = 2
	staleW.Record.ID = storetest.Record(1).ID
	res, err = s.Append(ctx, warehouse.Batch{Writes: []warehouse.Write{staleW}}, func(prev *wallet.Record, w *warehouse.Write) error {
		return storetest.Check(prev, w)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(res.Items[0].Err, warehouse.ErrConflict) {
		t.Errorf("v2 with another digest: %v", res.Items[0].Err)
	}

	es, head := storetest.Feed(t, s, a)
	storetest.Dense(t, es, head)
	if head != 4 {
		t.Fatalf("head %d", head)
	}
	latest, err := s.Latest(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if len(latest) != 2 || latest[0].ID != r1.ID || latest[0].Version != 3 || latest[1].ID != r3.ID {
		t.Fatalf("latest: %+v", latest)
	}
	if _, _, err := s.Feed(ctx, "079000000000", 0, 10); !errors.Is(err, warehouse.ErrUnknownCitizen) {
		t.Fatalf("feed of an unknown citizen: %v", err)
	}
	if _, err := s.Latest(ctx, "079000000000"); !errors.Is(err, warehouse.ErrUnknownCitizen) {
		t.Fatalf("latest of an unknown citizen: %v", err)
	}
	// A page: seek after 1, at most 2.
	page, h, err := s.Feed(ctx, a, 1, 2)
	if err != nil || h != 4 || len(page) != 2 || page[0].Seq != 2 || page[1].Seq != 3 {
		t.Fatalf("page: %v %d %v", page, h, err)
	}
	if page, _, _ := s.Feed(ctx, a, 4, 10); len(page) != 0 {
		t.Fatalf("after the head: %v", page)
	}
}

// TestReplayErrors: a batch with a key stores its per-item results; a
// replay returns the same outcome, errors included (same text, same
// sentinels for errors.Is), and writes nothing.
func TestReplayErrors(t *testing.T) {
	for _, dir := range []string{"", "disk"} {
		t.Run(cmpName(dir), func(t *testing.T) {
			if dir != "" {
				dir = t.TempDir()
			}
			s := open(t, dir)
			a := storetest.Citizens(t, s, 0, 1)[0]
			bad := storetest.Record(3)
			bad.Claims = wallet.Claims{"bad": true}
			stale := storetest.Record(4)
			failing := func(prev *wallet.Record, w *warehouse.Write) error {
				switch w.Record.ID {
				case bad.ID:
					return fmt.Errorf("record %s: %w: no claim holder_name", w.Record.ID, wallet.ErrInvalid)
				case stale.ID:
					return fmt.Errorf("%w: record %s is at version 7", wallet.ErrStaleVersion, w.Record.ID)
				case storetest.Record(5).ID:
					return errors.New("some other refusal")
				}
				return storetest.Check(prev, w)
			}
			conflicting := storetest.Write(a, storetest.Record(1))
			conflicting.Digest = []byte("other")
			b := warehouse.Batch{Agency: "vn.test", Key: "k-1", BatchDigest: []byte("d1"), Writes: []warehouse.Write{
				storetest.Write(a, storetest.Record(1)), storetest.Write("079000000000", storetest.Record(2)), storetest.Write(a, bad), storetest.Write(a, stale),
				conflicting, storetest.Write(a, storetest.Record(5)), storetest.Write(a, storetest.Record(1)),
			}}
			first, err := s.Append(ctx, b, failing)
			if err != nil {
				t.Fatal(err)
			}
			if first.Replayed {
				t.Fatal("first append replayed")
			}
			if dir != "" {
				s.Close()
				s = open(t, dir)
			}
			again, err := s.Append(ctx, b, func(*wallet.Record, *warehouse.Write) error {
				t.Error("check called on a replay")
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !again.Replayed || len(again.Items) != len(first.Items) {
				t.Fatalf("replay: %+v", again)
			}
			sentinels := []error{warehouse.ErrUnknownCitizen, warehouse.ErrConflict, wallet.ErrInvalid, wallet.ErrStaleVersion, warehouse.ErrNotFound}
			for i := range first.Items {
				f, g := first.Items[i], again.Items[i]
				if f.Entry.Seq != g.Entry.Seq || f.Duplicate != g.Duplicate || !reflect.DeepEqual(jsonOf(t, f.Entry), jsonOf(t, g.Entry)) {
					t.Errorf("item %d: %+v, replayed %+v", i, f, g)
				}
				if (f.Err == nil) != (g.Err == nil) || (f.Err != nil && f.Err.Error() != g.Err.Error()) {
					t.Errorf("item %d: error %v, replayed %v", i, f.Err, g.Err)
				}
				for _, se := range sentinels {
					if errors.Is(f.Err, se) != errors.Is(g.Err, se) {
						t.Errorf("item %d: errors.Is(%v, %v) differs on replay", i, g.Err, se)
					}
				}
			}
			for i, want := range []error{nil, warehouse.ErrUnknownCitizen, wallet.ErrInvalid, wallet.ErrStaleVersion, warehouse.ErrConflict} {
				if want != nil && !errors.Is(again.Items[i].Err, want) {
					t.Errorf("item %d: %v is not %v", i, again.Items[i].Err, want)
				}
			}
			if !again.Items[6].Duplicate || again.Items[6].Entry.Seq != 1 {
				t.Errorf("duplicate within the batch: %+v", again.Items[6])
			}
			if _, head, _ := s.Feed(ctx, a, 0, 1); head != 1 {
				t.Fatalf("head %d after a replay", head)
			}
			b.BatchDigest = []byte("d2")
			if _, err := s.Append(ctx, b, storetest.Check); !errors.Is(err, warehouse.ErrConflict) {
				t.Fatalf("same key, other batch: %v", err)
			}
		})
	}
}

func cmpName(dir string) string {
	if dir == "" {
		return "memory"
	}
	return dir
}

func jsonOf(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestBatch1000 appends a batch of 1 000 typical records in one
// transaction, replays it, and shows that a batch too large for one
// transaction is refused whole with a clear error.
func TestBatch1000(t *testing.T) {
	s := open(t, t.TempDir())
	ids := storetest.Citizens(t, s, 0, 10)
	b := warehouse.Batch{Agency: "vn.test", Key: "big", BatchDigest: []byte("big")}
	size := 0
	for i := 0; i < 1000; i++ {
		w := storetest.Write(ids[i%len(ids)], storetest.Record(i))
		b.Writes = append(b.Writes, w)
		size += len(jsonOf(t, w.Record))
	}
	res, err := s.Append(ctx, b, storetest.Check)
	if err != nil {
		t.Fatal(err)
	}
	for i, it := range res.Items {
		if it.Err != nil || it.Entry.Seq != int64(i/len(ids)+1) {
			t.Fatalf("item %d: %+v", i, it)
		}
	}
	t.Logf("1 000 records: %d bytes of JSON, transaction limit %d bytes", size, embedded.MaxTxnBytes(s))
	for _, id := range ids {
		es, head := storetest.Feed(t, s, id)
		storetest.Dense(t, es, head)
		if head != 100 {
			t.Fatalf("head %d", head)
		}
	}
	again, err := s.Append(ctx, b, storetest.Check)
	if err != nil || !again.Replayed || len(again.Items) != 1000 || again.Items[999].Entry.Seq != 100 {
		t.Fatalf("replay: %v %v", again.Replayed, err)
	}

	// 1 000 records of 12 KiB each do not fit: nothing is written.
	big := warehouse.Batch{Agency: "vn.test", Key: "too-big", BatchDigest: []byte("x")}
	pad := strings.Repeat("x", 12<<10)
	for i := 0; i < 1000; i++ {
		r := storetest.Record(2000 + i)
		r.Claims = wallet.Claims{"pad": pad}
		big.Writes = append(big.Writes, storetest.Write(ids[0], r))
	}
	_, err = s.Append(ctx, big, storetest.Check)
	if !errors.Is(err, wallet.ErrInvalid) || !strings.Contains(err.Error(), "split it") {
		t.Fatalf("too big: %v", err)
	}
	t.Logf("too big: %v", err)
	if _, head, _ := s.Feed(ctx, ids[0], 0, 1); head != 100 {
		t.Fatalf("head %d after a refused batch", head)
	}
}

func TestLoad(t *testing.T) {
	s := open(t, "")
	// 1 200 citizens of 8 records: several of Load's transactions.
	var cs []warehouse.CitizenRecords
	ids := storetest.Citizens(t, s, 0, 3) // present with head 0: loaded
	for i := 0; i < 1200; i++ {
		c := warehouse.CitizenRecords{Profile: sample.Profile(i)}
		for k := 0; k < 8; k++ {
			r := storetest.Record(i*8 + k)
			c.Writes = append(c.Writes, warehouse.Write{Record: r, Digest: storetest.Digest(r)})
		}
		cs = append(cs, c)
	}
	// Citizen 1 already has a feed entry: skipped whole.
	if _, err := s.Append(ctx, warehouse.Batch{Writes: []warehouse.Write{storetest.Write(ids[1], storetest.Record(99_999))}}, storetest.Check); err != nil {
		t.Fatal(err)
	}
	n, err := s.Load(ctx, cs)
	if err != nil || n != 1199 {
		t.Fatalf("load: %d %v", n, err)
	}
	for i, id := range []string{ids[0], ids[1], ids[2], cs[1100].Profile.CitizenID} {
		es, head := storetest.Feed(t, s, id)
		storetest.Dense(t, es, head)
		want := int64(8)
		if i == 1 {
			want = 1
		}
		if head != want {
			t.Fatalf("citizen %d: head %d", i, head)
		}
	}
	es, _ := storetest.Feed(t, s, cs[1100].Profile.CitizenID)
	if es[3].Record.ID != cs[1100].Writes[3].Record.ID {
		t.Fatalf("order: %s", es[3].Record.ID)
	}
	// A new version after a load goes on from the loaded head, and
	// sees the loaded version as the latest.
	r := cs[0].Writes[2].Record
	r.Version = 0
	res, err := s.Append(ctx, warehouse.Batch{Writes: []warehouse.Write{storetest.Write(ids[0], r)}}, storetest.Check)
	if err != nil || res.Items[0].Entry.Seq != 9 || res.Items[0].Entry.Record.Version != 2 {
		t.Fatalf("after load: %+v %v", res, err)
	}
	if n, err := s.Load(ctx, cs); err != nil || n != 0 {
		t.Fatalf("load again: %d %v", n, err)
	}
}

// TestReopen writes every kind of value, closes the store, opens it
// again and reads everything back.
func TestReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "wh")
	s, err := embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ids := storetest.Citizens(t, s, 0, 2)
	a := ids[0]
	if _, err := s.Append(ctx, warehouse.Batch{Agency: "vn.test", Key: "k", BatchDigest: []byte("d"), Writes: []warehouse.Write{storetest.Write(a, storetest.Record(1)), storetest.Write(a, storetest.Record(2))}}, storetest.Check); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCode(ctx, warehouse.Code{Hash: "h1", CitizenID: a, Expires: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCode(ctx, warehouse.Code{Hash: "h2", CitizenID: a, Expires: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	dev := warehouse.Device{ID: "dev-1", CitizenID: a, Key: json.RawMessage(`{"kty":"OKP"}`), Label: "Điện thoại", EnrolledAt: t0}
	if err := s.Enrol(ctx, "h1", dev); err != nil {
		t.Fatal(err)
	}
	if err := s.UseNonce(ctx, "dev-1", "jti-1", time.Now().Add(time.Hour), time.Now()); err != nil {
		t.Fatal(err)
	}
	refs := []warehouse.RecordRef{{RecordID: storetest.Record(1).ID, Version: 1}}
	if _, err := s.PutCredentials(ctx, "dev-1", refs, []string{"cred-1"}); err != nil {
		t.Fatal(err)
	}
	rv := revocation(a, "dev-1", "c-1", "vn.a", t0.Add(24*time.Hour))
	if n, err := s.PutRevocations(ctx, a, []warehouse.Revocation{rv}, revLimits, t0.Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("put revocations: %d %v", n, err)
	}
	acc := protocol.AccessEntry{ConsentID: "c-2", UsedAt: t0, Fields: []string{"full_name"}}
	if _, err := s.Redeem(ctx, a, true, acc); err != nil {
		t.Fatal(err)
	}
	ag := warehouse.AgencyInfo{ID: "vn.dongnai.soyte", Name: wallet.Label{VI: "Sở Y tế", EN: "Department of Health"}}
	if err := s.PutAgency(ctx, ag); err != nil {
		t.Fatal(err)
	}
	if err := s.PutMeta(ctx, warehouse.MetaProvince, []byte("vn.dongnai")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, dir)
	if p, head, err := s.Citizen(ctx, a); err != nil || head != 2 || p.CitizenID != a {
		t.Fatalf("citizen: %v %d %v", p, head, err)
	}
	es, head := storetest.Feed(t, s, a)
	storetest.Dense(t, es, head)
	if res, err := s.Append(ctx, warehouse.Batch{Agency: "vn.test", Key: "k", BatchDigest: []byte("d"), Writes: []warehouse.Write{storetest.Write(a, storetest.Record(1)), storetest.Write(a, storetest.Record(2))}}, storetest.Check); err != nil || !res.Replayed || res.Items[1].Entry.Seq != 2 {
		t.Fatalf("replay after reopen: %+v %v", res, err)
	}
	if got, err := s.Device(ctx, "dev-1"); err != nil || got.Label != dev.Label || !got.EnrolledAt.Equal(t0) {
		t.Fatalf("device: %+v %v", got, err)
	}
	if err := s.Enrol(ctx, "h1", dev); !errors.Is(err, warehouse.ErrBadCode) {
		t.Fatalf("used code after reopen: %v", err)
	}
	if err := s.Enrol(ctx, "h2", dev); err != nil {
		t.Fatalf("unused code after reopen: %v", err)
	}
	if err := s.UseNonce(ctx, "dev-1", "jti-1", time.Now().Add(time.Hour), time.Now()); !errors.Is(err, warehouse.ErrReplay) {
		t.Fatalf("nonce after reopen: %v", err)
	}
	if got, err := s.Credentials(ctx, "dev-1", refs); err != nil || got[0] != "cred-1" {
		t.Fatalf("credentials: %v %v", got, err)
	}
	if got, err := s.Revocation(ctx, rv.ID); err != nil || got.CitizenID != a || got.Seq != 1 || got.Audience != "vn.a" || !got.RevokedAt.Equal(rv.RevokedAt) {
		t.Fatalf("revocation: %+v %v", got, err)
	}
	if got, head, err := s.RevokedSince(ctx, "vn.a", 0, t0.Add(time.Hour), 10); err != nil || len(got) != 1 || got[0].ID != rv.ID || head != 1 {
		t.Fatalf("revoked since: %v %d %v", got, head, err)
	}
	// The revocation head and the limit counts survive the reopen.
	rv2 := revocation(a, "dev-1", "c-3", "vn.a", t0.Add(24*time.Hour))
	if n, err := s.PutRevocations(ctx, a, []warehouse.Revocation{rv2}, warehouse.RevocationLimits{Live: 1, PerHour: 10}, t0.Add(time.Hour)); !errors.Is(err, warehouse.ErrTooMany) || n != 0 {
		t.Fatalf("revocation over the limit after reopen: %d %v", n, err)
	}
	if n, err := s.PutRevocations(ctx, a, []warehouse.Revocation{rv2}, revLimits, t0.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("put revocations after reopen: %d %v", n, err)
	}
	if got, err := s.Revocation(ctx, rv2.ID); err != nil || got.Seq != 2 {
		t.Fatalf("revocation after reopen: %+v %v; want seq 2", got, err)
	}
	if _, err := s.Redeem(ctx, a, true, acc); !errors.Is(err, warehouse.ErrUsed) {
		t.Fatalf("redeem after reopen: %v", err)
	}
	if got, more, err := s.AccessLog(ctx, a, 0, 10); err != nil || more || len(got) != 1 || got[0].Seq != 1 {
		t.Fatalf("access log: %v %v %v", got, more, err)
	}
	if got, err := s.Agencies(ctx); err != nil || len(got) != 1 || got[0].Name != ag.Name {
		t.Fatalf("agencies: %v %v", got, err)
	}
	if got, err := s.Meta(ctx, warehouse.MetaProvince); err != nil || string(got) != "vn.dongnai" {
		t.Fatalf("meta: %q %v", got, err)
	}
}

// TestEnrolRules: codes are single use, for their citizen, before their
// expiry; a key of another citizen leaves the code unspent.
func TestEnrolRules(t *testing.T) {
	s := open(t, "")
	ids := storetest.Citizens(t, s, 0, 2)
	a, b := ids[0], ids[1]
	for _, h := range []string{"ha", "hb", "hc"} {
		if err := s.PutCode(ctx, warehouse.Code{Hash: h, CitizenID: a, Expires: t0.Add(15 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutCode(ctx, warehouse.Code{Hash: "hb-1", CitizenID: b, Expires: t0.Add(15 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	d := warehouse.Device{ID: "k1", CitizenID: a, EnrolledAt: t0}
	for name, tc := range map[string]struct {
		hash string
		d    warehouse.Device
	}{
		"unknown":         {"nope", d},
		"other citizen's": {"hb-1", d},
		"expired":         {"ha", warehouse.Device{ID: "k1", CitizenID: a, EnrolledAt: t0.Add(15 * time.Minute)}},
	} {
		if err := s.Enrol(ctx, tc.hash, tc.d); !errors.Is(err, warehouse.ErrBadCode) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := s.Enrol(ctx, "ha", d); err != nil {
		t.Fatal(err)
	}
	if err := s.Enrol(ctx, "ha", d); !errors.Is(err, warehouse.ErrBadCode) {
		t.Fatalf("used: %v", err)
	}
	// k1 is a's: b cannot take it, and b's code stays usable.
	if err := s.Enrol(ctx, "hb-1", warehouse.Device{ID: "k1", CitizenID: b, EnrolledAt: t0}); !errors.Is(err, warehouse.ErrKeyInUse) {
		t.Fatalf("key in use: %v", err)
	}
	if err := s.Enrol(ctx, "hb-1", warehouse.Device{ID: "k2", CitizenID: b, EnrolledAt: t0}); err != nil {
		t.Fatalf("code spent by a refused enrolment: %v", err)
	}
	// Revoke, then re-enrol with a fresh code: enabled again.
	if got, err := s.RevokeDevice(ctx, a, "k1", t0.Add(time.Minute)); err != nil || !got.RevokedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("revoke: %+v %v", got, err)
	}
	if got, err := s.RevokeDevice(ctx, a, "k1", t0.Add(time.Hour)); err != nil || !got.RevokedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("revoke again: %+v %v", got, err)
	}
	if _, err := s.RevokeDevice(ctx, b, "k1", t0); !errors.Is(err, warehouse.ErrNotFound) {
		t.Fatalf("revoke another citizen's device: %v", err)
	}
	d2 := warehouse.Device{ID: "k1", CitizenID: a, EnrolledAt: t0.Add(2 * time.Minute), Label: "again"}
	if err := s.Enrol(ctx, "hb", d2); err != nil {
		t.Fatal(err)
	}
	if err := s.Enrol(ctx, "hc", warehouse.Device{ID: "k0", CitizenID: a, EnrolledAt: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	devs, err := s.Devices(ctx, a)
	if err != nil || len(devs) != 2 || devs[0].ID != "k0" || devs[1].ID != "k1" || !devs[1].RevokedAt.IsZero() || devs[1].Label != "again" {
		t.Fatalf("devices: %+v %v", devs, err)
	}
	if devs, err := s.Devices(ctx, b); err != nil || len(devs) != 1 || devs[0].ID != "k2" {
		t.Fatalf("b's devices: %+v %v", devs, err)
	}
	if _, err := s.Devices(ctx, "079000000000"); !errors.Is(err, warehouse.ErrUnknownCitizen) {
		t.Fatalf("devices of an unknown citizen: %v", err)
	}
	if _, err := s.Device(ctx, "k9"); !errors.Is(err, warehouse.ErrNotFound) {
		t.Fatalf("unknown device: %v", err)
	}
}

func TestNoncesAndPurge(t *testing.T) {
	s := open(t, "")
	if err := s.UseNonce(ctx, "dev", "1", t0.Add(time.Minute), t0); err != nil {
		t.Fatal(err)
	}
	if err := s.UseNonce(ctx, "dev", "1", t0.Add(time.Hour), t0.Add(59*time.Second)); !errors.Is(err, warehouse.ErrReplay) {
		t.Fatalf("replay: %v", err)
	}
	if err := s.UseNonce(ctx, "agency:x", "1", t0.Add(time.Minute), t0); err != nil {
		t.Fatalf("another client's id: %v", err)
	}
	// Expired at now: recorded again, with a new expiry.
	if err := s.UseNonce(ctx, "dev", "1", t0.Add(2*time.Hour), t0.Add(time.Minute)); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if err := s.PutCode(ctx, warehouse.Code{Hash: "old", CitizenID: "x", Expires: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCode(ctx, warehouse.Code{Hash: "new", CitizenID: "x", Expires: t0.Add(3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// At t0+90s: agency:x/1 and the old code expired; dev/1 (re-recorded
	// until t0+2h) did not.
	n, err := s.PurgeExpired(ctx, t0.Add(90*time.Second))
	if err != nil || n != 2 {
		t.Fatalf("purge: %d %v", n, err)
	}
	if err := s.UseNonce(ctx, "dev", "1", t0.Add(3*time.Hour), t0.Add(time.Hour)); !errors.Is(err, warehouse.ErrReplay) {
		t.Fatalf("purge removed a live nonce: %v", err)
	}
	if n, err := s.PurgeExpired(ctx, t0.Add(90*time.Second)); err != nil || n != 0 {
		t.Fatalf("purge again: %d %v", n, err)
	}
	if n, err := s.PurgeExpired(ctx, t0.Add(4*time.Hour)); err != nil || n != 2 {
		t.Fatalf("purge all: %d %v", n, err)
	}
	if err := s.Enrol(ctx, "new", warehouse.Device{ID: "d", CitizenID: "x", EnrolledAt: t0}); !errors.Is(err, warehouse.ErrBadCode) {
		t.Fatalf("purged code: %v", err)
	}
}

func TestCredentialsFirstWins(t *testing.T) {
	s := open(t, "")
	refs := []warehouse.RecordRef{{RecordID: "r1", Version: 1}, {RecordID: "r1", Version: 2}, {RecordID: "r1", Version: 1}}
	got, err := s.PutCredentials(ctx, "d", refs, []string{"a", "b", "c"})
	if err != nil || !slices.Equal(got, []string{"a", "b", "a"}) {
		t.Fatalf("put: %v %v", got, err)
	}
	got, err = s.PutCredentials(ctx, "d", refs[:2], []string{"x", "y"})
	if err != nil || !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("put again: %v %v", got, err)
	}
	got, err = s.Credentials(ctx, "d", append(refs, warehouse.RecordRef{RecordID: "r2", Version: 1}))
	if err != nil || !slices.Equal(got, []string{"a", "b", "a", ""}) {
		t.Fatalf("get: %v %v", got, err)
	}
	if got, _ := s.Credentials(ctx, "other", refs[:1]); got[0] != "" {
		t.Fatalf("another device's credential: %v", got)
	}
}

// revLimits are limits no test here reaches unless it means to.
var revLimits = warehouse.RevocationLimits{Live: 1000, PerHour: 1000}

// revocation is citizen's listed revocation of consent c given by device
// dev to audience aud, expiring at exp.
func revocation(citizen, dev, c, aud string, exp time.Time) warehouse.Revocation {
	return warehouse.Revocation{ID: "rid-" + dev + "-" + c, ConsentID: c, CitizenID: citizen, Device: dev, Audience: aud, Listed: true,
		GivenAt: t0, RevokedAt: t0.Add(time.Minute), Expires: exp, Received: t0.Add(time.Minute)}
}

// revokedIDs is RevokedSince's ids and head, failing the test on an error.
func revokedIDs(t *testing.T, s warehouse.Store, aud string, after int64, now time.Time, limit int) ([]string, int64) {
	t.Helper()
	got, head, err := s.RevokedSince(ctx, aud, after, now, limit)
	if err != nil {
		t.Fatalf("RevokedSince(%q, %d): %v", aud, after, err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	return ids, head
}

func TestRevocations(t *testing.T) {
	s := open(t, "")
	a := storetest.Citizens(t, s, 0, 1)[0]
	day, hour := t0.Add(24*time.Hour), t0.Add(time.Hour)
	c1 := revocation(a, "d", "c1", "vn.a", day)
	later := c1
	later.RevokedAt = t0.Add(3 * time.Hour)
	rs := []warehouse.Revocation{
		revocation(a, "d", "c2", "vn.a", hour),
		c1,
		revocation(a, "d", "c0", "vn.b", day),
		later, // the same id again in the batch: the first stays
	}
	rs[0].CitizenID = "someone else" // the store keeps citizenID
	if n, err := s.PutRevocations(ctx, a, rs, revLimits, t0); err != nil || n != 3 {
		t.Fatalf("put: %d %v; want 3 (one id twice)", n, err)
	}
	if r, err := s.Revocation(ctx, c1.ID); err != nil || !r.RevokedAt.Equal(c1.RevokedAt) || r.Seq != 2 {
		t.Fatalf("c1: %+v %v", r, err)
	}
	if r, err := s.Revocation(ctx, rs[0].ID); err != nil || r.CitizenID != a || r.Seq != 1 {
		t.Fatalf("c2: %+v %v", r, err)
	}
	// A batch that is all stored already counts for nothing: no error,
	// even with no room left.
	if n, err := s.PutRevocations(ctx, a, rs, warehouse.RevocationLimits{}, t0); err != nil || n != 0 {
		t.Fatalf("put again with no room: %d %v", n, err)
	}
	if got, head := revokedIDs(t, s, "vn.a", 0, t0, 10); !slices.Equal(got, []string{rs[0].ID, c1.ID}) || head != 3 {
		t.Fatalf("since 0: %v head %d", got, head)
	}

	// Ids with NUL are refused (and found nowhere); nothing of the batch is stored.
	for _, bad := range []warehouse.Revocation{
		{},
		revocation(a, "d\x00x", "c9", "vn.a", day),
		revocation(a, "d", "c9", "vn\x00a", day),
	} {
		if n, err := s.PutRevocations(ctx, a, []warehouse.Revocation{revocation(a, "d", "c8", "vn.a", day), bad}, revLimits, t0); !errors.Is(err, wallet.ErrInvalid) || n != 0 {
			t.Fatalf("put %+v: %d %v; want ErrInvalid", bad, n, err)
		}
	}
	if _, err := s.PutRevocations(ctx, "x\x00y", []warehouse.Revocation{revocation(a, "d", "c9", "vn.a", day)}, revLimits, t0); !errors.Is(err, wallet.ErrInvalid) {
		t.Fatalf("citizen with NUL: %v", err)
	}
	if _, err := s.Revocation(ctx, revocation(a, "d", "c8", "vn.a", day).ID); !errors.Is(err, warehouse.ErrNotFound) {
		t.Fatalf("part of a refused batch: %v", err)
	}
	if _, err := s.Revocation(ctx, "rid\x00"); !errors.Is(err, warehouse.ErrNotFound) {
		t.Fatalf("id with NUL: %v", err)
	}
	if got, head := revokedIDs(t, s, "vn\x00a", 0, t0, 10); len(got) != 0 || head != 3 {
		t.Fatalf("audience with NUL: %v head %d", got, head)
	}
	if got, head := revokedIDs(t, s, "vn.a", -5, t0, 0); len(got) != 0 || head != 3 {
		t.Fatalf("limit 0: %v head %d", got, head)
	}

	// PurgeExpired drops c2 (expired at t0+1h) with its index keys: it is
	// gone from the list even for a reader whose clock is behind, no
	// longer counts, and, revoked again, is a new revocation with the
	// next seq (the head did not go back).
	if n, err := s.PurgeExpired(ctx, t0.Add(2*time.Hour)); err != nil || n != 1 {
		t.Fatalf("purge: %d %v; want 1", n, err)
	}
	if n, err := s.PurgeExpired(ctx, t0.Add(2*time.Hour)); err != nil || n != 0 {
		t.Fatalf("purge again: %d %v; want 0", n, err)
	}
	if _, err := s.Revocation(ctx, rs[0].ID); !errors.Is(err, warehouse.ErrNotFound) {
		t.Fatalf("purged: %v", err)
	}
	if got, head := revokedIDs(t, s, "vn.a", 0, t0, 10); !slices.Equal(got, []string{c1.ID}) || head != 3 {
		t.Fatalf("since 0 after purge: %v head %d", got, head)
	}
	if n, err := s.PutRevocations(ctx, a, []warehouse.Revocation{rs[0]}, warehouse.RevocationLimits{Live: 3, PerHour: 3}, t0); err != nil || n != 1 {
		t.Fatalf("a purged id again: %d %v", n, err)
	}
	if r, err := s.Revocation(ctx, rs[0].ID); err != nil || r.Seq != 4 {
		t.Fatalf("a purged id again: %+v %v; want seq 4", r, err)
	}
}

// TestRevocationsPurgeMany purges more than one transaction's chunk.
func TestRevocationsPurgeMany(t *testing.T) {
	s := open(t, "")
	ids := storetest.Citizens(t, s, 0, 3)
	const n = 2500
	var rs []warehouse.Revocation
	for i := range n {
		rs = append(rs, revocation(ids[i%3], "d", fmt.Sprintf("c%d", i), "vn.a", t0.Add(time.Duration(1+i%7)*time.Hour)))
	}
	for i := range 3 {
		var mine []warehouse.Revocation
		for _, r := range rs {
			if r.CitizenID == ids[i] {
				mine = append(mine, r)
			}
		}
		if got, err := s.PutRevocations(ctx, ids[i], mine, warehouse.RevocationLimits{Live: n, PerHour: n}, t0); err != nil || got != len(mine) {
			t.Fatalf("put: %d %v", got, err)
		}
	}
	kept, _ := revokedIDs(t, s, "vn.a", 0, t0.Add(4*time.Hour), 2*n)
	got, err := s.PurgeExpired(ctx, t0.Add(4*time.Hour+time.Nanosecond))
	if err != nil || got != n-len(kept) {
		t.Fatalf("purge: %d %v; want %d", got, err, n-len(kept))
	}
	if after, head := revokedIDs(t, s, "vn.a", 0, t0, 2*n); !slices.Equal(after, kept) || head != n {
		t.Fatalf("after purge: %d listed, head %d; want %d, head %d", len(after), head, len(kept), n)
	}
}

func TestCitizensAndMeta(t *testing.T) {
	s := open(t, "")
	ids := storetest.Citizens(t, s, 0, 5)
	slices.Sort(ids)
	got, err := s.Citizens(ctx, "", 3)
	if err != nil || len(got) != 3 || got[0].CitizenID != ids[0] || got[2].CitizenID != ids[2] {
		t.Fatalf("first page: %v %v", got, err)
	}
	got, err = s.Citizens(ctx, got[2].CitizenID, 3)
	if err != nil || len(got) != 2 || got[0].CitizenID != ids[3] {
		t.Fatalf("second page: %v %v", got, err)
	}
	// A profile update keeps the feed.
	if _, err := s.Append(ctx, warehouse.Batch{Writes: []warehouse.Write{storetest.Write(ids[0], storetest.Record(1))}}, storetest.Check); err != nil {
		t.Fatal(err)
	}
	var p wallet.Profile
	for q := range 5 {
		if sample.Profile(q).CitizenID == ids[0] {
			p = sample.Profile(q)
		}
	}
	p.FullName = "Nguyễn Văn Mới"
	if err := s.PutCitizens(ctx, []wallet.Profile{p}); err != nil {
		t.Fatal(err)
	}
	if got, head, err := s.Citizen(ctx, ids[0]); err != nil || head != 1 || got.FullName != p.FullName {
		t.Fatalf("after update: %+v %d %v", got, head, err)
	}
	if _, _, err := s.Citizen(ctx, "079000000000"); !errors.Is(err, warehouse.ErrUnknownCitizen) {
		t.Fatalf("unknown: %v", err)
	}
	if _, err := s.Meta(ctx, "never"); !errors.Is(err, warehouse.ErrNotFound) {
		t.Fatalf("meta: %v", err)
	}
	if err := s.PutMeta(ctx, "empty", nil); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Meta(ctx, "empty"); err != nil || len(v) != 0 {
		t.Fatalf("empty meta: %q %v", v, err)
	}
}

// TestPrivateFiles: the store's directory is not readable by others,
// created or found.
func TestPrivateFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	parent := t.TempDir()
	dir := filepath.Join(parent, "new", "wh")
	s, err := embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	storetest.Citizens(t, s, 0, 1)
	s.Close()
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("created dir: %v %v", fi.Mode(), err)
	}
	open2 := filepath.Join(parent, "open")
	if err := os.Mkdir(open2, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open2, 0o755); err != nil {
		t.Fatal(err)
	}
	s, err = embedded.Open(open2)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if fi, _ := os.Stat(open2); fi.Mode().Perm() != 0o700 {
		t.Fatalf("existing dir left %v", fi.Mode())
	}
	// A second Open of an open store is refused (badger's lock).
	open(t, dir)
	if s2, err := embedded.Open(dir); err == nil {
		s2.Close()
		t.Fatal("second open of one directory succeeded")
	}
}

func TestNULRefused(t *testing.T) {
	s := open(t, "")
	a := storetest.Citizens(t, s, 0, 1)[0]
	r := storetest.Record(1)
	r.ID = "a\x00b"
	res, err := s.Append(ctx, warehouse.Batch{Writes: []warehouse.Write{storetest.Write(a, r)}}, nil)
	if err != nil || !errors.Is(res.Items[0].Err, wallet.ErrInvalid) {
		t.Fatalf("NUL record id: %+v %v", res, err)
	}
	if err := s.UseNonce(ctx, "a", "b\x00c", t0.Add(time.Hour), t0); !errors.Is(err, wallet.ErrInvalid) {
		t.Fatalf("NUL request id: %v", err)
	}
	if _, err := s.Device(ctx, "x\x00"); !errors.Is(err, warehouse.ErrNotFound) {
		t.Fatalf("NUL device id: %v", err)
	}
	if bytes.ContainsRune([]byte(a), 0) {
		t.Fatal("sample citizen id with NUL")
	}
}

// TestStatusOrderUpgrade: a store whose status head was written before
// entries had an order keeps filling that list in order; the next list
// is in order.
func TestStatusOrderUpgrade(t *testing.T) {
	s := open(t, "")
	storetest.StatusBeforeOrder(t, s, "vn.a")
	if err := embedded.TruncateStatusHead(s, "vn.a"); err != nil {
		t.Fatal(err)
	}
	storetest.StatusAfterOrder(t, s, "vn.a")
}
