package consent

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/qrtext"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/crypto/trust"
)

var (
	t0       = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC) // when the citizen shares
	issuedAt = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)  // when the records were signed
)

const counter = "vn.dongnai.ubnd-tamhiep"

type fixture struct {
	police, justice *keys.PrivateKey
	dev             *keys.PrivateKey
	list            *trust.List
	ident, birth    string // issued credentials
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{}
	f.police, _ = keys.Generate(keys.ES256)
	f.justice, _ = keys.Generate(keys.EdDSA)
	f.dev, _ = keys.Generate(keys.ES256)
	f.list = &trust.List{Province: "vn.dongnai", Version: 1, IssuedAt: issuedAt, NextUpdate: t0.Add(24 * time.Hour), Issuers: []trust.Issuer{
		{ID: "vn.bca.cuc-c06", Name: trust.Name{VI: "Cục C06, Bộ Công an", EN: "C06"}, Keys: []trust.IssuerKey{{Key: f.police.Public(), NotBefore: issuedAt.AddDate(-1, 0, 0)}}},
		{ID: "vn.dongnai.sotuphap", Name: trust.Name{VI: "Sở Tư pháp tỉnh Đồng Nai", EN: "Justice"}, Keys: []trust.IssuerKey{{Key: f.justice.Public(), NotBefore: issuedAt.AddDate(-1, 0, 0)}}},
	}}
	f.ident = f.issue(t, f.police, "vn.bca.cuc-c06", "identity.citizen", "identity.citizen-0-0", map[string]any{
		"full_name": "Nguyễn Thị Thu Hà", "birth_date": "1992-08-14", "citizen_id": "075192004517", "sex": "female", "ethnicity": "Kinh"})
	f.birth = f.issue(t, f.justice, "vn.dongnai.sotuphap", "civil.birth", "civil.birth-0-0", map[string]any{
		"full_name": "Nguyễn Thị Thu Hà", "father_name": "Nguyễn Văn An", "mother_name": "Trần Thị Mai"})
	return f
}

func (f *fixture) issue(t testing.TB, k *keys.PrivateKey, iss, typ, rid string, claims map[string]any) string {
	t.Helper()
	c, err := sdjwt.Issue(k, sdjwt.IssueRequest{Issuer: iss, Type: typ, IssuedAt: issuedAt, Holder: f.dev.Public(),
		Metadata: map[string]any{"rid": rid, "rver": 1}, Claims: claims, Decoys: 3})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) request() Request {
	return Request{Holder: f.dev, Audience: counter, Purpose: "civil_registration", Procedure: "civil.birth_registration", IssuedAt: t0,
		Selections: []sdjwt.Selection{{Credential: f.ident, Disclose: []string{"full_name", "citizen_id"}}, {Credential: f.birth, Disclose: []string{"father_name"}}}}
}

func (f *fixture) token(t testing.TB) (string, string) {
	t.Helper()
	tok, id, err := Build(f.request())
	if err != nil {
		t.Fatal(err)
	}
	return tok, id
}

func (f *fixture) verifier(now time.Time) *Verifier {
	return &Verifier{Trust: f.list, Audience: counter, Replay: &MemoryReplay{}, Now: func() time.Time { return now }}
}

func TestRoundTripThroughQR(t *testing.T) {
	f := newFixture(t)
	tok, id := f.token(t)
	parts, err := qrtext.Encode(tok, qrtext.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.verifier(t0.Add(3 * time.Minute)).VerifyParts(parts)
	if err != nil {
		t.Fatal(err)
	}
	if res.ID != id || res.Purpose != "civil_registration" || res.Procedure != "civil.birth_registration" ||
		!res.Expires.Equal(t0.Add(DefaultLifetime)) || res.Holder != f.dev.KID() || res.SingleUse {
		t.Errorf("result header: %+v", res)
	}
	got := map[string]Field{}
	for _, fl := range res.Fields {
		got[fl.Type+"."+fl.Claim] = fl
	}
	if len(got) != 3 || got["identity.citizen.full_name"].Value != "Nguyễn Thị Thu Hà" || got["civil.birth.father_name"].Value != "Nguyễn Văn An" ||
		got["civil.birth.father_name"].IssuerName.VI != "Sở Tư pháp tỉnh Đồng Nai" || got["identity.citizen.citizen_id"].RecordID != "identity.citizen-0-0" {
		t.Errorf("fields: %+v", res.Fields)
	}
	if _, leaked := got["identity.citizen.ethnicity"]; leaked {
		t.Error("an undisclosed claim is visible")
	}
}

func TestBuildRefuses(t *testing.T) {
	f := newFixture(t)
	r := f.request()
	r.Expires = t0.Add(MaxLifetime + time.Second)
	if _, _, err := Build(r); err == nil {
		t.Error("a 30-day-and-a-second lifetime accepted")
	}
	r = f.request()
	r.Selections = []sdjwt.Selection{{Credential: f.ident}}
	if _, _, err := Build(r); err == nil {
		t.Error("a token disclosing nothing accepted")
	}
	r = f.request()
	r.Purpose = ""
	if _, _, err := Build(r); err == nil {
		t.Error("a token without purpose accepted")
	}
}

// b64json re-encodes a JWT segment's JSON after edit.
func editSegment(t *testing.T, seg string, edit func(map[string]any)) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, _ := json.Marshal(m)
	return base64.RawURLEncoding.EncodeToString(out)
}

