package warehouse_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

// Credentials are signed now, with exp by the record type's lifetime;
// the feed re-issues a stored one once it is due, and keeps serving it
// byte for byte until then.
func TestCredentialLifetimePerType(t *testing.T) {
	f := newFixture(t, warehouse.Config{CredentialLifetimes: map[string]time.Duration{"health.insurance_card": 72 * time.Hour}})
	dev, citizen := f.enrol(1)
	page := changes(t, f, dev, "", 100)
	now := f.clock.now().UTC().Truncate(time.Second)
	l, _ := trust.Verify(f.srv.TrustList(), f.srv.RootKey())
	seen := 0
	for _, ch := range page.Changes {
		cred, _ := ch.SDJWT()
		v, err := credential.VerifyFull(cred, credential.VerifyOptions{Trust: l, Holder: dev.Public(), CitizenID: citizen, Now: f.clock.now()})
		if err != nil {
			t.Fatal(err)
		}
		want := credential.DefaultLifetime
		if v.Record.Type == "health.insurance_card" {
			want, seen = 72*time.Hour, seen+1
		}
		if !v.SignedAt.Equal(now) || !v.Expires.Equal(now.Add(want)) {
			t.Errorf("%s: iat %v exp %v; want %v + %v", v.Record.Type, v.SignedAt, v.Expires, now, want)
		}
	}
	if seen == 0 {
		t.Fatal("no insurance card in the sample feed")
	}
	// Fetched again a day later: the same bytes, except the card, whose
	// 72 h lifetime puts it within half its lifetime of the end.
	f.clock.add(37 * time.Hour)
	again := changes(t, f, dev, "", 100)
	changed := 0
	for i, ch := range again.Changes {
		a, _ := ch.SDJWT()
		b, _ := page.Changes[i].SDJWT()
		card := strings.Contains(ch.RecordID, "insurance_card")
		if (a != b) != card {
			t.Errorf("record %s fetched again: changed %v", ch.RecordID, a != b)
		}
		if a != b {
			changed++
		}
	}
	if changed != seen {
		t.Errorf("%d credentials re-issued, want the %d insurance cards", changed, seen)
	}
	for _, bad := range []warehouse.Config{
		{CredentialLifetimes: map[string]time.Duration{"health.nosuch": time.Hour * 24}},
		{CredentialLifetimes: map[string]time.Duration{"health.insurance_card": time.Minute}},
		{CredentialLifetime: time.Second},
	} {
		bad.Store, bad.Keys = f.store, f.keys
		if _, err := warehouse.Open(bad); err == nil {
			t.Errorf("Open accepted %+v", bad.CredentialLifetimes)
		}
	}
}

// The re-issue request is device-signed and bounded; it answers each ref
// in order, re-issuing only what is due.
func TestReissueRequest(t *testing.T) {
	f := newFixture(t, warehouse.Config{})
	dev, citizen := f.enrol(2)
	page := changes(t, f, dev, "", 100)
	_, latest, _ := f.srv.Latest(citizen)
	post := func(req any) (int, []byte) {
		b, _ := json.Marshal(req)
		return f.signed(dev, http.MethodPost, protocol.PathReissue, b)
	}
	refs := []protocol.ReissueRef{{RecordID: latest[0].ID, Version: latest[0].Version}, {RecordID: "nosuch", Version: 1}, {RecordID: latest[1].ID, Version: latest[1].Version + 1}}
	st, b := post(protocol.ReissueRequest{Records: refs})
	if st != http.StatusOK {
		t.Fatalf("reissue: %d %s", st, b)
	}
	var resp protocol.ReissueResponse
	json.Unmarshal(b, &resp)
	if len(resp.Results) != 3 || resp.Results[0].Status != protocol.ReissueIssued || resp.Results[1].Status != protocol.ReissueNotFound || resp.Results[2].Status != protocol.ReissueNotFound {
		t.Fatalf("results: %+v", resp.Results)
	}
	got, _ := resp.Results[0].SDJWT()
	var held string
	for _, ch := range page.Changes {
		if ch.RecordID == latest[0].ID {
			held, _ = ch.SDJWT()
		}
	}
	if got != held {
		t.Error("a credential not due was re-issued")
	}
	// Due (25 days on): a fresh one, stored in place of the old.
	f.clock.add(25 * 24 * time.Hour)
	_, b = post(protocol.ReissueRequest{Records: refs[:1]})
	json.Unmarshal(b, &resp)
	fresh, _ := resp.Results[0].SDJWT()
	if fresh == held || fresh == "" {
		t.Fatal("a due credential was not re-issued")
	}
	_, b = post(protocol.ReissueRequest{Records: refs[:1]})
	json.Unmarshal(b, &resp)
	if again, _ := resp.Results[0].SDJWT(); again != fresh {
		t.Error("the re-issued credential is not the one kept")
	}
	// Refusals.
	many := make([]protocol.ReissueRef, protocol.MaxReissuePerRequest+1)
	for i := range many {
		many[i] = protocol.ReissueRef{RecordID: fmt.Sprint("r", i), Version: 1}
	}
	for name, body := range map[string]any{
		"empty":         protocol.ReissueRequest{},
		"too many":      protocol.ReissueRequest{Records: many},
		"twice":         protocol.ReissueRequest{Records: []protocol.ReissueRef{refs[0], refs[0]}},
		"unknown field": map[string]any{"records": refs[:1], "all": true},
	} {
		if st, b := post(body); st != http.StatusBadRequest {
			t.Errorf("%s: %d %s", name, st, b)
		}
	}
	// Unsigned: refused before the body is read.
	if st, _, _ := f.do(http.MethodPost, protocol.PathReissue, []byte(`{"records":[]}`), ""); st != http.StatusUnauthorized {
		t.Errorf("unsigned: %d", st)
	}
}

