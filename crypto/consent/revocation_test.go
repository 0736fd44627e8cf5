package consent

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/trust"
)

// The id's definition, pinned (the value was computed independently with
// Python's hashlib): an independent counter computes it from
// the holder's thumbprint and the consent id.
func TestRevocationIDOf(t *testing.T) {
	id := RevocationIDOf("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", "bjzn4tlezHGlEf6hD8WNg")
	if got := id.String(); got != "nxYesAw4julgn_ctSVwLNQ" {
		t.Errorf("RevocationIDOf = %s", got)
	}
	if RevocationIDOf("a", "bc") == RevocationIDOf("ab", "c") || RevocationIDOf("h", "c1") == RevocationIDOf("h2", "c1") {
		t.Error("distinct (holder, consent) pairs share an id")
	}
	back, err := ParseRevocationID(id.String())
	if err != nil || back != id {
		t.Errorf("ParseRevocationID: %v %v", back, err)
	}
	for _, bad := range []string{"", "short", id.String() + "A", "nxYesAw4julgn_ctSVwLN+"} {
		if _, err := ParseRevocationID(bad); err == nil {
			t.Errorf("ParseRevocationID(%q) accepted", bad)
		}
	}
}

// A proof is the device-signed part of a token, checked against the
// citizen's device keys only.
func TestVerifyProof(t *testing.T) {
	f := newFixture(t)
	tok, id := f.token(t)
	mine := func(kid string, _ keys.Alg) (*keys.PublicKey, error) {
		if kid == f.dev.KID() {
			return f.dev.Public(), nil
		}
		return nil, errors.New("not this citizen's")
	}
	stranger := func(string, keys.Alg) (*keys.PublicKey, error) { return nil, errors.New("not this citizen's") }
	proof := ProofOf(tok)
	if strings.Contains(proof, "~") || !strings.HasSuffix(tok, proof) {
		t.Fatalf("ProofOf(offline token) = %q", proof)
	}
	p, err := VerifyProof(proof, mine)
	if err != nil || p.ConsentID != id || p.Holder != f.dev.KID() || p.Audience != counter || p.Online || !p.IssuedAt.Equal(t0) || !p.Expires.Equal(t0.Add(DefaultLifetime)) {
		t.Fatalf("VerifyProof(offline) = %+v, %v", p, err)
	}
	if _, err := VerifyProof(proof, stranger); !errors.Is(err, ErrProof) {
		t.Errorf("another citizen's proof: %v", err)
	}
	if _, err := VerifyProof(proof[:len(proof)-3]+"AAA", mine); !errors.Is(err, ErrProof) {
		t.Errorf("a forged proof: %v", err)
	}
	if _, err := VerifyProof(tok, mine); !errors.Is(err, ErrProof) {
		t.Errorf("a whole offline token as proof: %v", err)
	}
	ref, r, err := BuildReference(f.dev, Reference{Audience: counter, Purpose: "p", IssuedAt: t0.Unix(), Scope: []ScopeItem{{RecordID: "r", Claims: []string{"x"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if ProofOf(ref) != ref {
		t.Error("ProofOf(online reference) is not the reference")
	}
	if p, err := VerifyProof(ref, mine); err != nil || !p.Online || p.ConsentID != r.ID {
		t.Errorf("VerifyProof(online) = %+v, %v", p, err)
	}
	long, _ := keys.SignJWT(f.dev, "kb+jwt", map[string]any{"jti": "x", "aud": counter, "iat": t0.Unix(), "exp": t0.Add(MaxLifetime + time.Hour).Unix()})
	if _, err := VerifyProof(long, mine); !errors.Is(err, ErrProof) {
		t.Errorf("a proof of a consent longer than %s: %v", MaxLifetime, err)
	}
}

func revocationTrust(t testing.TB) (*trust.List, *keys.PrivateKey, *keys.PrivateKey) {
	t.Helper()
	root, _ := keys.Generate(keys.ES256)
	issuer, _ := keys.Generate(keys.ES256)
	rev, _ := keys.Generate(keys.ES256)
	from := t0.Add(-time.Hour)
	signed, err := trust.Sign(trust.List{Province: "vn.dongnai", Version: 1, IssuedAt: t0, NextUpdate: t0.Add(time.Hour),
		Issuers:        []trust.Issuer{{ID: "vn.dongnai.soyte", Name: trust.Name{VI: "Sở Y tế"}, Keys: []trust.IssuerKey{{Key: issuer.Public(), NotBefore: from}}}},
		RevocationKeys: []trust.IssuerKey{{Key: rev.Public(), NotBefore: from, NotAfter: t0.Add(48 * time.Hour)}}}, root)
	if err != nil {
		t.Fatal(err)
	}
	tl, err := trust.Verify(signed, root.Public())
	if err != nil {
		t.Fatal(err)
	}
	return tl, rev, issuer
}

func randomEntries(n int, exp time.Time) []RevokedConsent {
	out := make([]RevokedConsent, n)
	for i := range out {
		rand.Read(out[i].ID[:])
		out[i].Expires = exp.Add(time.Duration(i%50) * 17 * time.Minute)
	}
	return out
}

func TestRevocationListRoundTrip(t *testing.T) {
	tl, rev, issuer := revocationTrust(t)
	l := RevocationList{Province: "vn.dongnai", Audience: counter, IssuedAt: t0, NextUpdate: t0.Add(time.Hour), Since: 7, Version: 9,
		Entries: randomEntries(MaxRevocationPage, t0.Add(time.Hour+time.Second))}
	signed, err := SignRevocationList(l, rev)
	if err != nil {
		t.Fatalf("a full page does not sign: %v", err)
	}
	got, err := VerifyRevocationList(signed, tl)
	if err != nil {
		t.Fatal(err)
	}
	if got.Province != l.Province || got.Audience != l.Audience || !got.IssuedAt.Equal(t0) || got.Since != 7 || got.Version != 9 || len(got.Entries) != len(l.Entries) {
		t.Fatalf("round trip: %+v", got)
	}
	want := map[RevocationID]time.Time{}
	for _, e := range l.Entries {
		want[e.ID] = e.Expires
	}
	for _, e := range got.Entries {
		exp, ok := want[e.ID]
		if !ok || e.Expires.Before(exp) || e.Expires.Sub(exp) >= time.Hour || e.Expires.Unix()%3600 != 0 {
			t.Fatalf("entry %s expires %s; sent %s (want it rounded up to the hour)", e.ID, e.Expires, exp)
		}
	}
	t.Logf("a page of %d entries: %d bytes (%.1f per entry)", MaxRevocationPage, len(signed), float64(len(signed))/MaxRevocationPage)

	// Refused: more than a page; a key the trust list does not delegate
	// (an issuer's, or the root's), a list signed when the key was not
	// valid, another province, a tampered payload.
	if _, err := SignRevocationList(RevocationList{Province: "vn.dongnai", Audience: counter, IssuedAt: t0, NextUpdate: t0.Add(time.Hour),
		Entries: randomEntries(MaxRevocationPage+1, t0)}, rev); !errors.Is(err, ErrRevocationList) {
		t.Errorf("signing more than a page: %v", err)
	}
	small := RevocationList{Province: "vn.dongnai", Audience: counter, IssuedAt: t0, NextUpdate: t0.Add(time.Hour), Version: 1, Entries: randomEntries(3, t0)}
	byIssuer, _ := SignRevocationList(small, issuer)
	late := small
	late.IssuedAt, late.NextUpdate = t0.Add(49*time.Hour), t0.Add(50*time.Hour)
	afterKey, _ := SignRevocationList(late, rev)
	other := small
	other.Province = "vn.quangngai"
	otherProv, _ := SignRevocationList(other, rev)
	good, _ := SignRevocationList(small, rev)
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + parts[1][:len(parts[1])-2] + "AA." + parts[2]
	for name, s := range map[string]string{"signed by an issuer key": byIssuer, "signed after the key's end": afterKey,
		"another province": otherProv, "tampered": tampered, "not a JWS": "x"} {
		if _, err := VerifyRevocationList(s, tl); !errors.Is(err, ErrRevocationList) {
			t.Errorf("%s: %v; want ErrRevocationList", name, err)
		}
	}
	if _, err := VerifyRevocationList(good, tl); err != nil {
		t.Errorf("the good small list: %v", err)
	}
}

// The size of the counters' list (docs/benchmarks.md): bytes per entry
// of a full signed page, as sent (before gzip).
func BenchmarkRevocationListPage(b *testing.B) {
	tl, rev, _ := revocationTrust(b)
	l := RevocationList{Province: "vn.dongnai", Audience: counter, IssuedAt: t0, NextUpdate: t0.Add(time.Hour), Version: MaxRevocationPage,
		Entries: randomEntries(MaxRevocationPage, t0.Add(24*time.Hour))}
	var signed string
	for b.Loop() {
		var err error
		if signed, err = SignRevocationList(l, rev); err != nil {
			b.Fatal(err)
		}
		if _, err := VerifyRevocationList(signed, tl); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(signed)), "bytes/page")
	b.ReportMetric(float64(len(signed))/MaxRevocationPage, "bytes/entry")
}
