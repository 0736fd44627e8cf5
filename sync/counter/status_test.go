package counter_test

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/crypto/statuslist"
	"github.com/vnwallet/citizenwallet/sync/counter"
)

// statusProvince is a province whose hospital publishes status lists on
// a real HTTPS server at <tls>/status/soyte/<n>, signed with its
// credential key, as the warehouse does.
type statusProvince struct {
	*province
	lists *httptest.Server
	pub   *publisher
}

func newStatusProvince(t *testing.T, clk *clock) *statusProvince {
	p := newProvince(t)
	p.now = clk.now
	p.keysFrom = clk.now().Add(-time.Hour).Truncate(time.Second)
	pub := newPublisher(t)
	p.statusAt = pub.uri("/status/soyte/")
	return &statusProvince{province: p, lists: pub.srv, pub: pub}
}

// publishList signs list 0 of the hospital with the given entries
// withdrawn, issued now.
func (p *statusProvince) publishList(t *testing.T, clk *clock, withdrawn ...int) {
	t.Helper()
	p.pub.publish(t, "/status/soyte/0", p.statusAt+"0", p.issuer, clk.now().Truncate(time.Second), time.Hour, time.Time{}, 1024, withdrawn...)
}

func (p *statusProvince) openCounter(t *testing.T, dir string, clk *clock) *counter.Counter {
	t.Helper()
	c, err := counter.Open(counter.Config{BaseURL: p.ts.URL, RootKey: p.root.Public(), Agency: "vn.dongnai.soyte", Dir: dir, Now: clk.now,
		StatusTransport: p.lists.Client().Transport})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// tokenWithStatus is a real offline consent token of one hospital record
// whose credential names entry idx of the list at uri.
func (p *statusProvince) tokenWithStatus(t *testing.T, dev *keys.PrivateKey, at time.Time, rid, uri string, idx int) string {
	t.Helper()
	req := sdjwt.IssueRequest{Issuer: "vn.dongnai.soyte", Type: "health.insurance_card", IssuedAt: at.Add(-time.Minute), Holder: dev.Public(),
		Metadata: map[string]any{"rid": rid, "rver": 1}, Claims: map[string]any{"card_number": "HC4757573214192"}}
	if uri != "" {
		req.Status = statuslist.Reference{Index: idx, URI: uri}.Claim()
	}
	cred, err := sdjwt.Issue(p.issuer, req)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := consent.Build(consent.Request{Holder: dev, Audience: "vn.dongnai.soyte", Purpose: "medical_care", IssuedAt: at, Expires: at.Add(72 * time.Hour),
		Selections: []sdjwt.Selection{{Credential: cred, Disclose: []string{"card_number"}}}})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// A withdrawn BHYT card reaches an offline counter through the
// hospital's status list: a counter that refreshed after the withdrawal
// refuses it offline (and the consent id is not burnt); one that
// refreshed before accepts it and says how old its list is; one that
// never got the list accepts it with the check marked as not made;
// another record of the same citizen still verifies.
func TestWithdrawnRecordRefusedOffline(t *testing.T) {
	clk := newClock()
	p := newStatusProvince(t, clk)
	p.publishList(t, clk)
	dev, _ := keys.Generate(keys.ES256)

	before := p.openCounter(t, t.TempDir(), clk)
	if st := before.Refresh(t.Context()); st != counter.Fresh {
		t.Fatalf("refresh before the withdrawal: %v", st)
	}
	if ls := before.StatusLists().Lists(); len(ls) != 1 || ls[0].URI != p.statusAt+"0" {
		t.Fatalf("the agency's list was not discovered at Refresh: %+v", ls)
	}
	// This one gets the trust list, but the lists' server is down.
	never := p.openCounter(t, t.TempDir(), clk)
	p.pub.fail(503)
	if st := never.Refresh(t.Context()); st != counter.Cached {
		t.Fatalf("refresh with the lists' server down: %v, want Cached", st)
	}
	p.pub.fail(0)

	// The card (entry 5) is withdrawn; list 0 is signed again a minute later.
	clk.add(time.Minute)
	p.publishList(t, clk, 5)
	after := p.openCounter(t, t.TempDir(), clk)
	if st := after.Refresh(t.Context()); st != counter.Fresh {
		t.Fatalf("refresh after the withdrawal: %v", st)
	}

	// Everyone goes offline; two hours pass.
	p.ts.Close()
	p.lists.Close()
	clk.add(2 * time.Hour)

	card := p.tokenWithStatus(t, dev, clk.now(), "health.insurance_card-1", p.statusAt+"0", 5)
	_, err := after.Verify(t.Context(), card)
	if !errors.Is(err, consent.ErrWithdrawn) {
		t.Fatalf("withdrawn card at a counter with the new list: %v, want ErrWithdrawn", err)
	}
	if _, err := after.Verify(t.Context(), card); !errors.Is(err, consent.ErrWithdrawn) {
		t.Fatalf("shown again: %v, want ErrWithdrawn (not a replay: the id was not burnt)", err)
	}

	res, err := before.Verify(t.Context(), card)
	if err != nil {
		t.Fatalf("counter with the list from before the withdrawal: %v", err)
	}
	if len(res.Statuses) != 1 || !res.Statuses[0].Checked || res.Statuses[0].Record != 1 || res.Statuses[0].Age < 2*time.Hour || res.Statuses[0].Age > 3*time.Hour {
		t.Fatalf("statuses %+v: want checked VALID with the list's age (2 h 1 min)", res.Statuses)
	}

	cres, err := never.Verify(t.Context(), p.tokenWithStatus(t, dev, clk.now(), "health.insurance_card-1", p.statusAt+"0", 5))
	if err != nil {
		t.Fatalf("counter that never got the list: %v", err)
	}
	if st := cres.Statuses; len(st) != 1 || st[0].Checked || !strings.Contains(st[0].Reason, "never fetched") {
		t.Fatalf("statuses %+v: want not checked, with the reason", st)
	}

	other := p.tokenWithStatus(t, dev, clk.now(), "health.vaccination-1", p.statusAt+"0", 6)
	if res, err := after.Verify(t.Context(), other); err != nil || !res.Statuses[0].Checked {
		t.Fatalf("another record of the same citizen: %+v %v", res, err)
	}
}

// A credential naming a list that is not under its own issuer's
// status_lists prefix is refused, whatever that list says; an index
// outside the list is refused; a credential without status is accepted
// unchecked unless the counter requires a status.
func TestStatusReferenceRules(t *testing.T) {
	clk := newClock()
	p := newStatusProvince(t, clk)
	p.publishList(t, clk)
	p.pub.publish(t, "/status/bhxh/0", p.pub.uri("/status/bhxh/0"), p.pub.bhxh, clk.now().Truncate(time.Second), time.Hour, time.Time{}, 1024)
	dev, _ := keys.Generate(keys.ES256)
	c := p.openCounter(t, t.TempDir(), clk)
	if st := c.Refresh(t.Context()); st != counter.Fresh {
		t.Fatalf("refresh: %v", st)
	}
	for name, tok := range map[string]string{
		"another agency's list": p.tokenWithStatus(t, dev, clk.now(), "r-1", p.pub.uri("/status/bhxh/0"), 5),
		"outside the prefix":    p.tokenWithStatus(t, dev, clk.now(), "r-2", p.pub.uri("/status/soyte/../bhxh/0"), 5),
		"index past the end":    p.tokenWithStatus(t, dev, clk.now(), "r-3", p.statusAt+"0", 1024),
	} {
		if _, err := c.Verify(t.Context(), tok); !errors.Is(err, consent.ErrStatus) {
			t.Errorf("%s: %v, want consent.ErrStatus", name, err)
		}
	}
	res, err := c.Verify(t.Context(), p.tokenWithStatus(t, dev, clk.now(), "r-4", "", 0))
	if err != nil || res.Statuses[0].Checked || res.Statuses[0].Reason == "" {
		t.Fatalf("no status claim: %+v %v; want accepted, not checked", res, err)
	}
	strict, err := counter.Open(counter.Config{BaseURL: p.ts.URL, RootKey: p.root.Public(), Agency: "vn.dongnai.soyte", Dir: t.TempDir(), Now: clk.now,
		StatusTransport: p.lists.Client().Transport, RequireStatus: true})
	if err != nil {
		t.Fatal(err)
	}
	defer strict.Close()
	strict.Refresh(t.Context())
	if _, err := strict.Verify(t.Context(), p.tokenWithStatus(t, dev, clk.now(), "r-5", "", 0)); !errors.Is(err, consent.ErrStatus) {
		t.Fatalf("no status at a counter that requires one: %v", err)
	}
}

// A list the counter does not hold is fetched while verifying, when the
// network allows; the list's signer must be the issuer's key.
func TestStatusFetchedOnDemand(t *testing.T) {
	clk := newClock()
	p := newStatusProvince(t, clk)
	dev, _ := keys.Generate(keys.ES256)
	c := p.openCounter(t, t.TempDir(), clk)
	if st := c.Refresh(t.Context()); st != counter.Fresh { // no list published yet: none discovered
		t.Fatalf("refresh: %v", st)
	}
	// Published with another agency's key: refused, so not checked.
	p.pub.publish(t, "/status/soyte/0", p.statusAt+"0", p.pub.bhxh, clk.now().Truncate(time.Second), time.Hour, time.Time{}, 1024, 5)
	res, err := c.Verify(t.Context(), p.tokenWithStatus(t, dev, clk.now(), "r-1", p.statusAt+"0", 5))
	if err != nil || res.Statuses[0].Checked {
		t.Fatalf("list signed by the wrong key: %+v %v; want accepted unchecked", res, err)
	}
	clk.add(2 * time.Minute) // past the retry pause
	p.publishList(t, clk, 5)
	if _, err := c.Verify(t.Context(), p.tokenWithStatus(t, dev, clk.now(), "r-1", p.statusAt+"0", 5)); !errors.Is(err, consent.ErrWithdrawn) {
		t.Fatalf("fetched on demand: %v, want ErrWithdrawn", err)
	}
}
