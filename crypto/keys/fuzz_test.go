package keys

import (
	"errors"
	"testing"
)

// fixedKeys returns the RFC 8037 and RFC 7515 keys, so fuzz seeds stay
// valid from run to run.
func fixedKeys(t testing.TB) (ed, ec *PrivateKey) {
	t.Helper()
	ed, err := ParsePrivateJWK([]byte(`{"kty":"OKP","crv":"Ed25519","d":"` + rfc8037D + `","x":"` + rfc8037X + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	ec, err = ParsePrivateJWK([]byte(`{"kty":"EC","crv":"P-256","x":"` + rfc7515X + `","y":"` + rfc7515Y + `","d":"` + rfc7515D + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	return ed, ec
}

var errNoSuchKey = errors.New("no such key")

// FuzzVerify: Verify never panics on any string; every failure is a
// JWS error or the lookup's own error; and anything that verifies carries
// a payload one of the two keys really signed (the fuzzer cannot forge).
func FuzzVerify(f *testing.F) {
	ed, ec := fixedKeys(f)
	signed := map[string]bool{}
	for _, k := range []*PrivateKey{ed, ec} {
		for _, p := range []string{`{"iss":"vn.dongnai.soyte","iat":1767225600}`, "x"} {
			tok, err := Sign(k, testTyp, []byte(p))
			if err != nil {
				f.Fatal(err)
			}
			signed[p] = true
			f.Add(tok)
		}
		f.Add(signWithHeader(f, k, header(k.Alg(), k.KID(), `,"crit":["b64"],"b64":false`), []byte("x")))
		f.Add(signWithHeader(f, k, header(k.Alg(), k.KID(), `,"jwk":{}`), []byte("x")))
		f.Add(signWithHeader(f, k, `{"alg":"none","typ":"`+testTyp+`","kid":"`+k.KID()+`"}`, []byte("x")))
	}
	f.Add(rfc7515JWS)
	f.Add(rfc8037Input + "." + rfc8037Sig)
	f.Add("")
	f.Add("..")
	f.Add("a.b.c.d")
	lookup := func(kid string, _ Alg) (*PublicKey, error) {
		switch kid {
		case ed.KID():
			return ed.Public(), nil
		case ec.KID():
			return ec.Public(), nil
		}
		return nil, errNoSuchKey
	}
	f.Fuzz(func(t *testing.T, compact string) {
		payload, kid, err := Verify(compact, testTyp, lookup)
		if err != nil {
			if !errors.Is(err, ErrBadJWS) && !errors.Is(err, errNoSuchKey) && !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			if payload != nil || kid != "" {
				t.Fatal("payload or kid returned with an error")
			}
			return
		}
		if !signed[string(payload)] {
			t.Fatalf("verified a payload no key signed: %q", payload)
		}
		if kid != ed.KID() && kid != ec.KID() {
			t.Fatalf("verified with unknown kid %q", kid)
		}
	})
}

// FuzzParsePublicJWK: ParsePublicJWK never panics, rejects with
// ErrInvalidKey, and every key it accepts marshals to a JWK that parses
// back to the same key and kid.
func FuzzParsePublicJWK(f *testing.F) {
	ed, ec := fixedKeys(f)
	for _, k := range []*PrivateKey{ed, ec} {
		f.Add(mustJSON(f, k.Public()))
		f.Add(mustJSON(f, k))
	}
	f.Add([]byte(`{"kty":"OKP","crv":"Ed25519","x":"` + rfc8037X + `","kid":"` + rfc8037Thumbprint + `","alg":"EdDSA"}`))
	f.Add([]byte(`{"kty":"RSA","n":"AQAB","e":"AQAB"}`))
	f.Add([]byte(`{"kty":"EC","crv":"P-256","x":"` + rfc7515X + `","y":"` + rfc7515X + `"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParsePublicJWK(b)
		if err != nil {
			if !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("error %v is not ErrInvalidKey", err)
			}
			return
		}
		out, err := k.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParsePublicJWK(out)
		if err != nil {
			t.Fatalf("re-parse %s: %v", out, err)
		}
		if !back.Equal(k) || back.KID() != k.KID() {
			t.Fatal("round trip changed the key")
		}
	})
}
