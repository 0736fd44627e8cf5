package statuslist

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

const testURI = "https://kho.dongnai.gov.vn/status/vn.dongnai.bhxh/1"

var jan2026 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fixture is a key pair held both as a stdlib crypto.Signer and as the
// keys.PrivateKey around it.
type fixture struct {
	std crypto.Signer
	key *keys.PrivateKey // in memory (ParsePrivateJWK of the same key)
	ext *keys.PrivateKey // keys.NewSigner(std): as an HSM key is held
}

func newFixture(t testing.TB, alg keys.Alg) fixture {
	t.Helper()
	var std crypto.Signer
	var jwk string
	switch alg {
	case keys.ES256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		std = k
		ext, _ := keys.NewSigner(k)
		b, _ := ext.Public().MarshalJSON()
		d, _ := k.Bytes()
		jwk = strings.TrimSuffix(string(b), "}") + `,"d":"` + b64.EncodeToString(d) + `"}`
	case keys.EdDSA:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		std = k
		ext, _ := keys.NewSigner(k)
		b, _ := ext.Public().MarshalJSON()
		jwk = strings.TrimSuffix(string(b), "}") + `,"d":"` + b64.EncodeToString(k.Seed()) + `"}`
	}
	key, err := keys.ParsePrivateJWK([]byte(jwk))
	if err != nil {
		t.Fatal(err)
	}
	ext, err := keys.NewSigner(std)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{std: std, key: key, ext: ext}
}

func (f fixture) lookup(kid string) (*keys.PublicKey, error) {
	if kid != f.key.KID() {
		return nil, fmt.Errorf("kid %q is not allowed to sign %s", kid, testURI)
	}
	return f.key.Public(), nil
}

func (f fixture) opts() VerifyOptions {
	return VerifyOptions{Subject: testURI, Keys: f.lookup, Now: jan2026.Add(time.Hour)}
}

// smallToken has 1 000 entries, entry 7 withdrawn and 9 suspended.
func smallToken(t testing.TB) *Token {
	l, err := New(2, 1000)
	if err != nil {
		t.Fatal(err)
	}
	_ = l.Set(7, Invalid)
	_ = l.Set(9, Suspended)
	return &Token{Subject: testURI, IssuedAt: jan2026, Expires: jan2026.AddDate(0, 0, 7), TTL: time.Hour, List: l}
}

// largeToken is incompressible: 1 MiB of random 1-bit entries, a token
// of about 1.9 MB, far beyond keys.MaxJWSSize.
func largeToken(t testing.TB) *Token {
	b := make([]byte, 1<<20)
	_, _ = rand.Read(b)
	l, err := FromBytes(1, b)
	if err != nil {
		t.Fatal(err)
	}
	return &Token{Subject: testURI, IssuedAt: jan2026, TTL: time.Hour, List: l}
}

func TestSignVerify(t *testing.T) {
	for _, alg := range []keys.Alg{keys.ES256, keys.EdDSA} {
		f := newFixture(t, alg)
		for _, size := range []string{"small", "large"} {
			tok := smallToken(t)
			if size == "large" {
				tok = largeToken(t)
			}
			signers := map[string]func() (string, error){
				"Sign":                 func() (string, error) { return tok.Sign(f.key) },
				"SignWith":             func() (string, error) { return tok.SignWith(f.std) },
				"Sign with an HSM key": func() (string, error) { return tok.Sign(f.ext) },
			}
			for name, sign := range signers {
				t.Run(fmt.Sprintf("%s/%s/%s", alg, size, name), func(t *testing.T) {
					signed, err := sign()
					if err != nil {
						t.Fatal(err)
					}
					if (len(signed) > keys.MaxJWSSize) != (size == "large") {
						t.Fatalf("%s token of %d bytes", size, len(signed))
					}
					got, err := Verify(signed, f.opts())
					if err != nil {
						t.Fatal(err)
					}
					if got.Subject != tok.Subject || !got.IssuedAt.Equal(tok.IssuedAt) || !got.Expires.Equal(tok.Expires) || got.TTL != tok.TTL {
						t.Fatalf("claims %+v, want %+v", got, tok)
					}
					if got.List.Bits() != tok.List.Bits() || !bytes.Equal(got.List.Bytes(), tok.List.Bytes()) {
						t.Fatal("list differs")
					}
					// One changed byte anywhere in the payload breaks it.
					parts := strings.Split(signed, ".")
					p := []byte(parts[1])
					i := len(p) / 2
					if p[i] == 'A' {
						p[i] = 'B'
					} else {
						p[i] = 'A'
					}
					forged := parts[0] + "." + string(p) + "." + parts[2]
					if _, err := Verify(forged, f.opts()); !errors.Is(err, ErrSignature) && !errors.Is(err, ErrJWS) {
						t.Fatalf("forged payload: %v", err)
					}
					// The header is exactly the one crypto/keys writes.
					hdr, _ := b64.DecodeString(parts[0])
					if want := `{"alg":"` + string(alg) + `","kid":"` + f.key.KID() + `","typ":"statuslist+jwt"}`; string(hdr) != want {
						t.Fatalf("header %s, want %s", hdr, want)
					}
				})
			}
		}
	}
}

