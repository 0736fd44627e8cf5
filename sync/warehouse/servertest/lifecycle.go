package servertest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/crypto/kdf"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/sync/counter"
	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// testClock is a clock the test moves (the warehouse, the wallet and the
// counter share it), so 30 days pass without waiting.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// lifecycleProxy stands between the wallet and the warehouse: it can cut
// the connection of every re-issue request after the warehouse has done
// its work (a phone that loses its signal mid-answer), and it can add a
// forged entry to the change feed (a warehouse or link an attacker
// controls).
type lifecycleProxy struct {
	h     http.Handler
	cut   atomic.Bool
	cuts  atomic.Int32
	forge atomic.Pointer[protocol.Change]
}

func (p *lifecycleProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case p.cut.Load() && r.URL.Path == protocol.PathReissue:
		rec := httptest.NewRecorder()
		p.h.ServeHTTP(rec, r) // the warehouse re-issues and stores ...
		p.cuts.Add(1)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close() // ... and the answer never arrives
		}
	case p.forge.Load() != nil && r.URL.Path == protocol.PathChanges:
		r.Header.Del("Accept-Encoding")
		rec := httptest.NewRecorder()
		p.h.ServeHTTP(rec, r)
		var page protocol.ChangesResponse
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &page) != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		ch := *p.forge.Load()
		ch.Seq = 1 << 40 // after anything real; the cursor stays the warehouse's
		page.Changes = append(page.Changes, ch)
		b, _ := json.Marshal(page)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(http.StatusOK)
		w.Write(b)
	default:
		p.h.ServeHTTP(w, r)
	}
}

