package client_test

import (
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// A revoked consent reaches the warehouse at the next consent sync, once;
// the warehouse's access log becomes uses in the history, once, and uses
// of consents this profile never gave are skipped.
func TestSyncConsents(t *testing.T) {
	srv, ts := warehousetest.Start(t, warehouse.Config{}, nil)
	st, _ := newWallet(t, 1)
	c := newClient(t, ts.URL, srv.RootKey(), nil)
	enrol(t, srv, c, st, 1)
	h, err := wallet.OpenConsentHistory(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	dev, err := client.DeviceKey(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"c-1", "c-2", "c-old"} {
		c := wallet.Consent{ID: id, GivenAt: now, Method: "test", Purpose: wallet.Purpose{Code: "p", Text: wallet.Label{VI: "Thử", EN: "Test"}},
			Recipient: wallet.Recipient{Agency: "vn.x"}, Fields: []wallet.ConsentField{{FieldRef: wallet.FieldRef{RecordID: "r", Type: "identity.citizen", Claim: "full_name"}}},
			Expires: now.Add(time.Hour)}
		if id != "c-old" { // c-old was given by a wallet that kept no proof
			tok, _, err := consent.BuildReference(dev, consent.Reference{ID: id, Audience: "vn.x", IssuedAt: now.Unix(), Expires: now.Add(time.Hour).Unix(),
				Purpose: "p", Scope: []consent.ScopeItem{{RecordID: "r", Claims: []string{"full_name"}}}})
			if err != nil {
				t.Fatal(err)
			}
			c.Holder, c.Proof = dev.KID(), tok
		}
		if err := h.Give(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"c-2", "c-old"} {
		if err := h.Revoke(ctx, id, now); err != nil {
			t.Fatal(err)
		}
	}
	citizen := sample.Profile(1).CitizenID
	for _, id := range []string{"c-1", "c-1", "someone-else"} {
		if _, err := srv.RecordAccess(citizen, protocol.AccessEntry{ConsentID: id, UsedAt: now, Counter: protocol.Counter{Agency: "vn.x", CounterID: "q2"}, Fields: []string{"full_name"}}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := c.SyncConsents(ctx, st, h, now)
	if err != nil {
		t.Fatal(err)
	}
	if res.RevocationsSent != 1 || res.UsesRecorded != 2 || len(res.RevocationsRefused) != 1 ||
		res.RevocationsRefused[0].ConsentID != "c-old" || res.RevocationsRefused[0].Code != protocol.ErrCodeBadProof {
		t.Errorf("first consent sync: %+v", res)
	}
	if ok, _ := srv.Revoked(ctx, dev.KID(), "c-2"); !ok {
		t.Error("the warehouse does not know c-2 is revoked")
	}
	if ok, _ := srv.Revoked(ctx, dev.KID(), "c-1"); ok {
		t.Error("c-1 revoked")
	}
	res, err = c.SyncConsents(ctx, st, h, now)
	if err != nil || res.RevocationsSent != 0 || res.UsesRecorded != 0 || res.RevocationsRefused != nil {
		t.Errorf("second consent sync: %+v, %v", res, err)
	}
	all, _ := h.List(ctx, now)
	for _, s := range all {
		if s.Consent.ID == "c-1" && (len(s.Uses) != 2 || s.Uses[0].Counter.CounterID != "q2" || s.Uses[0].Ref != "warehouse:1") {
			t.Errorf("c-1 uses: %+v", s.Uses)
		}
	}
}
