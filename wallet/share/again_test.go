package share_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/assets"
	"github.com/vnwallet/citizenwallet/crypto/qrtext"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/demo"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/share"
)

// An active consent's QR can be shown again: the same token, the same
// consent, nothing new in the history. A revoked, used or expired one
// cannot, and its kept token is deleted from the phone.
func TestShareAgain(t *testing.T) {
	cat, _ := assets.Procedures()
	p, _ := cat.Lookup("civil.birth_registration")
	prov, _ := demo.New(60, 3)
	srv, ts := warehousetest.Start(t, warehouse.Config{}, prov)
	i, ok := citizenFor(prov, p)
	if !ok {
		t.Fatal("no demo citizen for the procedure")
	}
	prof, _ := prov.Citizen(i)
	now := time.Now()
	st, _ := enrolled(t, srv, ts.URL, prof, func() time.Time { return now })
	defer st.Close()
	recs, _ := st.Records(ctx, wallet.Query{})
	dev, _ := client.DeviceKey(ctx, st)
	h, _ := wallet.OpenConsentHistory(ctx, st)
	give := func(single bool, life time.Duration) *share.Shared {
		t.Helper()
		sh, err := share.Share(ctx, st, h, dev, share.Request{Proposal: wallet.Propose(p, recs), Recipient: wallet.Recipient{Agency: "vn.dongnai.ubnd.tran-bien"},
			Method: "test", Now: now, SingleUse: single, Lifetime: life})
		if err != nil {
			t.Fatal(err)
		}
		return sh
	}
	a, b, c := give(false, time.Hour), give(true, time.Hour), give(false, 15*time.Minute)
	events := func() int {
		evs, err := h.Events(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(evs)
	}
	before := events()
	again, err := share.Again(ctx, st, h, a.Consent.ID, now.Add(10*time.Minute), qrtext.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Token != a.Token || !slices.Equal(again.Parts, a.Parts) || again.Consent.ID != a.Consent.ID || events() != before {
		t.Errorf("shown again: same token %v, same parts %v, same id %v, history %d → %d events",
			again.Token == a.Token, slices.Equal(again.Parts, a.Parts), again.Consent.ID == a.Consent.ID, before, events())
	}
	kept := func(id string) bool {
		v, err := st.Meta(ctx, share.TokenMeta(id))
		return err == nil && len(v) > 0
	}
	// Revoked: refused, and its token goes.
	if err := h.Revoke(ctx, a.Consent.ID, now.Add(11*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := share.Again(ctx, st, h, a.Consent.ID, now.Add(12*time.Minute), qrtext.Options{}); !errors.Is(err, share.ErrNotActive) || kept(a.Consent.ID) {
		t.Errorf("a revoked consent shown again: %v (token kept %v)", err, kept(a.Consent.ID))
	}
	// Single use, used at a counter: refused.
	if _, err := h.RecordUse(ctx, b.Consent.ID, wallet.ConsentUse{At: now.Add(5 * time.Minute), Counter: wallet.Recipient{Agency: "vn.dongnai.ubnd.tran-bien"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := share.Again(ctx, st, h, b.Consent.ID, now.Add(12*time.Minute), qrtext.Options{}); !errors.Is(err, share.ErrNotActive) {
		t.Errorf("a used single-use consent shown again: %v", err)
	}
	// Expired: refused; Forget deletes every token no longer usable.
	if _, err := share.Again(ctx, st, h, c.Consent.ID, now.Add(16*time.Minute), qrtext.Options{}); !errors.Is(err, share.ErrNotActive) {
		t.Errorf("an expired consent shown again: %v", err)
	}
	if err := share.Forget(ctx, st, h, now.Add(16*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if kept(a.Consent.ID) || kept(b.Consent.ID) || kept(c.Consent.ID) {
		t.Errorf("tokens kept after Forget: %v %v %v", kept(a.Consent.ID), kept(b.Consent.ID), kept(c.Consent.ID))
	}
	// An unknown id, and a consent whose token was not kept.
	if _, err := share.Again(ctx, st, h, "nosuch", now, qrtext.Options{}); !errors.Is(err, wallet.ErrNotFound) {
		t.Errorf("unknown consent: %v", err)
	}
	d := give(false, time.Hour)
	if err := st.Apply(ctx, wallet.Batch{Meta: map[string][]byte{share.TokenMeta(d.Consent.ID): nil}}); err != nil {
		t.Fatal(err)
	}
	if _, err := share.Again(ctx, st, h, d.Consent.ID, now, qrtext.Options{}); !errors.Is(err, share.ErrNotKept) {
		t.Errorf("a consent without its token: %v", err)
	}
}
