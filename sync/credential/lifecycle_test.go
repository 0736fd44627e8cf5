package credential_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/wallet"
)

// iat is the signing time, the record's own date travels as "rdate",
// exp defaults to 30 days after signing, and the status reference
// round-trips.
func TestIssueTimesAndStatus(t *testing.T) {
	p := newProvince(t, nil)
	r, citizen := sampleOf(wallet.Types()[0], 1)
	r.IssuedAt = time.Date(2004, 5, 6, 7, 8, 9, 0, time.UTC) // a record digitised from 2004
	st := &credential.StatusRef{Index: 4711, URI: "https://kho.dongnai.gov.vn/status/soyte/1"}
	cred, err := credential.Issue(r, citizen, p.keys[r.Issuer], p.holder.Public(), credential.IssueOptions{Province: "vn.dongnai", SignedAt: signedAt.Add(300 * time.Millisecond), Status: st})
	if err != nil {
		t.Fatal(err)
	}
	v, err := credential.VerifyFull(cred, p.opts(citizen))
	if err != nil {
		t.Fatal(err)
	}
	if !v.Record.IssuedAt.Equal(r.IssuedAt) {
		t.Errorf("record date %v, want %v", v.Record.IssuedAt, r.IssuedAt)
	}
	if !v.SignedAt.Equal(signedAt) {
		t.Errorf("iat %v, want the signing time %v", v.SignedAt, signedAt)
	}
	if want := signedAt.Add(credential.DefaultLifetime); !v.Expires.Equal(want) {
		t.Errorf("exp %v, want %v", v.Expires, want)
	}
	if v.Status == nil || *v.Status != *st {
		t.Errorf("status %+v, want %+v", v.Status, st)
	}
	if v.KID != p.keys[r.Issuer].KID() {
		t.Errorf("kid %s", v.KID)
	}
	// The claim has the draft's shape, in the issuer-signed JWT.
	payload := issuerPayload(t, cred)
	var claims map[string]json.RawMessage
	json.Unmarshal(payload, &claims)
	if string(claims["status"]) != `{"status_list":{"idx":4711,"uri":"https://kho.dongnai.gov.vn/status/soyte/1"}}` {
		t.Errorf("status claim %s", claims["status"])
	}
	if string(claims["rdate"]) != "1083827289" || string(claims["iat"]) == string(claims["rdate"]) {
		t.Errorf("rdate %s, iat %s", claims["rdate"], claims["iat"])
	}
	// Without a status: no claim; an explicit expiry is kept.
	exp := signedAt.Add(48 * time.Hour)
	cred, err = credential.Issue(r, citizen, p.keys[r.Issuer], p.holder.Public(), credential.IssueOptions{Province: "vn.dongnai", SignedAt: signedAt, Expires: exp})
	if err != nil {
		t.Fatal(err)
	}
	v, err = credential.VerifyFull(cred, p.opts(citizen))
	if err != nil || v.Status != nil || !v.Expires.Equal(exp) {
		t.Fatalf("no status, explicit exp: %+v %v", v, err)
	}
	for name, o := range map[string]credential.IssueOptions{
		"no signing time":    {Province: "vn.dongnai"},
		"no province":        {SignedAt: signedAt},
		"exp before iat":     {Province: "vn.dongnai", SignedAt: signedAt, Expires: signedAt.Add(-time.Second)},
		"negative index":     {Province: "vn.dongnai", SignedAt: signedAt, Status: &credential.StatusRef{Index: -1, URI: "https://x"}},
		"status without uri": {Province: "vn.dongnai", SignedAt: signedAt, Status: &credential.StatusRef{Index: 1}},
	} {
		if _, err := credential.Issue(r, citizen, p.keys[r.Issuer], p.holder.Public(), o); err == nil {
			t.Errorf("%s: issued", name)
		}
	}
}

// Past its exp a credential is refused with ErrExpired (not as forged,
// not as an issuer-key problem); before it, it verifies.
func TestExpiredCredential(t *testing.T) {
	p := newProvince(t, nil)
	r, citizen := sampleOf(wallet.Types()[2], 0)
	cred := p.issue(t, r, citizen)
	o := p.opts(citizen)
	o.Now = signedAt.Add(credential.DefaultLifetime - time.Hour)
	if _, err := credential.Verify(cred, o); err != nil {
		t.Fatalf("before exp: %v", err)
	}
	o.Now = signedAt.Add(credential.DefaultLifetime + time.Hour)
	_, err := credential.Verify(cred, o)
	if !errors.Is(err, credential.ErrExpired) || errors.Is(err, credential.ErrForged) || errors.Is(err, credential.ErrIssuerKey) {
		t.Fatalf("past exp: %v; want ErrExpired only", err)
	}
	// The stored credential's facts say the same without a trust list.
	f, err := credential.ReadFacts(cred)
	if err != nil {
		t.Fatal(err)
	}
	if f.Presentable(o.Now) || !f.Presentable(signedAt) {
		t.Error("Presentable does not follow exp")
	}
	if f.Due(signedAt, credential.DefaultRenewBefore, p.list) {
		t.Error("a fresh credential is due")
	}
	if !f.Due(signedAt.Add(credential.DefaultLifetime-credential.DefaultRenewBefore), credential.DefaultRenewBefore, p.list) {
		t.Error("a credential 7 days before its exp is not due")
	}
	if _, err := credential.ReadFacts("garbage~"); !errors.Is(err, credential.ErrMalformed) {
		t.Errorf("ReadFacts of garbage: %v", err)
	}
}

