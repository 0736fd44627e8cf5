package counter_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/sync/counter"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newClock() *clock               { return &clock{t: time.Now()} }
func (p *province) openAt(t *testing.T, dir string, c *clock) *counter.Counter {
	t.Helper()
	ctr, err := counter.Open(counter.Config{BaseURL: p.ts.URL, RootKey: p.root.Public(), Agency: "vn.dongnai.soyte", Dir: dir, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctr.Close() })
	return ctr
}

// token is a real offline consent token for the province's hospital: an
// issuer-signed record presented by dev, with its consent id.
func (p *province) token(t *testing.T, dev *keys.PrivateKey, at time.Time) (string, string) {
	t.Helper()
	cred, err := sdjwt.Issue(p.issuer, sdjwt.IssueRequest{Issuer: "vn.dongnai.soyte", Type: "health.insurance_card", IssuedAt: at.Add(-time.Minute), Holder: dev.Public(),
		Metadata: map[string]any{"rid": "health.insurance_card-1", "rver": 1}, Claims: map[string]any{"card_number": "HC4757573214192"}})
	if err != nil {
		t.Fatal(err)
	}
	tok, id, err := consent.Build(consent.Request{Holder: dev, Audience: "vn.dongnai.soyte", Purpose: "medical_care", IssuedAt: at, Expires: at.Add(72 * time.Hour),
		Selections: []sdjwt.Selection{{Credential: cred, Disclose: []string{"card_number"}}}})
	if err != nil {
		t.Fatal(err)
	}
	return tok, id
}

