package counter_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/counter"
	"github.com/vnwallet/citizenwallet/sync/protocol"
)

// province serves a trust list of a chosen version and a signed
// revocation list on loopback, as the warehouse's public endpoints do.
type province struct {
	t        *testing.T
	root     *keys.PrivateKey
	issuer   *keys.PrivateKey
	revKey   *keys.PrivateKey // delegated in the trust list
	signer   *keys.PrivateKey // what signs revocation lists (revKey unless a test forges)
	mu       sync.Mutex
	version  int64
	revoked  []consent.RevokedConsent // entry i has seq i+1
	asked    []int64                  // the since of each revocation-list request
	down     bool                     // the revocation list answers 503
	now      func() time.Time         // the province's clock
	keysFrom time.Time                // the keys' not-before
	statusAt string                   // the hospital's status_lists prefix ("" none)
	ts       *httptest.Server
}

func newProvince(t *testing.T) *province {
	p := &province{t: t, version: 1, now: time.Now, keysFrom: time.Now().Add(-time.Hour).Truncate(time.Second)}
	var err error
	if p.root, err = keys.Generate(keys.EdDSA); err != nil {
		t.Fatal(err)
	}
	if p.issuer, err = keys.Generate(keys.ES256); err != nil {
		t.Fatal(err)
	}
	if p.revKey, err = keys.Generate(keys.ES256); err != nil {
		t.Fatal(err)
	}
	p.signer = p.revKey
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+protocol.PathTrustList, func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(protocol.TrustListResponse{TrustList: p.trustList()})
	})
	mux.HandleFunc("GET "+protocol.PathRevocationList, func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		defer p.mu.Unlock()
		since, _ := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
		p.asked = append(p.asked, since)
		if p.down {
			http.Error(w, `{"code":"internal","message":"down"}`, http.StatusServiceUnavailable)
			return
		}
		if since > int64(len(p.revoked)) {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(protocol.Error{Code: protocol.ErrCodeBadCursor, Message: "ahead"})
			return
		}
		now := p.now().Truncate(time.Second)
		l := consent.RevocationList{Province: "vn.dongnai", Audience: r.URL.Query().Get("aud"), IssuedAt: now, NextUpdate: now.Add(time.Hour),
			Since: since, Version: int64(len(p.revoked))}
		from := min(int(since), len(p.revoked))
		l.Entries = p.revoked[from:]
		if len(l.Entries) > consent.MaxRevocationPage {
			l.Entries, l.More, l.Version = l.Entries[:consent.MaxRevocationPage], true, since+consent.MaxRevocationPage
		}
		signed, err := consent.SignRevocationList(l, p.signer)
		if err != nil {
			t.Error(err)
		}
		json.NewEncoder(w).Encode(protocol.RevocationListResponse{List: signed})
	})
	p.ts = httptest.NewServer(mux)
	t.Cleanup(p.ts.Close)
	return p
}

func (p *province) trustList() string {
	p.mu.Lock()
	v, prefix := p.version, p.statusAt
	p.mu.Unlock()
	now := p.now().Truncate(time.Second)
	signed, err := trust.Sign(trust.List{Province: "vn.dongnai", Version: v, IssuedAt: now, NextUpdate: now.Add(time.Hour),
		Issuers: []trust.Issuer{{ID: "vn.dongnai.soyte", Name: trust.Name{VI: "Sở Y tế tỉnh Đồng Nai"}, StatusLists: prefix,
			Keys: []trust.IssuerKey{{Key: p.issuer.Public(), NotBefore: p.keysFrom}}}},
		RevocationKeys: []trust.IssuerKey{{Key: p.revKey.Public(), NotBefore: p.keysFrom}}}, p.root)
	if err != nil {
		p.t.Error(err)
	}
	return signed
}

// revoke adds a revocation of (holder, consent id) to the list.
func (p *province) revoke(holder, id string, expires time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.revoked = append(p.revoked, consent.RevokedConsent{ID: consent.RevocationIDOf(holder, id), Expires: expires})
}