// A credential made before rdate existed (iat = the record's date, no
// exp) still verifies, with the record's date read from iat, and is due
// for a re-issue.
func TestOldFormatCredential(t *testing.T) {
	p := newProvince(t, nil)
	r, citizen := sampleOf(wallet.Types()[0], 2)
	cred, err := sdjwt.Issue(p.keys[r.Issuer], sdjwt.IssueRequest{
		Issuer: r.Issuer, Type: r.Type, IssuedAt: r.IssuedAt, Holder: p.holder.Public(),
		Metadata: map[string]any{"rid": r.ID, "rver": r.Version, "rstatus": string(r.Status)},
		Claims:   withCitizen(r.Claims, citizen),
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := credential.Verify(cred, p.opts(citizen))
	if err != nil {
		t.Fatal(err)
	}
	if !got.IssuedAt.Equal(r.IssuedAt) {
		t.Errorf("record date %v, want %v", got.IssuedAt, r.IssuedAt)
	}
	f, _ := credential.ReadFacts(cred)
	if !f.Expires.IsZero() || !f.Due(time.Now(), credential.DefaultRenewBefore, nil) {
		t.Errorf("an old credential without exp: %+v not due", f)
	}
}

// The forgery of issue 15: a thief with a leaked agency key signs a
// credential back-dated to before the leak (a genuine signature). While
// the key is in good standing it would pass; once the list marks it
// compromised it is refused with ErrKeyCompromised, whatever its iat.
func TestCompromisedKeyForgery(t *testing.T) {
	r, citizen := sampleOf(wallet.Types()[0], 1)
	leaked := mustKey(t, keys.ES256)
	leakAt := time.Now().Add(-24 * time.Hour).Truncate(time.Second)
	mark := func(compromised bool) func(l *trust.List) {
		return func(l *trust.List) {
			for i := range l.Issuers {
				if l.Issuers[i].ID == r.Issuer {
					k := trust.IssuerKey{Key: leaked.Public(), NotBefore: keyStart, NotAfter: leakAt}
					if compromised {
						k.Compromised = leakAt
					}
					l.Issuers[i].Keys = append(l.Issuers[i].Keys, k)
				}
			}
		}
	}
	rotated := newProvince(t, mark(false))
	compromised := newProvince(t, mark(true))
	compromised.holder = rotated.holder
	backDated := leakAt.AddDate(0, -1, 0)
	forged, err := credential.Issue(r, citizen, leaked, rotated.holder.Public(), credential.IssueOptions{Province: "vn.dongnai", SignedAt: backDated, Expires: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := credential.Verify(forged, rotated.opts(citizen)); err != nil {
		t.Fatalf("merely rotated, the back-dated credential passes (the problem): %v", err)
	}
	_, err = credential.Verify(forged, compromised.opts(citizen))
	if !errors.Is(err, credential.ErrKeyCompromised) || !errors.Is(err, trust.ErrKeyCompromised) {
		t.Fatalf("compromised: %v; want ErrKeyCompromised", err)
	}
	f, _ := credential.ReadFacts(forged)
	if !f.Due(time.Now(), time.Minute, compromised.list) || f.Due(time.Now(), time.Minute, rotated.list) {
		t.Error("Due does not follow the compromise marker")
	}
}

func TestStatusOf(t *testing.T) {
	good := map[string]any{"status": map[string]any{"status_list": map[string]any{"idx": 3.0, "uri": "https://x/1"}}}
	if s, err := credential.StatusOf(good); err != nil || s == nil || s.Index != 3 || s.URI != "https://x/1" {
		t.Fatalf("StatusOf: %+v %v", s, err)
	}
	if s, err := credential.StatusOf(map[string]any{}); s != nil || err != nil {
		t.Fatalf("no status: %+v %v", s, err)
	}
	for name, v := range map[string]any{
		"string":        "revoked",
		"no list":       map[string]any{},
		"fractional":    map[string]any{"status_list": map[string]any{"idx": 1.5, "uri": "https://x"}},
		"negative":      map[string]any{"status_list": map[string]any{"idx": -1.0, "uri": "https://x"}},
		"no uri":        map[string]any{"status_list": map[string]any{"idx": 1.0}},
		"list a string": map[string]any{"status_list": "x"},
	} {
		if _, err := credential.StatusOf(map[string]any{"status": v}); !errors.Is(err, credential.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func issuerPayload(t *testing.T, cred string) []byte {
	t.Helper()
	jwt, _, _ := strings.Cut(cred, "~")
	u, err := keys.ParseUnverified(jwt, sdjwt.TypCredential)
	if err != nil {
		t.Fatal(err)
	}
	return u.UnverifiedPayload()
}

func withCitizen(c wallet.Claims, citizen string) map[string]any {
	out := map[string]any{credential.ClaimCitizen: citizen}
	for k, v := range c {
		out[k] = v
	}
	return out
}