// testCredentialLifecycle, end to end on the store: credentials carry
// iat = when they were signed and a 30-day exp; a wallet renews the ones
// near their exp at sync, keeping the old ones when the connection is
// cut; a wallet without signal keeps and shows records whose credentials
// expired, and a counter refuses those with ErrCredentialExpired; after
// a key compromise the warehouse serves no credential of the leaked key,
// the wallet's next sync replaces all of them, and a back-dated
// credential forged with the leaked key is refused by the wallet's sync,
// by a counter offline and by a counter online.
func testCredentialLifecycle(t *testing.T, f *Fixture) {
	ctx := context.Background()
	clk := &testClock{t: time.Now().UTC().Truncate(time.Second)}
	srv, err := warehouse.Open(warehouse.Config{Store: f.Store, Keys: f.Keys, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	px := &lifecycleProxy{h: srv.Handler()}
	ts := httptest.NewServer(px)
	t.Cleanup(ts.Close)

	const who = 1
	citizen := sample.Profile(who).CitizenID
	st, err := badgerstore.Create(filepath.Join(t.TempDir(), "profile"), []byte("246810"), sample.Profile(who), badgerstore.Options{KDF: kdf.Test()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c, err := client.New(client.Config{BaseURL: ts.URL, RootKey: srv.RootKey(), Now: clk.now, Attempts: 2,
		RetryWait: 5 * time.Millisecond, RetryMaxWait: 20 * time.Millisecond, PageSize: 7, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	code, err := srv.EnrolmentCode(citizen)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Enrol(ctx, st, code, "test phone"); err != nil {
		t.Fatal(err)
	}
	dev, err := client.DeviceKey(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	held := func() map[string]wallet.Record {
		t.Helper()
		recs, err := st.Records(ctx, wallet.Query{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]wallet.Record{}
		for _, r := range recs {
			out[r.ID] = r
		}
		return out
	}
	list := func() *trust.List {
		t.Helper()
		l, err := trust.Verify(srv.TrustList(), srv.RootKey())
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	verifyAll := func(recs map[string]wallet.Record, l *trust.List) {
		t.Helper()
		for id, r := range recs {
			if _, err := credential.Verify(r.Credential, credential.VerifyOptions{Trust: l, Holder: dev.Public(), CitizenID: citizen, Now: clk.now()}); err != nil {
				t.Errorf("record %s: %v", id, err)
			}
		}
	}

	// First sync: iat is now, exp 30 days on, the record's own date kept.
	res, err := c.Sync(ctx, st, nil)
	if err != nil || res.Stored == 0 || len(res.Rejected) > 0 {
		t.Fatalf("first sync: %+v %v", res, err)
	}
	first := held()
	_, latest, _ := srv.Latest(citizen)
	for _, r := range latest {
		h := first[r.ID]
		fa, err := credential.ReadFacts(h.Credential)
		if err != nil {
			t.Fatal(err)
		}
		if !fa.SignedAt.Equal(clk.now()) || !fa.Expires.Equal(clk.now().Add(credential.DefaultLifetime)) {
			t.Errorf("record %s: iat %v exp %v; want %v and 30 days on", r.ID, fa.SignedAt, fa.Expires, clk.now())
		}
		if !h.IssuedAt.Equal(r.IssuedAt) {
			t.Errorf("record %s: its own date %v became %v", r.ID, r.IssuedAt, h.IssuedAt)
		}
	}

	// 24 days on, every credential is within 7 days of its exp. The
	// connection is cut while the answer to the re-issue travels: the
	// sync fails and the wallet keeps every old credential.
	clk.advance(24 * 24 * time.Hour)
	px.cut.Store(true)
	_, err = c.Sync(ctx, st, nil)
	if !errors.Is(err, client.ErrOffline) || px.cuts.Load() == 0 {
		t.Fatalf("sync with the re-issue cut: %v (%d cuts); want ErrOffline", err, px.cuts.Load())
	}
	cut := held()
	for id, r := range cut {
		if r.Credential != first[id].Credential {
			t.Errorf("record %s: the credential changed though its re-issue never arrived", id)
		}
	}
	verifyAll(cut, list())
	px.cut.Store(false)
	res, err = c.Sync(ctx, st, nil)
	if err != nil || res.Renewal.Due != len(first) || res.Renewal.Renewed != len(first) || len(res.Renewal.Rejected) > 0 {
		t.Fatalf("sync after the cut: renewal %+v, %v; want all %d renewed", res.Renewal, err, len(first))
	}
	renewed := held()
	for id, r := range renewed {
		old := first[id]
		if r.Credential == old.Credential || !r.ReceivedAt.Equal(old.ReceivedAt) {
			t.Errorf("record %s: credential not replaced, or ReceivedAt moved", id)
		}
		r.Credential, old.Credential = "", ""
		a, _ := json.Marshal(r)
		b, _ := json.Marshal(old)
		if !bytes.Equal(a, b) {
			t.Errorf("record %s: content changed by the renewal:\n%s\n%s", id, a, b)
		}
		if fa, _ := credential.ReadFacts(renewed[id].Credential); !fa.Expires.Equal(clk.now().Add(credential.DefaultLifetime)) {
			t.Errorf("record %s: renewed exp %v", id, fa.Expires)
		}
	}
	verifyAll(renewed, list())
	if res, err := c.Sync(ctx, st, nil); err != nil || res.Renewal.Due != 0 {
		t.Errorf("a sync with nothing due: renewal %+v, %v", res.Renewal, err)
	}

	// 40 days without signal: the credentials expired. The wallet still
	// holds and lists every record; none is presentable, and a counter
	// refuses one presented anyway, saying the wallet must sync.
	clk.advance(40 * 24 * time.Hour)
	expired := held()
	if len(expired) != len(first) {
		t.Fatalf("after 40 days offline the wallet lists %d records, had %d", len(expired), len(first))
	}
	for id, r := range expired {
		if fa, _ := credential.ReadFacts(r.Credential); fa.Presentable(clk.now()) {
			t.Errorf("record %s: presentable past its exp", id)
		}
	}
	audience := f.Agency()
	ctr, err := counter.Open(counter.Config{BaseURL: ts.URL, RootKey: srv.RootKey(), Agency: audience, Dir: filepath.Join(t.TempDir(), "counter"), Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	if s := ctr.Refresh(ctx); s != counter.Fresh {
		t.Fatalf("counter refresh: %v", s)
	}
	ident := recordOfType(t, expired, "identity.citizen")
	offline := func(cred string) (*consent.Result, error) {
		now := clk.now()
		tok, _, err := consent.Build(consent.Request{Holder: dev, Audience: audience, Purpose: "kiem_thu", IssuedAt: now,
			Selections: []sdjwt.Selection{{Credential: cred, Disclose: []string{"full_name"}}}})
		if err != nil {
			t.Fatal(err)
		}
		return ctr.Verify(ctx, tok)
	}
	if _, err := offline(ident.Credential); !errors.Is(err, consent.ErrCredentialExpired) {
		t.Errorf("counter, expired credential: %v; want ErrCredentialExpired", err)
	}
	res, err = c.Sync(ctx, st, nil)
	if err != nil || res.Renewal.Renewed != len(first) {
		t.Fatalf("sync after 40 days: renewal %+v, %v", res.Renewal, err)
	}
	ident = recordOfType(t, held(), "identity.citizen")
	if _, err := offline(ident.Credential); err != nil {
		t.Fatalf("counter, renewed credential: %v", err)
	}

	// A key compromise. The leaked key is the one that signed the
	// citizen's identity record.
	before := held()
	fa, _ := credential.ReadFacts(ident.Credential)
	leaked := signingKeyOf(t, f.Keys, ident.Issuer, fa.KID)
	var affected []string
	for id, r := range before {
		if rf, _ := credential.ReadFacts(r.Credential); rf.KID == fa.KID {
			affected = append(affected, id)
		}
	}
	clk.advance(time.Hour)
	cres, err := srv.CompromiseAgencyKey(ctx, ident.Issuer, "", keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	if cres.Compromised.KID != fa.KID || cres.Current.KID == fa.KID || cres.Compromised.Compromised.IsZero() {
		t.Fatalf("compromise: %+v", cres)
	}
	l := list()
	if _, err := l.Key(ident.Issuer, fa.KID, fa.SignedAt); !errors.Is(err, trust.ErrKeyCompromised) {
		t.Fatalf("the new trust list on the leaked key: %v", err)
	}
	// The forgery: the thief signs a correction of the identity record,
	// back-dated to before the compromise, with a genuine signature.
	forgedRec := ident
	forgedRec.Version++
	forgedRec.Credential, forgedRec.ReceivedAt = "", time.Time{}
	forgedRec.Claims = wallet.Claims{}
	for k, v := range ident.Claims {
		forgedRec.Claims[k] = v
	}
	forgedRec.Claims["full_name"] = "Kẻ Mạo Danh"
	forged, err := credential.Issue(forgedRec, citizen, leaked, dev.Public(), credential.IssueOptions{SignedAt: clk.now().Add(-48 * time.Hour), Expires: clk.now().Add(24 * time.Hour), Province: srv.Province()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := credential.Verify(forged, credential.VerifyOptions{Trust: l, Holder: dev.Public(), CitizenID: citizen, Now: clk.now()}); !errors.Is(err, credential.ErrKeyCompromised) {
		t.Fatalf("the forgery against the new list: %v", err)
	}

	// Counter online: the warehouse serves no credential of the leaked
	// key (the stored ones are due: it re-issues them at redemption).
	if s := ctr.Refresh(ctx); s != counter.Fresh {
		t.Fatalf("counter refresh: %v", s)
	}
	ref, _, err := consent.BuildReference(dev, consent.Reference{Audience: audience, IssuedAt: clk.now().Unix(), Purpose: "kiem_thu",
		Scope: []consent.ScopeItem{{RecordID: ident.ID, Claims: []string{"full_name"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := ctr.Verify(ctx, ref); err != nil || len(out.Fields) != 1 || out.Fields[0].Value != ident.Claims["full_name"] {
		t.Fatalf("counter online after the compromise: %+v %v", out, err)
	}
	// ... and were a forged credential handed to it instead, it refuses it.
	v := &consent.Verifier{Trust: l, Audience: audience, Replay: &memReplay{}, Now: clk.now}
	onlyName, err := selectFullName(forged)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyRedeemed(ref, []string{onlyName}); !errors.Is(err, consent.ErrKeyCompromised) {
		t.Errorf("counter online, the forgery in the warehouse's answer: %v; want ErrKeyCompromised", err)
	}
	// Counter offline: refused, whatever its iat.
	if _, err := offline(forged); !errors.Is(err, consent.ErrKeyCompromised) {
		t.Errorf("counter offline, the forgery: %v; want ErrKeyCompromised", err)
	}

	// The wallet's sync: it learns of the new list from the feed, refuses
	// the forged entry, and replaces every credential of the leaked key.
	px.forge.Store(&protocol.Change{Kind: protocol.ChangeRecord, RecordID: forgedRec.ID, Version: forgedRec.Version, Credential: forged})
	res, err = c.Sync(ctx, st, nil)
	px.forge.Store(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rejected) != 1 || !errors.Is(res.Rejected[0].Err, credential.ErrKeyCompromised) {
		t.Errorf("the wallet's sync of the forgery: rejected %+v; want it refused with ErrKeyCompromised", res.Rejected)
	}
	if !res.TrustList || res.Renewal.Renewed != len(affected) || len(res.Renewal.Rejected) > 0 {
		t.Errorf("sync after the compromise: new list %v, renewal %+v; want the %d credentials of the leaked key renewed", res.TrustList, res.Renewal, len(affected))
	}
	after := held()
	if r := after[ident.ID]; r.Version != ident.Version || r.Claims["full_name"] != ident.Claims["full_name"] {
		t.Errorf("the forged correction reached the wallet: %+v", r)
	}
	for id, r := range after {
		if rf, _ := credential.ReadFacts(r.Credential); rf.KID == fa.KID {
			t.Errorf("record %s is still signed by the compromised key", id)
		}
	}
	verifyAll(after, l)
	// A second device of the citizen gets no credential of the leaked key
	// either: from the start of the feed, everything verifies.
	st2, c2 := f.newWalletOn(t, who, srv, ts.URL, clk.now)
	if res, err := c2.Sync(ctx, st2, nil); err != nil || len(res.Rejected) > 0 || res.Stored == 0 {
		t.Fatalf("another device's first sync after the compromise: %+v %v", res, err)
	}
}

func recordOfType(t *testing.T, recs map[string]wallet.Record, typ string) wallet.Record {
	t.Helper()
	for _, r := range recs {
		if r.Type == typ {
			return r
		}
	}
	t.Fatalf("no %s record", typ)
	return wallet.Record{}
}

// signingKeyOf finds, in the warehouse's key store, the agency's signing
// key with that kid: what a thief who copied it would hold.
func signingKeyOf(t *testing.T, ks warehouse.KeyStore, agency, kid string) *keys.PrivateKey {
	t.Helper()
	for i := 1; i <= trust.MaxKeysPerIssuer; i++ {
		k, err := ks.Key(fmt.Sprintf("agency-%s-%d", agency, i), keys.ES256)
		if err != nil {
			t.Fatal(err)
		}
		if k.KID() == kid {
			return k
		}
	}
	t.Fatalf("no key %s of %s in the key store", kid, agency)
	return nil
}

// selectFullName keeps, of an issued credential, only the full_name
// disclosure: what the warehouse answers an online redemption with.
func selectFullName(cred string) (string, error) {
	return sdjwt.Disclose(cred, []string{"full_name"})
}

// memReplay is a replay cache in memory.
type memReplay struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (m *memReplay) Use(id string, _ time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	fresh := !m.seen[id]
	m.seen[id] = true
	return fresh, nil
}

// newWalletOn is citizen i's wallet enrolled with srv at url, on clock now.
func (f *Fixture) newWalletOn(t *testing.T, i int, srv *warehouse.Server, url string, now func() time.Time) (*badgerstore.Store, *client.Client) {
	t.Helper()
	st, err := badgerstore.Create(filepath.Join(t.TempDir(), "profile2"), []byte("246810"), sample.Profile(i), badgerstore.Options{KDF: kdf.Test()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c, err := client.New(client.Config{BaseURL: url, RootKey: srv.RootKey(), Now: now, RetryWait: 5 * time.Millisecond, RetryMaxWait: 20 * time.Millisecond, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	code, err := srv.EnrolmentCode(sample.Profile(i).CitizenID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Enrol(context.Background(), st, code, "second phone"); err != nil {
		t.Fatal(err)
	}
	return st, c
}
