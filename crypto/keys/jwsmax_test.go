package keys

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestSignMaxVerifyMax signs payloads larger than MaxJWSSize with keys in
// memory and behind a crypto.Signer (the HSM path), and checks that the
// caller's limit, not MaxJWSSize, is what each side enforces, and that
// the header policy is the same as Verify's.
func TestSignMaxVerifyMax(t *testing.T) {
	const limit = 1 << 20
	payload := bytes.Repeat([]byte("a"), 300<<10) // 400 KB base64url
	for _, alg := range []Alg{ES256, EdDSA} {
		mem := mustGenerate(t, alg)
		ext, err := NewSigner(newOpaque(t, alg))
		if err != nil {
			t.Fatal(err)
		}
		for name, k := range map[string]*PrivateKey{"memory": mem, "signer": ext} {
			t.Run(string(alg)+"/"+name, func(t *testing.T) {
				if _, err := Sign(k, testTyp, payload); !errors.Is(err, ErrTooLarge) {
					t.Fatalf("Sign of a 400 KB JWS: %v, want ErrTooLarge", err)
				}
				tok, err := SignMax(k, testTyp, payload, limit)
				if err != nil {
					t.Fatal(err)
				}
				got, kid, err := VerifyMax(tok, testTyp, StaticKey(k.Public()), limit)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, payload) || kid != k.KID() {
					t.Fatal("payload or kid differ")
				}
				if _, _, err := Verify(tok, testTyp, StaticKey(k.Public())); !errors.Is(err, ErrTooLarge) {
					t.Fatalf("Verify of a 400 KB JWS: %v, want ErrTooLarge", err)
				}
				if _, _, err := VerifyMax(tok, testTyp, StaticKey(k.Public()), len(tok)-1); !errors.Is(err, ErrTooLarge) {
					t.Fatalf("VerifyMax one byte short: %v, want ErrTooLarge", err)
				}
				if _, _, err := VerifyMax(tok, "other+jwt", StaticKey(k.Public()), limit); !errors.Is(err, ErrTyp) {
					t.Fatalf("wrong typ: %v, want ErrTyp", err)
				}
				if _, _, err := VerifyMax(tok, testTyp, StaticKey(mustGenerate(t, alg).Public()), limit); err == nil {
					t.Fatal("verified under another key")
				}
				// Flip one payload character: the signature must fail.
				i := strings.Index(tok, ".") + 10
				bad := tok[:i] + string("ab"[(strings.IndexByte("ab", tok[i])+1)%2]) + tok[i+1:]
				if _, _, err := VerifyMax(bad, testTyp, StaticKey(k.Public()), limit); !errors.Is(err, ErrSignature) {
					t.Fatalf("tampered payload: %v, want ErrSignature", err)
				}
			})
		}
	}
	k := mustGenerate(t, EdDSA)
	if _, err := SignMax(k, testTyp, payload, 100<<10); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("SignMax over its limit: %v, want ErrTooLarge", err)
	}
	if _, err := SignMax(k, testTyp, payload, 0); err == nil {
		t.Fatal("SignMax with limit 0 signed")
	}
	if _, _, err := VerifyMax("a.b.c", testTyp, StaticKey(k.Public()), 0); err == nil {
		t.Fatal("VerifyMax with limit 0 accepted")
	}
	if _, _, err := VerifyMax("a.b.c", testTyp, nil, limit); err == nil {
		t.Fatal("VerifyMax with no lookup accepted")
	}
}