// A counter learns a revocation from the signed list, then deltas from
// its version only; when the list can no longer be fetched, or comes
// forged, or the warehouse "forgets" an entry, the counter still refuses
// what it knew was revoked, and its status says how old that knowledge
// is, stale after the freshness (24 h).
func TestRevocationListFailsClosed(t *testing.T) {
	p := newProvince(t)
	clk := newClock()
	p.now = clk.now
	dir := t.TempDir()
	c := p.openAt(t, dir, clk)
	dev, _ := keys.Generate(keys.ES256)
	other, _ := keys.Generate(keys.ES256)

	if st := c.RevocationStatus(); st.Have || !st.Stale {
		t.Errorf("before any list: %+v; want no list, stale", st)
	}
	tok1, id1 := p.token(t, dev, clk.now())
	tok2, id2 := p.token(t, dev, clk.now())
	p.revoke(dev.KID(), id1, clk.now().Add(72*time.Hour))
	p.revoke(other.KID(), id2, clk.now().Add(72*time.Hour)) // another device's consent with the same id: not tok2's
	if st := c.Refresh(t.Context()); st != counter.Fresh {
		t.Fatalf("refresh: %v (%+v)", st, c.RevocationStatus())
	}
	st := c.RevocationStatus()
	if !st.Have || st.Stale || st.Entries != 2 || st.LastError != "" || clk.now().Sub(st.AsOf) > time.Minute {
		t.Errorf("after a refresh: %+v", st)
	}
	if _, err := c.Verify(t.Context(), tok1); !errors.Is(err, consent.ErrRevoked) {
		t.Errorf("revoked token: %v; want ErrRevoked", err)
	}
	if _, err := c.Verify(t.Context(), tok2); err != nil {
		t.Errorf("a token whose id another device revoked for itself: %v; want valid", err)
	}

	// A delta: only what came after the counter's version.
	tok3, id3 := p.token(t, dev, clk.now())
	p.revoke(dev.KID(), id3, clk.now().Add(72*time.Hour))
	p.mu.Lock()
	p.asked = nil
	p.mu.Unlock()
	c.Refresh(t.Context())
	p.mu.Lock()
	asked := append([]int64(nil), p.asked...)
	p.mu.Unlock()
	if len(asked) != 1 || asked[0] != 2 {
		t.Errorf("the counter asked for the list since %v; want [2] (its version)", asked)
	}
	if _, err := c.Verify(t.Context(), tok3); !errors.Is(err, consent.ErrRevoked) {
		t.Errorf("token revoked in the delta: %v", err)
	}

	// The warehouse is down for two days: the list is stale, and still
	// refuses what it holds.
	tok4, id4 := p.token(t, dev, clk.now())
	p.mu.Lock()
	p.down = true
	p.mu.Unlock()
	p.revoke(dev.KID(), id4, clk.now().Add(72*time.Hour)) // revoked while the counter cannot learn it
	clk.add(25 * time.Hour)
	if st := c.Refresh(t.Context()); st != counter.Cached {
		t.Errorf("refresh with the list down: %v", st)
	}
	st = c.RevocationStatus()
	if !st.Have || !st.Stale || st.LastError == "" || clk.now().Sub(st.AsOf) < 25*time.Hour {
		t.Errorf("list down for 25 h: %+v; want stale, with the error and its age", st)
	}
	if _, err := c.Verify(t.Context(), tok1); !errors.Is(err, consent.ErrRevoked) {
		t.Errorf("a revoked token with the list 25 h old: %v; want ErrRevoked (fail closed)", err)
	}
	if _, err := c.Verify(t.Context(), tok4); err != nil {
		t.Errorf("a token revoked after the last list: %v; the counter cannot know (the stale status says so)", err)
	}

	// A forged list (signed by a key the trust list does not delegate):
	// not applied, and what was known stays.
	p.mu.Lock()
	p.down = false
	p.signer, _ = keys.Generate(keys.ES256)
	p.revoked = nil // and it claims nothing is revoked
	p.mu.Unlock()
	if st := c.Refresh(t.Context()); st != counter.Cached {
		t.Errorf("refresh with a forged list: %v", st)
	}
	if st := c.RevocationStatus(); st.Entries == 0 || st.LastError == "" {
		t.Errorf("after a forged list: %+v; want the entries kept and the error shown", st)
	}
	// A genuine list that "forgets" (a new store starting again): the
	// counter keeps its entries.
	p.mu.Lock()
	p.signer = p.revKey
	p.mu.Unlock()
	if st := c.Refresh(t.Context()); st != counter.Fresh {
		t.Errorf("refresh with a genuine but empty list: %v (%+v)", st, c.RevocationStatus())
	}
	if st := c.RevocationStatus(); st.Entries != 3 || st.Stale || st.LastError != "" {
		t.Errorf("after an empty genuine list: %+v; want the 3 unexpired entries kept, fresh", st)
	}
	if _, err := c.Verify(t.Context(), tok3); !errors.Is(err, consent.ErrRevoked) {
		t.Errorf("a revoked token after the list was emptied: %v; want ErrRevoked", err)
	}

	// A restart keeps the list (saved atomically); a damaged file is no
	// list at all, and says so.
	c.Close()
	again := p.openAt(t, dir, clk)
	if st := again.RevocationStatus(); !st.Have || st.Entries != 3 {
		t.Errorf("after a restart: %+v", st)
	}
	again.Close()
	if err := os.WriteFile(filepath.Join(dir, "revocations.json"), []byte(`{"audience":"vn.dongnai.soyte","entries":{"x":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	damaged := p.openAt(t, dir, clk)
	if st := damaged.RevocationStatus(); st.Have || !st.Stale {
		t.Errorf("a damaged list file: %+v; want no list", st)
	}
}

// A long list comes in pages of MaxRevocationPage, each verified; and
// entries leave the list when their consents expire.
func TestRevocationListPagesAndExpiry(t *testing.T) {
	p := newProvince(t)
	clk := newClock()
	p.now = clk.now
	c := p.openAt(t, t.TempDir(), clk)
	n := consent.MaxRevocationPage*2 + 10
	for i := range n {
		exp := clk.now().Add(48 * time.Hour)
		if i%2 == 0 {
			exp = clk.now().Add(2 * time.Hour)
		}
		p.revoke("h", "c"+strconv.Itoa(i), exp)
	}
	if st := c.Refresh(t.Context()); st != counter.Fresh {
		t.Fatalf("refresh: %v %+v", st, c.RevocationStatus())
	}
	p.mu.Lock()
	asked := append([]int64(nil), p.asked...)
	p.mu.Unlock()
	if len(asked) != 3 || asked[1] != consent.MaxRevocationPage || asked[2] != 2*consent.MaxRevocationPage {
		t.Errorf("pages asked: %v", asked)
	}
	if st := c.RevocationStatus(); st.Entries != n {
		t.Errorf("%d entries; want %d", st.Entries, n)
	}
	clk.add(3 * time.Hour)
	c.Refresh(t.Context())
	if st := c.RevocationStatus(); st.Entries != n/2 {
		t.Errorf("after half the consents expired: %d entries; want %d", st.Entries, n/2)
	}
}
