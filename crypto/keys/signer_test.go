package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
)

// opaqueSigner hides a private key behind crypto.Signer, the way an HSM
// key looks to a caller: only Public and Sign are visible. It counts the
// signatures it makes.
type opaqueSigner struct {
	inner crypto.Signer
	pub   crypto.PublicKey // if set, returned instead of inner's public key
	n     atomic.Int64
}

func (s *opaqueSigner) Public() crypto.PublicKey {
	if s.pub != nil {
		return s.pub
	}
	return s.inner.Public()
}

func (s *opaqueSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	s.n.Add(1)
	return s.inner.Sign(r, digest, opts)
}

func newOpaque(t testing.TB, alg Alg) *opaqueSigner {
	t.Helper()
	switch alg {
	case ES256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return &opaqueSigner{inner: k}
	case EdDSA:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return &opaqueSigner{inner: k}
	}
	t.Fatalf("alg %s", alg)
	return nil
}

func TestNewSigner(t *testing.T) {
	for _, alg := range algs {
		t.Run(string(alg), func(t *testing.T) {
			s := newOpaque(t, alg)
			k, err := NewSigner(s)
			if err != nil {
				t.Fatal(err)
			}
			if k.Alg() != alg || k.Public().Alg() != alg || !k.External() {
				t.Fatalf("alg %s, external %v", k.Alg(), k.External())
			}
			// The kid is the thumbprint of the signer's public key: the
			// same as a software key with that public half.
			var want *PublicKey
			if alg == ES256 {
				want = newECPublic(&s.inner.(*ecdsa.PrivateKey).PublicKey)
			} else {
				want = newEdPublic(s.inner.(ed25519.PrivateKey).Public().(ed25519.PublicKey))
			}
			if k.KID() != want.KID() || !k.Public().Equal(want) || len(k.KID()) != 43 {
				t.Fatalf("kid %s, want %s", k.KID(), want.KID())
			}

			before := s.n.Load()
			tok, err := Sign(k, testTyp, []byte(`{"a":1}`))
			if err != nil {
				t.Fatal(err)
			}
			if s.n.Load() != before+1 {
				t.Fatalf("Sign made %d signatures with the external signer, want 1", s.n.Load()-before)
			}
			payload, kid, err := Verify(tok, testTyp, StaticKey(want))
			if err != nil || string(payload) != `{"a":1}` || kid != k.KID() {
				t.Fatalf("Verify = %q, %q, %v", payload, kid, err)
			}
			// A public key from JSON verifies it too.
			var back PublicKey
			if err := json.Unmarshal(mustJSON(t, k.Public()), &back); err != nil {
				t.Fatal(err)
			}
			if _, _, err := Verify(tok, testTyp, StaticKey(&back)); err != nil {
				t.Fatal(err)
			}
			claims, _, err := VerifyJWT(mustSignJWT(t, k), testTyp, StaticKey(want))
			if err != nil || claims["iss"] != "x" {
				t.Fatalf("VerifyJWT = %v, %v", claims, err)
			}
		})
	}
}

