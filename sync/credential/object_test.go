package credential_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// The place of residence is one structured object of the credential
// (wallet.RecordType.Objects): the wallet gets the record back with its
// flat fields, and a consent that asks for the province alone shows the
// counter the province and nothing of the street or the commune, though
// they are in the same object.
func TestPlaceOfResidenceObject(t *testing.T) {
	p := newProvince(t, nil)
	typ, _ := wallet.LookupType("identity.residence")
	r := sample.Record(typ, 4)
	citizen := sample.Profile(4).CitizenID
	cred, err := credential.Issue(r, citizen, p.keys[r.Issuer], p.holder.Public(), credential.IssueOptions{Province: "vn.dongnai", SignedAt: signedAt})
	if err != nil {
		t.Fatal(err)
	}
	got, err := credential.Verify(cred, credential.VerifyOptions{Trust: p.list, Holder: p.holder.Public(), CitizenID: citizen})
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range r.Claims {
		if got.Claims[name] != v {
			t.Errorf("%s = %v back, issued %v", name, got.Claims[name], v)
		}
	}
	if _, nested := got.Claims["residence_address"]; nested || len(got.Claims) != len(r.Claims) {
		t.Fatalf("the record came back as %v", got.Claims)
	}
	// Every credential of the type has the same number of top-level
	// digests, and its object the same number of members, whichever
	// optional fields a record has.
	shape := map[[2]int]bool{}
	for i := range 30 {
		ri := sample.Record(typ, i)
		c, err := credential.Issue(ri, sample.Profile(i).CitizenID, p.keys[ri.Issuer], p.holder.Public(), credential.IssueOptions{Province: "vn.dongnai", SignedAt: signedAt})
		if err != nil {
			t.Fatal(err)
		}
		parts := strings.Split(c, "~")
		payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(parts[0], ".")[1])
		var members int
		for _, e := range parts[1 : len(parts)-1] {
			raw, _ := base64.RawURLEncoding.DecodeString(e)
			if strings.Contains(string(raw), `"residence_address",{"_sd":[`) {
				members = strings.Count(string(raw), ",") - 1
			}
		}
		shape[[2]int{sdCount(t, payload), members}] = true
	}
	if len(shape) != 1 {
		t.Fatalf("credentials of one type differ in shape: %v", shape)
	}

	tok, _, err := consent.Build(consent.Request{Holder: p.holder, Audience: "vn.dongnai.ubnd.tran-bien", Purpose: "social_assistance",
		IssuedAt: signedAt, Selections: []sdjwt.Selection{{Credential: cred, Disclose: []string{"province"}}}})
	if err != nil {
		t.Fatal(err)
	}
	v := &consent.Verifier{Trust: p.list, Audience: "vn.dongnai.ubnd.tran-bien", Replay: &consent.MemoryReplay{}, Now: func() time.Time { return signedAt.Add(time.Minute) }}
	res, err := v.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Fields) != 1 || res.Fields[0].Claim != "province" || res.Fields[0].Value != r.Claims["province"] || res.Fields[0].Type != "identity.residence" {
		t.Fatalf("fields %+v", res.Fields)
	}
	for _, e := range strings.Split(tok, "~")[1:] {
		raw, _ := base64.RawURLEncoding.DecodeString(e)
		for _, hidden := range []string{r.Claims["address"].(string), r.Claims["commune"].(string)} {
			if strings.Contains(string(raw), hidden) {
				t.Fatalf("%q travels with the province alone", hidden)
			}
		}
	}
}

// sdCount is the number of digests in a payload's top-level _sd.
func sdCount(t *testing.T, payload []byte) int {
	t.Helper()
	var p struct {
		SD []string `json:"_sd"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		t.Fatal(err)
	}
	return len(p.SD)
}