// signRaw signs any header and payload with a stdlib key, to build
// tokens Sign refuses to make.
func signRaw(t testing.TB, s crypto.Signer, header string, payload []byte) string {
	t.Helper()
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString(payload)
	sig := rawSig(t, s, input)
	return input + "." + b64.EncodeToString(sig)
}

func rawSig(t testing.TB, s crypto.Signer, input string) []byte {
	t.Helper()
	switch k := s.(type) {
	case ed25519.PrivateKey:
		return ed25519.Sign(k, []byte(input))
	case *ecdsa.PrivateKey:
		h := sha256Sum(input)
		r, ss, err := ecdsa.Sign(rand.Reader, k, h)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		ss.FillBytes(out[32:])
		return out
	}
	t.Fatalf("key %T", s)
	return nil
}

func TestVerifyRejects(t *testing.T) {
	f := newFixture(t, keys.ES256)
	other := newFixture(t, keys.ES256)
	ed := newFixture(t, keys.EdDSA)
	good := smallToken(t)
	okList := good.List.Encode()
	claims := func(extra string) []byte {
		return []byte(`{"sub":"` + testURI + `","iat":1767225600,"status_list":{"bits":2,"lst":"` + okList.Lst + `"}` + extra + `}`)
	}
	sign := func(payload []byte) string {
		s, err := keys.Sign(f.key, Typ, payload)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	bombList := lstOf(zlibOf(make([]byte, 32<<20)))
	hdr := func(extra string) string {
		return `{"alg":"ES256","kid":"` + f.key.KID() + `","typ":"statuslist+jwt"` + extra + `}`
	}
	large := largeToken(t)
	largeSigned, _ := large.Sign(f.key)
	lp := strings.Split(largeSigned, ".")
	cases := []struct {
		name  string
		token string
		opts  func(*VerifyOptions)
		want  error
	}{
		{"too large for the limit", largeSigned, func(o *VerifyOptions) { o.MaxBytes = 1024 }, ErrTokenTooLarge},
		{"four parts", sign(claims("")) + ".x", nil, ErrJWS},
		{"two parts", "eyJhIjoxfQ.eyJhIjoxfQ", nil, ErrJWS},
		{"typ of a trust list", func() string { s, _ := keys.Sign(f.key, "trustlist+jwt", claims("")); return s }(), nil, ErrTyp},
		{"typ of a credential", func() string { s, _ := keys.Sign(f.key, "dc+sd-jwt", claims("")); return s }(), nil, ErrTyp},
		{"alg none", b64.EncodeToString([]byte(`{"alg":"none","kid":"x","typ":"statuslist+jwt"}`)) + "." + b64.EncodeToString(claims("")) + "." + strings.Repeat("A", 86), nil, ErrJWS},
		{"embedded jwk, large", signRaw(t, f.std, hdr(`,"jwk":{}`), mustB64Decode(lp[1])), nil, ErrJWS},
		{"unknown header, large", signRaw(t, f.std, hdr(`,"x5c":[]`), mustB64Decode(lp[1])), nil, ErrJWS},
		{"padded payload, large", lp[0] + "." + lp[1] + "==." + lp[2], nil, ErrJWS},
		{"unknown kid", func() string { s, _ := keys.Sign(other.key, Typ, claims("")); return s }(), nil, ErrUnknownKey},
		{"lookup returns a nil key", sign(claims("")), func(o *VerifyOptions) {
			o.Keys = func(string) (*keys.PublicKey, error) { return nil, nil }
		}, ErrUnknownKey},
		{"another key under the kid", sign(claims("")), func(o *VerifyOptions) {
			o.Keys = func(string) (*keys.PublicKey, error) { return other.key.Public(), nil }
		}, ErrSignature},
		{"another key under the kid, large", largeSigned, func(o *VerifyOptions) {
			o.Keys = func(string) (*keys.PublicKey, error) { return other.key.Public(), nil }
		}, ErrSignature},
		{"an EdDSA key for an ES256 header", sign(claims("")), func(o *VerifyOptions) {
			o.Keys = func(string) (*keys.PublicKey, error) { return ed.key.Public(), nil }
		}, keys.ErrAlgMismatch},
		{"no sub", sign([]byte(`{"iat":1767225600,"status_list":{"bits":1,"lst":"eNrbuRgAAhcBXQ"}}`)), nil, ErrClaims},
		{"sub a number", sign([]byte(`{"sub":1,"iat":1767225600,"status_list":{"bits":1,"lst":"eNrbuRgAAhcBXQ"}}`)), nil, ErrClaims},
		{"no iat", sign([]byte(`{"sub":"` + testURI + `","status_list":{"bits":1,"lst":"eNrbuRgAAhcBXQ"}}`)), nil, ErrClaims},
		{"iat a string", sign([]byte(`{"sub":"` + testURI + `","iat":"1767225600","status_list":{"bits":1,"lst":"eNrbuRgAAhcBXQ"}}`)), nil, ErrClaims},
		{"iat fractional", sign([]byte(`{"sub":"` + testURI + `","iat":1767225600.5,"status_list":{"bits":1,"lst":"eNrbuRgAAhcBXQ"}}`)), nil, ErrClaims},
		{"exp negative", sign(claims(`,"exp":-1`)), nil, ErrClaims},
		{"ttl zero", sign(claims(`,"ttl":0`)), nil, ErrClaims},
		{"ttl negative", sign(claims(`,"ttl":-60`)), nil, ErrClaims},
		{"ttl fractional", sign(claims(`,"ttl":1.5`)), nil, ErrClaims},
		{"ttl a string", sign(claims(`,"ttl":"3600"`)), nil, ErrClaims},
		{"no status_list", sign([]byte(`{"sub":"` + testURI + `","iat":1767225600}`)), nil, ErrClaims},
		{"duplicate sub", sign(claims(`,"sub":"https://other.example/1"`)), nil, ErrClaims},
		{"status_list bits 3", sign([]byte(`{"sub":"` + testURI + `","iat":1767225600,"status_list":{"bits":3,"lst":"eNrbuRgAAhcBXQ"}}`)), nil, ErrBits},
		{"status_list bomb", signRaw(t, f.std, hdr(""), []byte(`{"sub":"`+testURI+`","iat":1767225600,"status_list":{"bits":1,"lst":"`+bombList+`"}}`)), nil, ErrTooLarge},
		{"sub of another list", sign(claims("")), func(o *VerifyOptions) { o.Subject = testURI + "0" }, ErrSubject},
		{"expired", sign(claims(`,"exp":1767229200`)), func(o *VerifyOptions) { o.Now = jan2026.Add(time.Hour) }, ErrExpired},
		{"issued in the future", sign(claims("")), func(o *VerifyOptions) { o.Now = jan2026.Add(-10 * time.Minute) }, ErrNotYetValid},
		{"nbf in the future", sign(claims(`,"nbf":1767312000`)), nil, ErrNotYetValid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := f.opts()
			if c.opts != nil {
				c.opts(&o)
			}
			got, err := Verify(c.token, o)
			if got != nil || !errors.Is(err, c.want) || !errors.Is(err, ErrToken) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
	// The same checks pass on the good forms of these tokens.
	for name, tok := range map[string]string{
		"draft extension claims": sign(claims(`,"iss":"https://kho.dongnai.gov.vn","x-unknown":{"a":[1]}`)),
		"within the skew":        sign(claims("")),
		"expired, ignored":       sign(claims(`,"exp":1767229200`)),
	} {
		o := f.opts()
		o.Now = jan2026.Add(-4 * time.Minute)
		o.IgnoreExpiry = true
		if _, err := Verify(tok, o); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := Verify(sign(claims("")), VerifyOptions{Keys: f.lookup, Now: jan2026}); err == nil {
		t.Error("Verify without a Subject accepted")
	}
}

func TestSignRejects(t *testing.T) {
	f := newFixture(t, keys.ES256)
	l, _ := New(1, 8)
	for name, tok := range map[string]Token{
		"no list":        {Subject: testURI, IssuedAt: jan2026},
		"http sub":       {Subject: "http://kho.dongnai.gov.vn/s/1", IssuedAt: jan2026, List: l},
		"no iat":         {Subject: testURI, List: l},
		"exp before iat": {Subject: testURI, IssuedAt: jan2026, Expires: jan2026, List: l},
		"ttl not whole":  {Subject: testURI, IssuedAt: jan2026, TTL: 1500 * time.Millisecond, List: l},
		"ttl negative":   {Subject: testURI, IssuedAt: jan2026, TTL: -time.Second, List: l},
	} {
		if _, err := tok.Sign(f.key); err == nil {
			t.Errorf("%s: signed", name)
		}
	}
	if _, err := (&Token{Subject: testURI, IssuedAt: jan2026, List: l}).Sign(nil); err == nil {
		t.Error("signed with no key")
	}
}

func TestTokenStatus(t *testing.T) {
	tok := smallToken(t)
	for _, c := range []struct {
		ref  Reference
		want Status
		err  error
	}{
		{Reference{Index: 7, URI: testURI}, Invalid, nil},
		{Reference{Index: 9, URI: testURI}, Suspended, nil},
		{Reference{Index: 8, URI: testURI}, Valid, nil},
		{Reference{Index: tok.List.Len(), URI: testURI}, 0, ErrIndex},
		{Reference{Index: 7, URI: testURI + "/other"}, 0, ErrSubject},
	} {
		got, err := tok.Status(c.ref)
		if got != c.want || !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
			t.Errorf("%+v: %v, %v; want %v, %v", c.ref, got, err, c.want, c.err)
		}
	}
	if tok.Expired(jan2026) || !tok.Expired(tok.Expires) {
		t.Error("Expired is wrong")
	}
}

// TestDraftStatusListToken: the draft's example Status List Token
// (section 8.2's response, testdata/draft_status_list_token.jwt) verifies
// under the draft's example key (kid "12"), with its iss and its list.
func TestDraftStatusListToken(t *testing.T) {
	pub, err := keys.ParsePublicJWK([]byte(`{"kty":"EC","crv":"P-256","x":"I3HWm_0Ds1dPMI-IWmf4mBmH-YaeAVbPVu7vB27CxXo","y":"6N_d5Elj9bs1htgV3okJKIdbHEpkgTmAluYKJemzn1M"}`))
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(kid string) (*keys.PublicKey, error) {
		if kid != "12" {
			return nil, errors.New("unknown kid")
		}
		return pub, nil
	}
	signed := string(readTestdata(t, "draft_status_list_token.jwt"))
	opts := VerifyOptions{Subject: "https://example.com/statuslists/1", Keys: lookup, Now: time.Unix(1686920170+60, 0)}
	tok, err := Verify(signed, opts)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Issuer != "https://example.com" || tok.TTL != 43200*time.Second || tok.Expires.Unix() != 2291720170 || tok.IssuedAt.Unix() != 1686920170 {
		t.Fatalf("claims %+v", tok)
	}
	if got := fmt.Sprintf("%x", tok.List.Bytes()); got != "b9a3" {
		t.Fatalf("list %s", got)
	}
	ref, err := ParseStatusClaim([]byte(`{"status_list":{"idx":0,"uri":"https://example.com/statuslists/1"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if s, err := tok.Status(ref); err != nil || s != Invalid {
		t.Fatalf("idx 0: %v, %v", s, err)
	}
	// One bit of the signature changed: refused.
	b := []byte(signed)
	b[len(b)-2] ^= 0x01
	if _, err := Verify(string(b), opts); err == nil {
		t.Fatal("a changed signature verified")
	}
}

func mustB64Decode(s string) []byte {
	b, err := b64.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestCompressionLevels(t *testing.T) {
	f := newFixture(t, keys.EdDSA)
	l, _ := withdrawnList(t, 1<<16, 0.01)
	for _, lvl := range []int{0, 1, 6, 9, 42} {
		signed, err := (&Token{Subject: testURI, IssuedAt: jan2026, List: l, Compression: lvl}).Sign(f.key)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Verify(signed, f.opts())
		if err != nil || !bytes.Equal(got.List.Bytes(), l.Bytes()) {
			t.Fatalf("level %d: %v", lvl, err)
		}
	}
}