// The operator's compromise through the admin API: the key is marked in
// a new trust list, the agency rotated, and its credentials re-issued
// when next asked for; the trust list's version header tells wallets.
func TestCompromiseAgencyKey(t *testing.T) {
	f := newFixture(t, warehouse.Config{})
	a := newAdminAPI(t, f)
	dev, citizen := f.enrol(1)
	before := changes(t, f, dev, "", 100)
	_, recs, _ := f.srv.Latest(citizen)
	agency := recs[0].Issuer
	tl1, _ := trust.Verify(f.srv.TrustList(), f.srv.RootKey())
	iss1, _ := tl1.Issuer(agency)
	oldKID := iss1.Keys[len(iss1.Keys)-1].Key.KID()

	if st, _ := a.do("agency", "POST", warehouse.AdminPathAgencies+"/"+agency+"/compromise-key", nil); st != http.StatusForbidden {
		t.Errorf("an agency declaring a compromise: %d; want 403 (operators only)", st)
	}
	st, b := a.do("operator", "POST", warehouse.AdminPathAgencies+"/"+agency+"/compromise-key", nil)
	if st != http.StatusOK {
		t.Fatalf("compromise: %d %s", st, b)
	}
	var res warehouse.CompromiseResult
	json.Unmarshal(b, &res)
	if res.Compromised.KID != oldKID || res.Current.KID == oldKID || res.Compromised.Compromised.IsZero() {
		t.Fatalf("compromise result: %+v", res)
	}
	tl2, _ := trust.Verify(f.srv.TrustList(), f.srv.RootKey())
	if tl2.Version != tl1.Version+1 || !tl2.Compromised(oldKID) {
		t.Fatalf("trust list after: version %d, compromised %v", tl2.Version, tl2.Compromised(oldKID))
	}
	// The feed now serves no credential of the old key.
	_, _, hdr := f.do(http.MethodGet, protocol.PathChanges+"?limit=100", nil, signedAuth(t, f, dev, protocol.PathChanges+"?limit=100"))
	if hdr.Get(protocol.HeaderTrustVersion) != fmt.Sprint(tl2.Version) {
		t.Errorf("feed header %s = %q; want %d", protocol.HeaderTrustVersion, hdr.Get(protocol.HeaderTrustVersion), tl2.Version)
	}
	after := changes(t, f, dev, "", 100)
	opts := credential.VerifyOptions{Trust: tl2, Holder: dev.Public(), CitizenID: citizen, Now: f.clock.now()}
	replaced := 0
	for i, ch := range after.Changes {
		cred, _ := ch.SDJWT()
		if _, err := credential.Verify(cred, opts); err != nil {
			t.Errorf("record %s after the compromise: %v", ch.RecordID, err)
		}
		old, _ := before.Changes[i].SDJWT()
		if _, err := credential.Verify(old, opts); errors.Is(err, credential.ErrKeyCompromised) {
			replaced++
			if headerKID(t, cred) != res.Current.KID {
				t.Errorf("record %s re-issued with %s; want the new key", ch.RecordID, headerKID(t, cred))
			}
		}
	}
	if replaced == 0 {
		t.Fatal("no credential was signed by the compromised key: the test proves nothing")
	}
	// Again: the first time stays; an unknown key or agency is 404.
	st, b = a.do("operator", "POST", warehouse.AdminPathAgencies+"/"+agency+"/compromise-key", []byte(`{"kid":"`+oldKID+`"}`))
	var res2 warehouse.CompromiseResult
	json.Unmarshal(b, &res2)
	if st != http.StatusOK || !res2.Compromised.Compromised.Equal(res.Compromised.Compromised) {
		t.Errorf("declaring it again: %d %s", st, b)
	}
	if st, _ := a.do("operator", "POST", warehouse.AdminPathAgencies+"/"+agency+"/compromise-key", []byte(`{"kid":"nope"}`)); st != http.StatusNotFound {
		t.Errorf("unknown kid: %d", st)
	}
	if st, _ := a.do("operator", "POST", warehouse.AdminPathAgencies+"/vn.nosuch/compromise-key", nil); st != http.StatusNotFound {
		t.Errorf("unknown agency: %d", st)
	}
	if st, _ := a.do("operator", "POST", warehouse.AdminPathAgencies+"/"+agency+"/compromise-key", []byte(`{"kid":1}`)); st != http.StatusBadRequest {
		t.Errorf("bad body: %d", st)
	}
	// The audit log names it.
	log := f.auditActions(t)
	if !strings.Contains(log, "agency-key-compromise") {
		t.Errorf("audit log: %s", log)
	}
}

func signedAuth(t *testing.T, f *fixture, dev *keys.PrivateKey, uri string) string {
	t.Helper()
	auth, err := protocol.SignRequest(dev, http.MethodGet, uri, nil, f.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	return auth
}

// auditActions lists the actions of the whole audit log.
func (f *fixture) auditActions(t *testing.T) string {
	t.Helper()
	var out []string
	for after := int64(0); ; {
		page, err := f.store.AuditLog(context.Background(), after, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return strings.Join(out, " ")
		}
		for _, e := range page {
			out = append(out, e.Action)
		}
		after = page[len(page)-1].Seq
	}
}