func mustSignJWT(t *testing.T, k *PrivateKey) string {
	t.Helper()
	tok, err := SignJWT(k, testTyp, map[string]any{"iss": "x"})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestNewSignerES256RawSignature checks the signature bytes themselves:
// jwx must turn the signer's ASN.1 DER into the 64-byte r || s of RFC
// 7518 §3.4, which the standard library verifies over the signing input.
func TestNewSignerES256RawSignature(t *testing.T) {
	s := newOpaque(t, ES256)
	k, err := NewSigner(s)
	if err != nil {
		t.Fatal(err)
	}
	pub := &s.inner.(*ecdsa.PrivateKey).PublicKey
	for i := range 50 { // some r or s has leading zero bytes in 50 tries with probability ~1/3
		tok, err := Sign(k, testTyp, []byte{'x', byte(i)})
		if err != nil {
			t.Fatal(err)
		}
		dot := strings.LastIndexByte(tok, '.')
		sig, err := b64.DecodeString(tok[dot+1:])
		if err != nil || len(sig) != 64 {
			t.Fatalf("signature %d bytes (%v), want 64", len(sig), err)
		}
		digest := sha256.Sum256([]byte(tok[:dot]))
		// Re-encode r || s as DER to check with the standard library.
		der := derSignature(sig[:32], sig[32:])
		if !ecdsa.VerifyASN1(pub, digest[:], der) {
			t.Fatalf("r || s does not verify: %x", sig)
		}
	}
}

// derSignature encodes r and s (big-endian, unsigned) as the ASN.1
// SEQUENCE { INTEGER r, INTEGER s } ECDSA signature.
func derSignature(r, s []byte) []byte {
	integer := func(b []byte) []byte {
		for len(b) > 1 && b[0] == 0 {
			b = b[1:]
		}
		if b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return append([]byte{0x02, byte(len(b))}, b...)
	}
	body := append(integer(r), integer(s)...)
	return append([]byte{0x30, byte(len(body))}, body...)
}

func TestNewSignerCannotExport(t *testing.T) {
	for _, alg := range algs {
		k, err := NewSigner(newOpaque(t, alg))
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(k)
		if !errors.Is(err, ErrNotExportable) || b != nil {
			t.Fatalf("%s: json.Marshal = %q, %v; want ErrNotExportable", alg, b, err)
		}
		if _, err := k.MarshalJSON(); !errors.Is(err, ErrNotExportable) || !strings.Contains(err.Error(), "cannot be exported") {
			t.Fatalf("%s: MarshalJSON error %v", alg, err)
		}
		// Software keys are unaffected.
		if mustGenerate(t, alg).External() {
			t.Fatal("generated key reports External")
		}
	}
}

type badSigner struct {
	pub  crypto.PublicKey
	sign func(digest []byte) ([]byte, error)
}

func (s badSigner) Public() crypto.PublicKey { return s.pub }
func (s badSigner) Sign(_ io.Reader, digest []byte, _ crypto.SignerOpts) ([]byte, error) {
	return s.sign(digest)
}

func TestNewSignerRejects(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	other := newOpaque(t, ES256)
	es := newOpaque(t, ES256)
	ed := newOpaque(t, EdDSA)
	for _, tc := range []struct {
		name string
		s    crypto.Signer
		want error
	}{
		{"nil", nil, ErrInvalidKey},
		{"P-384", p384, ErrUnsupportedKey},
		{"RSA", rsaKey, ErrUnsupportedKey},
		{"short Ed25519", badSigner{pub: ed25519.PublicKey{1, 2, 3}}, ErrInvalidKey},
		// The public half claimed belongs to another key.
		{"mismatched ECDSA public key", &opaqueSigner{inner: es.inner, pub: other.Public()}, ErrInvalidKey},
		{"mismatched Ed25519 public key", &opaqueSigner{inner: ed.inner, pub: newOpaque(t, EdDSA).Public()}, ErrInvalidKey},
		// A signer that returns r || s instead of DER breaks the contract.
		{"raw r||s signer", badSigner{pub: es.Public(), sign: func(d []byte) ([]byte, error) {
			return make([]byte, 64), nil
		}}, ErrInvalidKey},
		{"failing signer", badSigner{pub: es.Public(), sign: func([]byte) ([]byte, error) {
			return nil, errors.New("token removed")
		}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := NewSigner(tc.s)
			if err == nil || k != nil {
				t.Fatalf("NewSigner = %v, nil", k)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
}

// TestNewSignerSignError: an error from the signer at Sign (the HSM went
// away) is returned, not a broken JWS.
func TestNewSignerSignError(t *testing.T) {
	es := newOpaque(t, ES256)
	fail := atomic.Bool{}
	k, err := NewSigner(badSigner{pub: es.Public(), sign: func(d []byte) ([]byte, error) {
		if fail.Load() {
			return nil, errors.New("CKR_DEVICE_REMOVED")
		}
		return es.Sign(rand.Reader, d, crypto.SHA256)
	}})
	if err != nil {
		t.Fatal(err)
	}
	fail.Store(true)
	tok, err := Sign(k, testTyp, []byte("x"))
	if err == nil || tok != "" || !strings.Contains(err.Error(), "CKR_DEVICE_REMOVED") {
		t.Fatalf("Sign = %q, %v", tok, err)
	}
}

func BenchmarkSignExternal(b *testing.B) {
	payload := []byte(`{"iss":"vn.dongnai.soyte","iat":1767225600,"vct":"health.insurance_card"}`)
	for _, alg := range algs {
		b.Run(string(alg), func(b *testing.B) {
			k, err := NewSigner(newOpaque(b, alg))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Sign(k, testTyp, payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
