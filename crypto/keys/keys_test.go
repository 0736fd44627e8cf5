package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

var algs = []Alg{ES256, EdDSA}

func mustGenerate(t testing.TB, alg Alg) *PrivateKey {
	t.Helper()
	k, err := Generate(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestGenerateAndJWKRoundTrip(t *testing.T) {
	for _, alg := range algs {
		t.Run(string(alg), func(t *testing.T) {
			k := mustGenerate(t, alg)
			if k.Alg() != alg || k.Public().Alg() != alg {
				t.Fatalf("alg = %s/%s, want %s", k.Alg(), k.Public().Alg(), alg)
			}
			if len(k.KID()) != 43 || k.KID() != k.Public().KID() || Thumbprint(k.Public()) != k.KID() {
				t.Fatalf("kid %q (public %q)", k.KID(), k.Public().KID())
			}

			priv, err := json.Marshal(k)
			if err != nil {
				t.Fatal(err)
			}
			var back PrivateKey
			if err := json.Unmarshal(priv, &back); err != nil {
				t.Fatalf("unmarshal %s: %v", priv, err)
			}
			if !back.Public().Equal(k.Public()) || back.KID() != k.KID() {
				t.Fatal("private JWK round trip changed the key")
			}
			// The restored key signs what the original's public key verifies.
			tok, err := Sign(&back, "test+jwt", []byte("x"))
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := Verify(tok, "test+jwt", StaticKey(k.Public())); err != nil {
				t.Fatalf("restored key's signature: %v", err)
			}

			pub, err := json.Marshal(k.Public())
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(pub), `"d"`) {
				t.Fatalf("public JWK leaks d: %s", pub)
			}
			p, err := ParsePublicJWK(pub)
			if err != nil {
				t.Fatalf("parse %s: %v", pub, err)
			}
			if !p.Equal(k.Public()) || p.KID() != k.KID() {
				t.Fatal("public JWK round trip changed the key")
			}
			// A private JWK is not a public one.
			if _, err := ParsePublicJWK(priv); !errors.Is(err, ErrPrivateMember) {
				t.Fatalf("ParsePublicJWK(private) = %v, want ErrPrivateMember", err)
			}

			// jwx reads our JWK as the same key and computes the same thumbprint.
			jk, err := jwk.ParseKey(pub)
			if err != nil {
				t.Fatalf("jwx parse: %v", err)
			}
			tp, err := jk.Thumbprint(crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			if got := base64.RawURLEncoding.EncodeToString(tp); got != k.KID() {
				t.Fatalf("jwx thumbprint %s, ours %s", got, k.KID())
			}
		})
	}
}

// RFC 8037 appendix A: the Ed25519 key, its thumbprint (A.3) and the
// signature over the A.4 signing input, byte for byte (Ed25519 is
// deterministic).
const (
	rfc8037D          = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
	rfc8037X          = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
	rfc8037Thumbprint = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
	rfc8037Input      = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
	rfc8037Sig        = "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)

// RFC 7515 appendix A.3: the P-256 key and its ES256 JWS.
const (
	rfc7515X   = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
	rfc7515Y   = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
	rfc7515D   = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"
	rfc7515JWS = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
)

func TestRFC8037KnownAnswers(t *testing.T) {
	k, err := ParsePrivateJWK([]byte(`{"kty":"OKP","crv":"Ed25519","d":"` + rfc8037D + `","x":"` + rfc8037X + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	if k.KID() != rfc8037Thumbprint {
		t.Fatalf("thumbprint %s, RFC 8037 A.3 says %s", k.KID(), rfc8037Thumbprint)
	}
	pub, _ := json.Marshal(k.Public())
	if want := `{"kty":"OKP","crv":"Ed25519","x":"` + rfc8037X + `"}`; string(pub) != want {
		t.Fatalf("public JWK %s, want %s", pub, want)
	}
	if got := b64.EncodeToString(ed25519.Sign(k.ed, []byte(rfc8037Input))); got != rfc8037Sig {
		t.Fatalf("signature %s, RFC 8037 A.4 says %s", got, rfc8037Sig)
	}
	// The RFC's JWS is cryptographically valid, but its header has neither
	// typ nor kid, so our policy refuses it.
	_, err = ParseUnverified(rfc8037Input+"."+rfc8037Sig, "JWT")
	if !errors.Is(err, ErrTyp) {
		t.Fatalf("RFC 8037 JWS: %v, want ErrTyp", err)
	}
}

func TestRFC7515ES256KnownAnswer(t *testing.T) {
	k, err := ParsePrivateJWK([]byte(`{"kty":"EC","crv":"P-256","x":"` + rfc7515X + `","y":"` + rfc7515Y + `","d":"` + rfc7515D + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	// ECDSA is randomized, so check the RFC's signature verifies with the
	// parsed public key, with the signature format (raw r||s) we use.
	parts := strings.Split(rfc7515JWS, ".")
	sig, _ := b64.DecodeString(parts[2])
	if !verifyRaw(k.Public(), []byte(parts[0]+"."+parts[1]), sig) {
		t.Fatal("RFC 7515 A.3 signature does not verify with the RFC's key")
	}
	// Also through the real verification path (jwx), by way of an
	// Unverified built around the RFC's compact JWS.
	u := &Unverified{alg: ES256, kid: "rfc", compact: rfc7515JWS}
	if _, err := u.Verify(k.Public()); err != nil {
		t.Fatalf("jwx verification of RFC 7515 A.3: %v", err)
	}
	other := mustGenerate(t, ES256)
	if _, err := u.Verify(other.Public()); !errors.Is(err, ErrSignature) {
		t.Fatalf("RFC 7515 A.3 with another key: %v, want ErrSignature", err)
	}
}

// verifyRaw checks a JWS signature with the standard library only, as an
// independent check of what jwx does.
func verifyRaw(k *PublicKey, input, sig []byte) bool {
	if k.alg == EdDSA {
		return ed25519.Verify(k.ed, input, sig)
	}
	if len(sig) != 64 {
		return false
	}
	h := crypto.SHA256.New()
	h.Write(input)
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	return ecdsa.Verify(k.ec, h.Sum(nil), r, s)
}

func TestParsePublicJWKRejects(t *testing.T) {
	ec := mustGenerate(t, ES256)
	ed := mustGenerate(t, EdDSA)
	ecJWK := string(mustJSON(t, ec.Public()))
	edJWK := string(mustJSON(t, ed.Public()))
	x, y := ecCoords(ec.ec.Public().(*ecdsa.PublicKey))
	edX := b64.EncodeToString(ed.ed.Public().(ed25519.PublicKey))
	// A point that is not on P-256: the key's x with y+1.
	yb, _ := b64.DecodeString(y)
	yb[31] ^= 1
	offCurve := b64.EncodeToString(yb)

	tests := []struct {
		name string
		jwk  string
		want error
	}{
		{"private d", edJWK[:len(edJWK)-1] + `,"d":"` + rfc8037D + `"}`, ErrPrivateMember},
		{"RSA", `{"kty":"RSA","n":"0vx7","e":"AQAB"}`, ErrUnsupportedKey},
		{"RSA private", `{"kty":"RSA","n":"0vx7","e":"AQAB","p":"AA"}`, ErrPrivateMember},
		{"oct", `{"kty":"oct","k":"c2VjcmV0"}`, ErrPrivateMember},
		{"P-384", `{"kty":"EC","crv":"P-384","x":"` + x + `","y":"` + y + `"}`, ErrUnsupportedKey},
		{"secp256k1", `{"kty":"EC","crv":"secp256k1","x":"` + x + `","y":"` + y + `"}`, ErrUnsupportedKey},
		{"X25519", `{"kty":"OKP","crv":"X25519","x":"` + edX + `"}`, ErrUnsupportedKey},
		{"Ed448", `{"kty":"OKP","crv":"Ed448","x":"` + edX + `"}`, ErrUnsupportedKey},
		{"alg mismatch", `{"kty":"OKP","crv":"Ed25519","x":"` + edX + `","alg":"ES256"}`, ErrUnsupportedKey},
		{"alg HS256", `{"kty":"EC","crv":"P-256","x":"` + x + `","y":"` + y + `","alg":"HS256"}`, ErrUnsupportedKey},
		{"kid not thumbprint", `{"kty":"OKP","crv":"Ed25519","x":"` + edX + `","kid":"my-key"}`, ErrInvalidKey},
		{"use", `{"kty":"OKP","crv":"Ed25519","x":"` + edX + `","use":"sig"}`, ErrKeyMember},
		{"x5c", `{"kty":"EC","crv":"P-256","x":"` + x + `","y":"` + y + `","x5c":["MII"]}`, ErrKeyMember},
		{"y on OKP", `{"kty":"OKP","crv":"Ed25519","x":"` + edX + `","y":"` + y + `"}`, ErrKeyMember},
		{"missing x", `{"kty":"OKP","crv":"Ed25519"}`, ErrInvalidKey},
		{"missing y", `{"kty":"EC","crv":"P-256","x":"` + x + `"}`, ErrInvalidKey},
		{"missing kty", `{"crv":"Ed25519","x":"` + edX + `"}`, ErrInvalidKey},
		{"short x", `{"kty":"OKP","crv":"Ed25519","x":"` + edX[:40] + `"}`, ErrInvalidKey},
		{"padded x", `{"kty":"OKP","crv":"Ed25519","x":"` + edX + `="}`, ErrInvalidKey},
		{"newline in x", `{"kty":"OKP","crv":"Ed25519","x":"` + edX[:20] + `\n` + edX[20:] + `"}`, ErrInvalidKey},
		{"std base64 x", `{"kty":"OKP","crv":"Ed25519","x":"` + base64.StdEncoding.EncodeToString(ed.ed.Public().(ed25519.PublicKey)) + `"}`, ErrInvalidKey},
		{"off curve", `{"kty":"EC","crv":"P-256","x":"` + x + `","y":"` + offCurve + `"}`, ErrInvalidKey},
		{"zero point", `{"kty":"EC","crv":"P-256","x":"` + b64.EncodeToString(make([]byte, 32)) + `","y":"` + b64.EncodeToString(make([]byte, 32)) + `"}`, ErrInvalidKey},
		{"x not string", `{"kty":"OKP","crv":"Ed25519","x":123}`, ErrInvalidKey},
		{"x null", `{"kty":"OKP","crv":"Ed25519","x":null}`, ErrInvalidKey},
		{"duplicate x", `{"kty":"OKP","crv":"Ed25519","x":"` + edX + `","x":"` + rfc8037X + `"}`, ErrInvalidKey},
		{"not object", `["OKP"]`, ErrInvalidKey},
		{"trailing", edJWK + `{}`, ErrInvalidKey},
		{"empty", ``, ErrInvalidKey},
		{"invalid UTF-8", `{"kty":"OKP","crv":"Ed25519","x":"` + edX + `","kid":"` + "\xff" + `"}`, ErrInvalidKey},
		{"too large", `{"kty":"EC","crv":"P-256","x":"` + x + `","y":"` + y + `"}` + strings.Repeat(" ", MaxJWKSize), ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParsePublicJWK([]byte(tt.jwk))
			if !errors.Is(err, tt.want) || !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("ParsePublicJWK(%s) = %v, want %v", tt.jwk, err, tt.want)
			}
			if k != nil {
				t.Fatal("key returned with an error")
			}
		})
	}
	// And the untouched JWKs, with the optional members right, parse.
	for _, ok := range []string{
		ecJWK, edJWK,
		`{"kty":"OKP","crv":"Ed25519","x":"` + edX + `","alg":"EdDSA","kid":"` + ed.KID() + `"}`,
		`{"alg":"ES256","kid":"` + ec.KID() + `","y":"` + y + `","x":"` + x + `","crv":"P-256","kty":"EC"}`,
	} {
		if _, err := ParsePublicJWK([]byte(ok)); err != nil {
			t.Errorf("ParsePublicJWK(%s): %v", ok, err)
		}
	}
}

func TestParsePrivateJWKRejects(t *testing.T) {
	a := mustGenerate(t, ES256)
	b := mustGenerate(t, ES256)
	aJSON := string(mustJSON(t, a))
	bJSON := string(mustJSON(t, b))
	dOf := func(s string) string {
		var m map[string]string
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		return m["d"]
	}
	pubA := string(mustJSON(t, a.Public()))
	n := elliptic.P256().Params().N.Bytes()
	tests := []struct {
		name, jwk string
	}{
		{"d of another key", pubA[:len(pubA)-1] + `,"d":"` + dOf(bJSON) + `"}`},
		{"no d", pubA},
		{"short d", pubA[:len(pubA)-1] + `,"d":"` + dOf(aJSON)[:40] + `"}`},
		{"d zero", pubA[:len(pubA)-1] + `,"d":"` + b64.EncodeToString(make([]byte, 32)) + `"}`},
		{"d = n", pubA[:len(pubA)-1] + `,"d":"` + b64.EncodeToString(n) + `"}`},
		{"extra member", aJSON[:len(aJSON)-1] + `,"use":"sig"}`},
		{"Ed25519 d of another key", func() string {
			e1, e2 := mustGenerate(t, EdDSA), mustGenerate(t, EdDSA)
			p := string(mustJSON(t, e1.Public()))
			return p[:len(p)-1] + `,"d":"` + dOf(string(mustJSON(t, e2))) + `"}`
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParsePrivateJWK([]byte(tt.jwk)); !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("ParsePrivateJWK(%s) = %v, want ErrInvalidKey", tt.jwk, err)
			}
		})
	}
}

func TestNewEd25519(t *testing.T) {
	seed, _ := b64.DecodeString(rfc8037D)
	k, err := NewEd25519(ed25519.NewKeyFromSeed(seed))
	if err != nil {
		t.Fatal(err)
	}
	if k.KID() != rfc8037Thumbprint {
		t.Fatalf("kid %s", k.KID())
	}
	bad := ed25519.NewKeyFromSeed(seed)
	bad[40] ^= 1 // public half no longer matches the seed
	if _, err := NewEd25519(bad); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("mismatched halves: %v", err)
	}
	if _, err := NewEd25519(bad[:10]); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("short key: %v", err)
	}
	if _, err := Generate("RS256"); !errors.Is(err, ErrUnsupportedKey) {
		t.Fatalf("Generate(RS256): %v", err)
	}
}

func TestMarshalEmptyKeys(t *testing.T) {
	if _, err := json.Marshal(&PublicKey{}); err == nil {
		t.Fatal("marshalled an empty public key")
	}
	if _, err := json.Marshal(&PrivateKey{}); err == nil {
		t.Fatal("marshalled an empty private key")
	}
	var p PublicKey
	if err := json.Unmarshal([]byte(`{"kty":"RSA"}`), &p); !errors.Is(err, ErrUnsupportedKey) {
		t.Fatalf("unmarshal RSA: %v", err)
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
