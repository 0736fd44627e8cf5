package warehouse_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

// Key rotation: the operator gives an agency a new signing key. The trust
// list gets a new version with both keys; what the old key signed still
// verifies, what is issued from then on is signed with the new key, and
// another process on the same store signs with it too.
func TestRotateAgencyKey(t *testing.T) {
	f := newFixture(t, warehouse.Config{})
	a := newAdminAPI(t, f)
	dev, citizen := f.enrol(2)
	before := changes(t, f, dev, "", 100)
	_, recs, _ := f.srv.Latest(citizen)
	rec := recs[0]
	agency := rec.Issuer
	tl1, err := trust.Verify(f.srv.TrustList(), f.srv.RootKey())
	if err != nil {
		t.Fatal(err)
	}
	iss1, _ := tl1.Issuer(agency)

	st, b := a.do("operator", "POST", warehouse.AdminPathAgencies+"/"+agency+"/rotate-key", nil)
	if st != http.StatusOK {
		t.Fatalf("rotate: %d %s", st, b)
	}
	var sk warehouse.SigningKey
	json.Unmarshal(b, &sk)
	tl2, err := trust.Verify(f.srv.TrustList(), f.srv.RootKey())
	if err != nil {
		t.Fatal(err)
	}
	iss2, _ := tl2.Issuer(agency)
	if tl2.Version != tl1.Version+1 || len(iss2.Keys) != len(iss1.Keys)+1 || iss2.Keys[len(iss2.Keys)-1].Key.KID() != sk.KID {
		t.Fatalf("trust list after rotation: version %d→%d, keys %d→%d", tl1.Version, tl2.Version, len(iss1.Keys), len(iss2.Keys))
	}
	old := iss2.Keys[len(iss2.Keys)-2]
	if old.NotAfter.IsZero() || f.clock.now().Sub(old.NotAfter) > time.Minute {
		t.Errorf("the old key's end: %v; want the rotation time", old.NotAfter)
	}
	// What the old key signed still verifies against the new list.
	opts := credential.VerifyOptions{Trust: tl2, Holder: dev.Public(), CitizenID: citizen, Now: f.clock.now()}
	for _, c := range before.Changes {
		cred, err := c.SDJWT()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := credential.Verify(cred, opts); err != nil {
			t.Errorf("record %s signed before the rotation: %v", c.RecordID, err)
		}
	}
	// A correction issued now is signed with the new key.
	corr := rec
	corr.Version, corr.IssuedAt, corr.Credential = 0, time.Time{}, ""
	if _, err := f.srv.Issue(citizen, corr); err != nil {
		t.Fatal(err)
	}
	after := changes(t, f, dev, before.NextCursor, 100)
	if len(after.Changes) != 1 {
		t.Fatalf("after the correction: %d changes", len(after.Changes))
	}
	cred, _ := after.Changes[0].SDJWT()
	if kid := headerKID(t, cred); kid != sk.KID {
		t.Errorf("the correction is signed by %s; want the new key %s", kid, sk.KID)
	}
	if _, err := credential.Verify(cred, opts); err != nil {
		t.Errorf("the correction does not verify: %v", err)
	}
	// Another process on the same store knows the new key.
	other, err := warehouse.Open(warehouse.Config{Store: f.store, Keys: f.keys, Now: f.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tl3, _ := trust.Verify(other.TrustList(), other.RootKey())
	if iss3, _ := tl3.Issuer(agency); len(iss3.Keys) != len(iss2.Keys) {
		t.Errorf("another process sees %d keys; want %d", len(iss3.Keys), len(iss2.Keys))
	}
	// Unknown agency: 404.
	if st, _ := a.do("operator", "POST", warehouse.AdminPathAgencies+"/vn.nosuch/rotate-key", nil); st != http.StatusNotFound {
		t.Errorf("rotating an unknown agency: %d", st)
	}
}

func headerKID(t *testing.T, jws string) string {
	t.Helper()
	issuerJWT, _, _ := strings.Cut(jws, "~")
	u, err := keys.ParseUnverified(issuerJWT, "dc+sd-jwt")
	if err != nil {
		t.Fatal(err)
	}
	return u.KID()
}