// Every kind of hostile or broken token is refused with its own reason.
func TestRejections(t *testing.T) {
	f := newFixture(t)
	tok, id := f.token(t)
	segs := strings.Split(tok, "~")
	kb := segs[len(segs)-1]
	identJWT := strings.SplitN(f.ident, "~", 2)[0]
	hdr := strings.Split(identJWT, ".")
	withIssuerHeader := func(edit func(map[string]any)) string {
		h := editSegment(t, hdr[0], edit)
		return strings.Replace(tok, identJWT, h+"."+hdr[1]+"."+hdr[2], 1)
	}
	// A tampered value: a disclosure of the same claim with another value.
	forgedDisc := base64.RawURLEncoding.EncodeToString([]byte(`["c2FsdHNhbHRzYWx0","full_name","Lê Văn Giả"]`))
	var identDisc string
	for _, s := range segs[1:] {
		if b, _ := base64.RawURLEncoding.DecodeString(s); strings.Contains(string(b), `"full_name","Nguyễn`) && strings.Contains(f.ident, s) {
			identDisc = s
		}
	}
	// A disclosure swapped in from another record of the same citizen.
	birthParts := strings.Split(f.birth, "~")
	swapped := strings.Replace(tok, identDisc, birthParts[1], 1)
	hmacKB := func() string {
		h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","kid":"` + f.dev.KID() + `","typ":"kb+jwt"}`))
		p := strings.Split(kb, ".")[1]
		pub, _ := f.dev.Public().MarshalJSON()
		mac := hmac.New(sha256.New, pub)
		mac.Write([]byte(h + "." + p))
		return h + "." + p + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	}()
	noneKB := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"kb+jwt"}`)) + "." + strings.Split(kb, ".")[1] + "."

	wrongAud := f.verifier(t0.Add(time.Minute))
	wrongAud.Audience = "vn.dongnai.bvdk-dongnai"
	noIssuer := f.verifier(t0.Add(time.Minute))
	noIssuer.Trust = &trust.List{Province: "vn.dongnai", Version: 2, IssuedAt: issuedAt, NextUpdate: t0.Add(time.Hour), Issuers: f.list.Issuers[1:]}
	oldKey := f.verifier(t0.Add(time.Minute))
	oldKey.Trust = &trust.List{Province: "vn.dongnai", Version: 2, IssuedAt: issuedAt, NextUpdate: t0.Add(time.Hour), Issuers: []trust.Issuer{
		{ID: "vn.bca.cuc-c06", Keys: []trust.IssuerKey{{Key: f.police.Public(), NotBefore: issuedAt.AddDate(-2, 0, 0), NotAfter: issuedAt.AddDate(0, -1, 0)}}},
		f.list.Issuers[1]}}
	revoked := f.verifier(t0.Add(time.Minute))
	revoked.Revoked = func(x RevocationID) bool { return x == RevocationIDOf(f.dev.KID(), id) }

	for _, c := range []struct {
		name  string
		v     *Verifier
		tok   string
		want  error
		under error // the lower layer's sentinel, when there is one to name
	}{
		{"wrong audience", wrongAud, tok, ErrAudience, sdjwt.ErrAudience},
		{"expired", f.verifier(t0.Add(DefaultLifetime + DefaultSkew + time.Second)), tok, ErrExpired, sdjwt.ErrExpired},
		{"not yet valid", f.verifier(t0.Add(-DefaultSkew - time.Minute)), tok, ErrNotYetValid, sdjwt.ErrNotYetValid},
		{"unknown issuer", noIssuer, tok, ErrUnknownIssuer, trust.ErrUnknownIssuer},
		{"issuer key expired before signing", oldKey, tok, ErrIssuerKey, trust.ErrKeyNotValidAt},
		{"revoked", revoked, tok, ErrRevoked, nil},
		{"stripped key binding", f.verifier(t0), strings.TrimSuffix(tok, kb), ErrNoBinding, sdjwt.ErrNoKeyBinding},
		{"tampered value", f.verifier(t0), strings.Replace(tok, identDisc, forgedDisc, 1), ErrForged, sdjwt.ErrUnreferencedDisclosure},
		{"disclosure from another record", f.verifier(t0), swapped, ErrForged, sdjwt.ErrUnreferencedDisclosure},
		{"duplicate disclosure", f.verifier(t0), strings.Replace(tok, identDisc, identDisc+"~"+identDisc, 1), ErrForged, nil},
		{"disclosure removed (sd_hash)", f.verifier(t0), strings.Replace(tok, identDisc+"~", "", 1), ErrForged, sdjwt.ErrSDHash},
		{"key binding alg none", f.verifier(t0), strings.TrimSuffix(tok, kb) + noneKB, ErrForged, keys.ErrBadJWS},
		{"key binding HMAC keyed with the public key", f.verifier(t0), strings.TrimSuffix(tok, kb) + hmacKB, ErrForged, keys.ErrAlg},
		{"issuer header with embedded jwk", f.verifier(t0), withIssuerHeader(func(m map[string]any) { m["jwk"] = map[string]any{"kty": "oct", "k": "AAAA"} }), ErrForged, keys.ErrEmbeddedKey},
		{"issuer header with jku", f.verifier(t0), withIssuerHeader(func(m map[string]any) { m["jku"] = "https://evil.example/keys" }), ErrForged, keys.ErrEmbeddedKey},
		{"issuer header with x5u", f.verifier(t0), withIssuerHeader(func(m map[string]any) { m["x5u"] = "https://evil.example/cert" }), ErrForged, keys.ErrEmbeddedKey},
		{"issuer header with unknown crit", f.verifier(t0), withIssuerHeader(func(m map[string]any) { m["crit"] = []string{"exp"} }), ErrForged, keys.ErrCrit},
		{"issuer header with odd kid", f.verifier(t0), withIssuerHeader(func(m map[string]any) { m["kid"] = "../../etc/passwd" }), ErrForged, trust.ErrUnknownKey},
		{"issuer header with a control character in kid", f.verifier(t0), withIssuerHeader(func(m map[string]any) { m["kid"] = "a\nb" }), ErrForged, keys.ErrKID},
		{"issuer header with wrong typ", f.verifier(t0), withIssuerHeader(func(m map[string]any) { m["typ"] = "JWT" }), ErrForged, keys.ErrTyp},
		{"random text", f.verifier(t0), "not a token at all", ErrMalformed, sdjwt.ErrMalformed},
	} {
		_, err := c.v.Verify(c.tok)
		if !errors.Is(err, c.want) || !errors.Is(err, ErrRejected) {
			t.Errorf("%s: %v; want %v", c.name, err, c.want)
			continue
		}
		if c.under != nil && !errors.Is(err, c.under) {
			t.Errorf("%s: %v; want it to name %v", c.name, err, c.under)
		}
	}
}

func TestQRFailures(t *testing.T) {
	f := newFixture(t)
	tok, _ := f.token(t)
	parts, _ := qrtext.Encode(tok, qrtext.Options{Version: 10})
	other, _ := f.token(t)
	otherParts, _ := qrtext.Encode(other, qrtext.Options{Version: 10})
	if len(parts) < 2 {
		t.Fatalf("want several parts, got %d", len(parts))
	}
	for name, c := range map[string]struct {
		parts []string
		under error
	}{
		"a part missing":  {parts[1:], qrtext.ErrMissingPart},
		"two tokens":      {append([]string{otherParts[0]}, parts[1:]...), qrtext.ErrMixedParts},
		"random bytes":    {[]string{"\x00\xff garbage"}, qrtext.ErrNotOurs},
		"not a CW1 QR":    {[]string{"https://dichvucong.gov.vn"}, qrtext.ErrNotOurs},
		"corrupt content": {append([]string{parts[0][:len(parts[0])-3] + "000"}, parts[1:]...), qrtext.ErrCorrupt},
	} {
		_, err := f.verifier(t0).VerifyParts(c.parts)
		if !errors.Is(err, ErrQR) || !errors.Is(err, c.under) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A token verified once is refused the second time, also after the
// counter restarts; another token still passes.
func TestReplayIsPersistent(t *testing.T) {
	f := newFixture(t)
	path := filepath.Join(t.TempDir(), "replay")
	now := t0.Add(time.Minute)
	open := func() *ReplayFile {
		r, err := OpenReplayFile(path, func() time.Time { return now })
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	rf := open()
	v := &Verifier{Trust: f.list, Audience: counter, Replay: rf, Now: func() time.Time { return now }}
	tok, _ := f.token(t)
	if _, err := v.Verify(tok); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(tok); !errors.Is(err, ErrReplay) {
		t.Fatalf("second use: %v", err)
	}
	rf.Close()
	rf = open()
	defer rf.Close()
	v.Replay = rf
	if _, err := v.Verify(tok); !errors.Is(err, ErrReplay) {
		t.Fatalf("after a restart: %v", err)
	}
	tok2, _ := f.token(t)
	if _, err := v.Verify(tok2); err != nil {
		t.Fatalf("a new token: %v", err)
	}
	// A rejected token is not burnt: it can be verified once fixed.
	wrong := &Verifier{Trust: f.list, Audience: "vn.other", Replay: rf, Now: v.Now}
	tok3, _ := f.token(t)
	if _, err := wrong.Verify(tok3); !errors.Is(err, ErrAudience) {
		t.Fatal(err)
	}
	if _, err := v.Verify(tok3); err != nil {
		t.Fatalf("after a rejection elsewhere: %v", err)
	}
}

func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	tok, _ := fx.token(f)
	f.Add(tok)
	f.Add(strings.Replace(tok, "~", "~~", 1))
	f.Add("a.b.c~")
	f.Fuzz(func(t *testing.T, s string) {
		res, err := fx.verifier(t0).Verify(s)
		if err == nil && (res.ID == "" || len(res.Fields) == 0) {
			t.Fatalf("accepted a token without id or fields: %+v", res)
		}
		if err != nil && !errors.Is(err, ErrRejected) {
			t.Fatalf("error outside ErrRejected: %v", err)
		}
	})
}

// A line cut by a crash is ignored; complete lines survive; expired ids
// are forgotten.
func TestReplayFileRecovers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "replay")
	now := time.Unix(2_000_000_000, 0)
	if err := os.WriteFile(path, []byte("kept 2000000100\nold 1999999999\ncut 20000"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := OpenReplayFile(path, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for id, wantFresh := range map[string]bool{"kept": false, "old": true, "cut": true} {
		if fresh, err := r.Use(id, now.Add(time.Hour)); err != nil || fresh != wantFresh {
			t.Errorf("%s: fresh %v, %v; want %v", id, fresh, err, wantFresh)
		}
	}
	if _, err := r.Use("bad id", now); err == nil {
		t.Error("an id with a space accepted")
	}
}

// BenchmarkBuildAndEncode: the wallet builds a 3-field token from two
// records and encodes it for QR (rendering: crypto/qrtext's benchmark).
func BenchmarkBuildAndEncode(b *testing.B) {
	f := newFixture(b)
	for b.Loop() {
		tok, _, err := Build(f.request())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := qrtext.Encode(tok, qrtext.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyParts: the counter decodes and verifies it (goal ≤ 20 ms).
func BenchmarkVerifyParts(b *testing.B) {
	f := newFixture(b)
	tok, _ := f.token(b)
	parts, _ := qrtext.Encode(tok, qrtext.Options{})
	v := f.verifier(t0)
	v.Replay = alwaysFresh{}
	for b.Loop() {
		if _, err := v.VerifyParts(parts); err != nil {
			b.Fatal(err)
		}
	}
}

type alwaysFresh struct{}

func (alwaysFresh) Use(string, time.Time) (bool, error) { return true, nil }

func TestReference(t *testing.T) {
	f := newFixture(t)
	good := Reference{Audience: counter, IssuedAt: t0.Unix(), Purpose: "medical_care", Scope: []ScopeItem{{RecordID: "identity.citizen-0-0", Claims: []string{"full_name"}}}}
	tok, ref, err := BuildReference(f.dev, good)
	if err != nil || ref.ID == "" || ref.Expires != t0.Add(DefaultLifetime).Unix() || ref.Device != f.dev.KID() {
		t.Fatalf("build: %+v %v", ref, err)
	}
	got, err := VerifyReference(tok, keys.StaticKey(f.dev.Public()), t0, DefaultSkew)
	if err != nil || got.ID != ref.ID || got.Device != f.dev.KID() {
		t.Fatalf("verify: %+v %v", got, err)
	}
	other, _ := keys.Generate(keys.ES256)
	for name, c := range map[string]struct {
		tok  string
		key  *keys.PublicKey
		now  time.Time
		want error
	}{
		"other key":     {tok, other.Public(), t0, ErrMalformed}, // its kid is unknown to the lookup
		"expired":       {tok, f.dev.Public(), t0.Add(DefaultLifetime + DefaultSkew + time.Second), ErrExpired},
		"not yet valid": {tok, f.dev.Public(), t0.Add(-DefaultSkew - time.Second), ErrNotYetValid},
		"garbage":       {"x.y.z", f.dev.Public(), t0, ErrMalformed},
		"flipped sig":   {tok[:len(tok)-4] + map[bool]string{true: "A", false: "B"}[tok[len(tok)-4] != 'A'] + tok[len(tok)-3:], f.dev.Public(), t0, ErrRejected},
	} {
		if _, err := VerifyReference(c.tok, keys.StaticKey(c.key), c.now, DefaultSkew); !errors.Is(err, c.want) {
			t.Errorf("%s: %v; want %v", name, err, c.want)
		}
	}
	for name, edit := range map[string]func(*Reference){
		"31 days":     func(r *Reference) { r.Expires = r.IssuedAt + 31*24*3600 },
		"no scope":    func(r *Reference) { r.Scope = nil },
		"no claims":   func(r *Reference) { r.Scope = []ScopeItem{{RecordID: "x"}} },
		"no audience": func(r *Reference) { r.Audience = "" },
	} {
		r := good
		edit(&r)
		if _, _, err := BuildReference(f.dev, r); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func FuzzVerifyReference(f *testing.F) {
	fx := newFixture(f)
	tok, _, _ := BuildReference(fx.dev, Reference{Audience: counter, IssuedAt: t0.Unix(), Purpose: "p", Scope: []ScopeItem{{RecordID: "r", Claims: []string{"c"}}}})
	f.Add(tok)
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := VerifyReference(s, keys.StaticKey(fx.dev.Public()), t0, DefaultSkew)
		if err == nil && (r.ID == "" || len(r.Scope) == 0) {
			t.Fatalf("accepted an empty reference: %+v", r)
		}
		if err != nil && !errors.Is(err, ErrRejected) {
			t.Fatalf("error outside ErrRejected: %v", err)
		}
	})
}

// Each record of a token is a standard SD-JWT+KB that verifies on its
// own; the token's key bindings agree, and lines of different consents,
// devices or repeated records are refused.
func TestOnePresentationPerRecord(t *testing.T) {
	f := newFixture(t)
	tok, id := f.token(t)
	lines := strings.Split(tok, Separator)
	if len(lines) != 2 {
		t.Fatalf("%d presentations for 2 records", len(lines))
	}
	for i, p := range lines {
		got, err := sdjwt.Verify(p, sdjwt.VerifyOptions{IssuerKey: f.list.Key, Now: t0, KeyBinding: &sdjwt.BindingPolicy{Audience: counter}})
		if err != nil {
			t.Fatalf("record %d alone: %v", i+1, err)
		}
		if got.KeyBinding.Extra[ClaimID] != id || got.KeyBinding.Extra[ClaimPurpose] != "civil_registration" {
			t.Fatalf("record %d: key binding %+v", i+1, got.KeyBinding)
		}
	}
	res, err := f.verifier(t0).Verify(tok)
	if err != nil || len(res.Fields) != 3 {
		t.Fatalf("token: %+v, %v", res, err)
	}

	// A record none of whose fields is chosen does not travel.
	r := f.request()
	r.Selections[1].Disclose = nil
	one, _, err := Build(r)
	if err != nil || strings.Contains(one, Separator) {
		t.Fatalf("one record shared: %v, %d lines", err, strings.Count(one, Separator)+1)
	}

	// Another consent of the same device, for the same counter.
	other, _, err := Build(func() Request { r := f.request(); r.Purpose = "other"; return r }())
	if err != nil {
		t.Fatal(err)
	}
	otherLines := strings.Split(other, Separator)
	// The same records bound to another device.
	stranger := newFixture(t)
	stranger.police, stranger.justice = f.police, f.justice
	stranger.list = f.list
	stranger.birth = stranger.issue(t, f.justice, "vn.dongnai.sotuphap", "civil.birth", "civil.birth-0-0", map[string]any{"father_name": "Nguyễn Văn An"})
	sr := stranger.request()
	sr.Selections = sr.Selections[1:]
	sr.ID, sr.Nonce = id, "same-nonce"
	strangerTok, _, err := Build(sr)
	if err != nil {
		t.Fatal(err)
	}
	many := strings.Repeat(lines[0]+Separator, MaxRecords) + lines[1]
	v := f.verifier(t0) // one counter: its replay cache sees every attempt
	for _, c := range []struct {
		name string
		tok  string
		want error
	}{
		{"lines of two consents", lines[0] + Separator + otherLines[1], ErrSpliced},
		{"a line of another device", lines[0] + Separator + strangerTok, ErrSpliced},
		{"one record twice", lines[0] + Separator + lines[0], ErrMalformed},
		{"more than MaxRecords", many, ErrMalformed},
		{"an empty line", lines[0] + Separator, ErrMalformed},
		{"empty", "", ErrMalformed},
	} {
		if _, err := v.Verify(c.tok); !errors.Is(err, c.want) || !errors.Is(err, ErrRejected) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// The refusals did not use up the consent id: the whole token
	// verifies, once.
	if _, err := v.Verify(tok); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(tok); !errors.Is(err, ErrReplay) {
		t.Fatalf("second use: %v", err)
	}
}

// A record whose iss is its agency's https identifier, whose type is the
// province's URN and whose id is a hidden disclosure: the counter names
// the agency by its id, the type by its code, and the record by its
// place in the token only.
func TestFieldsOfAStandardCredential(t *testing.T) {
	f := newFixture(t)
	const iss = "https://dulieu.dongnai.gov.vn/issuers/vn.bca.cuc-c06"
	f.list.Issuers[0].URL = iss
	c, err := sdjwt.Issue(f.police, sdjwt.IssueRequest{Issuer: iss, Type: trust.VCT("vn.dongnai", "identity.citizen"), IssuedAt: issuedAt, Holder: f.dev.Public(),
		Metadata: map[string]any{"rver": 2, "rdate": issuedAt.AddDate(-5, 0, 0).Unix()},
		Claims:   map[string]any{"full_name": "Nguyễn Thị Thu Hà", ClaimRecordID: "identity.citizen-x7", "citizen_id": "075192004517"}, Decoys: 1})
	if err != nil {
		t.Fatal(err)
	}
	r := f.request()
	r.Selections = []sdjwt.Selection{{Credential: f.birth, Disclose: []string{"father_name"}}, {Credential: c, Disclose: []string{"full_name"}}}
	tok, _, err := Build(r)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.verifier(t0).Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	var got *Field
	for i := range res.Fields {
		if res.Fields[i].Claim == "full_name" {
			got = &res.Fields[i]
		}
	}
	if got == nil || got.Issuer != "vn.bca.cuc-c06" || got.Type != "identity.citizen" || got.Record != 2 || got.RecordID != "" || got.Version != 2 ||
		!got.IssuedAt.Equal(issuedAt.AddDate(-5, 0, 0)) || !got.SignedAt.Equal(issuedAt) || got.IssuerName.VI == "" {
		t.Fatalf("field %+v", got)
	}
	if res.Fields[0].Record != 1 || res.Fields[0].RecordID != "civil.birth-0-0" { // an older credential: its id is plain
		t.Fatalf("first record's field %+v", res.Fields[0])
	}
}

// A refusal says which record of the token it is about, with the agency
// and type the record names.
func TestRefusalNamesTheRecord(t *testing.T) {
	f := newFixture(t)
	tok, _ := f.token(t)
	lines := strings.Split(tok, Separator)
	birth := strings.Split(lines[1], "~")
	forged := base64.RawURLEncoding.EncodeToString([]byte(`["c2FsdHNhbHRzYWx0","father_name","Lê Văn Giả"]`))
	tampered := lines[0] + Separator + strings.Replace(lines[1], birth[1], forged, 1)
	_, err := f.verifier(t0).Verify(tampered)
	var re *RecordError
	if !errors.As(err, &re) || !errors.Is(err, ErrForged) {
		t.Fatalf("%v: not a RecordError wrapping ErrForged", err)
	}
	if re.Record != 2 || re.Records != 2 || re.Issuer != "vn.dongnai.sotuphap" || re.Type != "civil.birth" {
		t.Fatalf("refusal %+v", re)
	}
}