func (p *province) open(t *testing.T, dir string) *counter.Counter {
	t.Helper()
	c, err := counter.Open(counter.Config{BaseURL: p.ts.URL, RootKey: p.root.Public(), Agency: "vn.dongnai.soyte", Dir: dir,
		Explain: func(err error) string { return "explained: " + err.Error() }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// The lists: fetched and cached; offline after a restart the cached ones
// are used; nothing cached and offline is None and Verify says so; an
// older trust list than the one held is refused (rollback).
func TestRefreshCachesAndRefusesRollback(t *testing.T) {
	p := newProvince(t)
	dir := t.TempDir()

	// Never online: nothing to verify against.
	p.ts.Close()
	offline := p.open(t, filepath.Join(dir, "never"))
	if st := offline.Refresh(t.Context()); st != counter.None {
		t.Fatalf("never online: status %v", st)
	}
	if _, err := offline.Verify(t.Context(), "a~b~"); !errors.Is(err, counter.ErrNoTrustList) {
		t.Errorf("verify with no trust list: %v", err)
	}

	p = newProvince(t)
	p.version = 5
	p.revoke("holder", "consent-1", time.Now().Add(time.Hour))
	c := p.open(t, dir)
	if st := c.Refresh(t.Context()); st != counter.Fresh {
		t.Fatalf("online: status %v", st)
	}
	if iss, ok := c.Issuer("vn.dongnai.soyte"); !ok || iss.Name.VI != "Sở Y tế tỉnh Đồng Nai" {
		t.Errorf("issuer from the fresh list: %+v", iss)
	}
	// The warehouse now serves an older list: refused, the held one stays.
	p.mu.Lock()
	p.version = 3
	p.mu.Unlock()
	if st := c.Refresh(t.Context()); st != counter.Cached {
		t.Errorf("older list: status %v; want Cached", st)
	}
	cached, _ := os.ReadFile(filepath.Join(dir, "trust-list.jws"))
	if l, err := trust.Verify(string(cached), p.root.Public()); err != nil || l.Version != 5 {
		t.Errorf("cached list after a rollback attempt: %+v %v", l, err)
	}
	c.Close()

	// Restart offline: the cached lists.
	p.ts.Close()
	again := p.open(t, dir)
	if st := again.Refresh(context.Background()); st != counter.Cached {
		t.Errorf("offline restart: status %v", st)
	}
	if _, ok := again.Issuer("vn.dongnai.soyte"); !ok {
		t.Error("offline restart lost the cached trust list")
	}
}

// The log: every verification and refusal, newest first, with the
// caller's explanation; a line cut by a crash is skipped and does not
// swallow the next entry.
func TestLog(t *testing.T) {
	p := newProvince(t)
	dir := t.TempDir()
	c := p.open(t, dir)
	c.Refresh(t.Context())
	if entries, err := c.Log(10); err != nil || len(entries) != 0 {
		t.Fatalf("empty log: %v %v", entries, err)
	}
	_, err := c.Verify(t.Context(), "not~a~token~")
	if !errors.Is(err, consent.ErrRejected) {
		t.Fatalf("garbage token: %v", err)
	}
	c.Refused(errors.New("mixed parts"))
	f, _ := os.OpenFile(filepath.Join(dir, "log.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"at":"2026-11-2`)
	f.Close()
	c.Refused(errors.New("last"))

	entries, err := c.Log(10)
	if err != nil || len(entries) != 3 {
		t.Fatalf("log: %+v %v", entries, err)
	}
	if entries[0].Reason != "last" || entries[1].Reason != "mixed parts" || entries[2].Valid || entries[2].Explained != "explained: "+entries[2].Reason {
		t.Errorf("log entries: %+v", entries)
	}
	if got, _ := c.Log(1); len(got) != 1 || got[0].Reason != "last" {
		t.Errorf("limit 1: %+v", got)
	}
}
