package keys

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
)

const testTyp = "test+jwt"

// signWithHeader builds a compact JWS with any header JSON, signed by k
// with the standard library directly. It lets tests make tokens whose
// signature is valid but whose header breaks the policy.
func signWithHeader(t testing.TB, k *PrivateKey, header string, payload []byte) string {
	t.Helper()
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString(payload)
	return input + "." + b64.EncodeToString(rawSign(t, k, []byte(input)))
}

func rawSign(t testing.TB, k *PrivateKey, input []byte) []byte {
	t.Helper()
	if k.Alg() == EdDSA {
		return ed25519.Sign(k.ed, input)
	}
	h := sha256.Sum256(input)
	r, s, err := ecdsa.Sign(rand.Reader, k.ec, h[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return sig
}

func header(alg Alg, kid string, extra string) string {
	return fmt.Sprintf(`{"alg":%q,"typ":%q,"kid":%q%s}`, alg, testTyp, kid, extra)
}

func TestSignVerifyRoundTrip(t *testing.T) {
	for _, alg := range algs {
		t.Run(string(alg), func(t *testing.T) {
			k := mustGenerate(t, alg)
			payload := []byte(`{"hello":"xin chào"}`)
			tok, err := Sign(k, testTyp, payload)
			if err != nil {
				t.Fatal(err)
			}
			// The header is exactly alg, kid and typ.
			hdrJSON, err := b64.DecodeString(strings.Split(tok, ".")[0])
			if err != nil {
				t.Fatal(err)
			}
			var hdr map[string]string
			if err := json.Unmarshal(hdrJSON, &hdr); err != nil {
				t.Fatalf("header %s: %v", hdrJSON, err)
			}
			want := map[string]string{"alg": string(alg), "kid": k.KID(), "typ": testTyp}
			if fmt.Sprint(hdr) != fmt.Sprint(want) {
				t.Fatalf("header %s, want %v", hdrJSON, want)
			}
			var lookedUp []string
			got, kid, err := Verify(tok, testTyp, func(kid string, a Alg) (*PublicKey, error) {
				lookedUp = append(lookedUp, kid+"/"+string(a))
				return k.Public(), nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(payload) || kid != k.KID() {
				t.Fatalf("payload %q kid %q", got, kid)
			}
			if len(lookedUp) != 1 || lookedUp[0] != k.KID()+"/"+string(alg) {
				t.Fatalf("lookups %v", lookedUp)
			}
			// Independent check with the standard library.
			parts := strings.Split(tok, ".")
			sig, _ := b64.DecodeString(parts[2])
			if !verifyRaw(k.Public(), []byte(parts[0]+"."+parts[1]), sig) {
				t.Fatal("standard library does not verify our signature")
			}
			// And a signature made directly with the standard library
			// passes our Verify.
			direct := signWithHeader(t, k, header(alg, k.KID(), ""), payload)
			if _, _, err := Verify(direct, testTyp, StaticKey(k.Public())); err != nil {
				t.Fatalf("standard-library signature: %v", err)
			}
		})
	}
}

func TestVerifyRejectsHostileHeaders(t *testing.T) {
	ec := mustGenerate(t, ES256)
	ed := mustGenerate(t, EdDSA)
	payload := []byte(`{"sub":"x"}`)
	p64 := b64.EncodeToString(payload)
	fakeSig := b64.EncodeToString(make([]byte, 64))
	attacker := mustGenerate(t, ES256)
	attackerJWK := string(mustJSON(t, attacker.Public()))

	// The classic HS256 confusion: an HMAC keyed with the verifier's
	// public key bytes.
	hsInput := b64.EncodeToString([]byte(`{"alg":"HS256","typ":"`+testTyp+`","kid":"`+ec.KID()+`"}`)) + "." + p64
	ecPub := string(mustJSON(t, ec.Public()))
	mac := hmac.New(sha256.New, []byte(ecPub))
	mac.Write([]byte(hsInput))
	hsToken := hsInput + "." + b64.EncodeToString(append(mac.Sum(nil), make([]byte, 32)...))

	longKID := strings.Repeat("a", MaxKIDLen+1)
	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"alg none, empty signature", b64.EncodeToString([]byte(`{"alg":"none","typ":"`+testTyp+`","kid":"`+ec.KID()+`"}`)) + "." + p64 + ".", ErrMalformed},
		{"alg none", b64.EncodeToString([]byte(`{"alg":"none","typ":"`+testTyp+`","kid":"`+ec.KID()+`"}`)) + "." + p64 + "." + fakeSig, ErrAlg},
		{"alg HS256 with public key", hsToken, ErrAlg},
		{"alg RS256", signWithHeader(t, ec, header("RS256", ec.KID(), ""), payload), ErrAlg},
		{"alg PS256", signWithHeader(t, ec, header("PS256", ec.KID(), ""), payload), ErrAlg},
		{"alg ES384", signWithHeader(t, ec, header("ES384", ec.KID(), ""), payload), ErrAlg},
		{"alg lower case", signWithHeader(t, ec, header("es256", ec.KID(), ""), payload), ErrAlg},
		{"alg Ed25519 (RFC 9864)", signWithHeader(t, ed, header("Ed25519", ed.KID(), ""), payload), ErrAlg},
		{"alg missing", signWithHeader(t, ec, `{"typ":"`+testTyp+`","kid":"`+ec.KID()+`"}`, payload), ErrAlg},
		{"alg not a string", signWithHeader(t, ec, `{"alg":1,"typ":"`+testTyp+`","kid":"`+ec.KID()+`"}`, payload), ErrAlg},
		{"alg null", signWithHeader(t, ec, `{"alg":null,"typ":"`+testTyp+`","kid":"`+ec.KID()+`"}`, payload), ErrAlg},
		{"EdDSA header on a P-256 key", signWithHeader(t, ed, header(EdDSA, ec.KID(), ""), payload), ErrAlgMismatch},
		{"ES256 header on an Ed25519 key", signWithHeader(t, ec, header(ES256, ed.KID(), ""), payload), ErrAlgMismatch},
		{"typ missing", signWithHeader(t, ec, `{"alg":"ES256","kid":"`+ec.KID()+`"}`, payload), ErrTyp},
		{"typ other", signWithHeader(t, ec, `{"alg":"ES256","typ":"JWT","kid":"`+ec.KID()+`"}`, payload), ErrTyp},
		{"typ case", signWithHeader(t, ec, `{"alg":"ES256","typ":"TEST+JWT","kid":"`+ec.KID()+`"}`, payload), ErrTyp},
		{"typ with prefix", signWithHeader(t, ec, `{"alg":"ES256","typ":"application/`+testTyp+`","kid":"`+ec.KID()+`"}`, payload), ErrTyp},
		{"typ not a string", signWithHeader(t, ec, `{"alg":"ES256","typ":["`+testTyp+`"],"kid":"`+ec.KID()+`"}`, payload), ErrTyp},
		{"embedded jwk", signWithHeader(t, attacker, header(ES256, attacker.KID(), `,"jwk":`+attackerJWK), payload), ErrEmbeddedKey},
		{"jku", signWithHeader(t, ec, header(ES256, ec.KID(), `,"jku":"https://evil.example/keys"`), payload), ErrEmbeddedKey},
		{"x5u", signWithHeader(t, ec, header(ES256, ec.KID(), `,"x5u":"https://evil.example/cert"`), payload), ErrEmbeddedKey},
		{"x5c", signWithHeader(t, ec, header(ES256, ec.KID(), `,"x5c":["MIIB"]`), payload), ErrEmbeddedKey},
		{"x5t", signWithHeader(t, ec, header(ES256, ec.KID(), `,"x5t":"abc"`), payload), ErrEmbeddedKey},
		{"x5t#S256", signWithHeader(t, ec, header(ES256, ec.KID(), `,"x5t#S256":"abc"`), payload), ErrEmbeddedKey},
		{"kid missing", signWithHeader(t, ec, `{"alg":"ES256","typ":"`+testTyp+`"}`, payload), ErrKID},
		{"kid empty", signWithHeader(t, ec, header(ES256, "", ""), payload), ErrKID},
		{"kid too long", signWithHeader(t, ec, header(ES256, longKID, ""), payload), ErrKID},
		{"kid with space", signWithHeader(t, ec, header(ES256, "a b", ""), payload), ErrKID},
		{"kid with control", signWithHeader(t, ec, header(ES256, "a\nb", ""), payload), ErrKID},
		{"kid not ASCII", signWithHeader(t, ec, header(ES256, "khóa", ""), payload), ErrKID},
		{"kid number", signWithHeader(t, ec, `{"alg":"ES256","typ":"`+testTyp+`","kid":7}`, payload), ErrKID},
		{"crit", signWithHeader(t, ec, header(ES256, ec.KID(), `,"crit":["exp"],"exp":1`), payload), ErrCrit},
		{"crit empty", signWithHeader(t, ec, header(ES256, ec.KID(), `,"crit":[]`), payload), ErrCrit},
		{"b64 false with crit", signWithHeader(t, ec, header(ES256, ec.KID(), `,"b64":false,"crit":["b64"]`), payload), ErrCrit},
		{"b64 false", signWithHeader(t, ec, header(ES256, ec.KID(), `,"b64":false`), payload), ErrB64},
		{"b64 true", signWithHeader(t, ec, header(ES256, ec.KID(), `,"b64":true`), payload), ErrB64},
		{"unknown cty", signWithHeader(t, ec, header(ES256, ec.KID(), `,"cty":"JWT"`), payload), ErrUnknownHeader},
		{"unknown zip", signWithHeader(t, ec, header(ES256, ec.KID(), `,"zip":"DEF"`), payload), ErrUnknownHeader},
		{"unknown enc", signWithHeader(t, ec, header(ES256, ec.KID(), `,"enc":"A256GCM"`), payload), ErrUnknownHeader},
		{"duplicate alg", signWithHeader(t, ed, `{"alg":"ES256","alg":"EdDSA","typ":"`+testTyp+`","kid":"`+ed.KID()+`"}`, payload), ErrMalformed},
		{"duplicate typ, escaped", signWithHeader(t, ec, `{"alg":"ES256","typ":"`+testTyp+`","t\u0079p":"x","kid":"`+ec.KID()+`"}`, payload), ErrMalformed},
		{"header array", signWithHeader(t, ec, `["ES256"]`, payload), ErrMalformed},
		{"header not JSON", signWithHeader(t, ec, `alg=ES256`, payload), ErrMalformed},
		{"header trailing data", signWithHeader(t, ec, header(ES256, ec.KID(), "")+`{}`, payload), ErrMalformed},
		{"header invalid UTF-8", signWithHeader(t, ec, header(ES256, ec.KID(), `,"x":"`+"\xc3\x28"+`"`), payload), ErrMalformed},
	}
	lookup := func(kid string, _ Alg) (*PublicKey, error) {
		switch kid {
		case ec.KID():
			return ec.Public(), nil
		case ed.KID():
			return ed.Public(), nil
		}
		return nil, fmt.Errorf("no key %q", kid)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload, kid, err := Verify(tt.token, testTyp, lookup)
			if !errors.Is(err, tt.want) || !errors.Is(err, ErrBadJWS) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			if payload != nil || kid != "" {
				t.Fatal("payload or kid returned with an error")
			}
		})
	}
}

func TestVerifyRejectsMalformed(t *testing.T) {
	k := mustGenerate(t, EdDSA)
	good, err := Sign(k, testTyp, []byte(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, ".")
	sig, _ := b64.DecodeString(parts[2])
	// A base64url string with non-zero trailing bits: "QQ" is canonical
	// for "A", "QR" decodes to the same byte.
	tests := []struct {
		name, token string
		want        error
	}{
		{"too large", strings.Repeat("A", MaxJWSSize+1), ErrTooLarge},
		{"too large, otherwise valid", parts[0] + "." + b64.EncodeToString(make([]byte, MaxJWSSize)) + "." + parts[2], ErrTooLarge},
		{"empty", "", ErrMalformed},
		{"one part", parts[0], ErrMalformed},
		{"two parts", parts[0] + "." + parts[1], ErrMalformed},
		{"four parts", good + "." + parts[2], ErrMalformed},
		{"empty payload", parts[0] + ".." + parts[2], ErrMalformed},
		{"empty header", "." + parts[1] + "." + parts[2], ErrMalformed},
		{"padding", parts[0] + "." + parts[1] + "=." + parts[2], ErrMalformed},
		{"space", parts[0] + " ." + parts[1] + "." + parts[2], ErrMalformed},
		{"newline in payload", parts[0] + "." + parts[1][:2] + "\n" + parts[1][2:] + "." + parts[2], ErrMalformed},
		{"std alphabet", parts[0] + "." + parts[1] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(parts[2]) + "+", ErrMalformed},
		{"non-canonical signature", parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-1] + nonCanonicalLast(parts[2]), ErrMalformed},
		{"short signature", parts[0] + "." + parts[1] + "." + b64.EncodeToString(sig[:63]), ErrMalformed},
		{"long signature", parts[0] + "." + parts[1] + "." + b64.EncodeToString(append(sig, 0)), ErrMalformed},
		{"JSON serialization", `{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Verify(tt.token, testTyp, StaticKey(k.Public()))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

// nonCanonicalLast returns a different last character for an unpadded
// base64url string of a 64-byte value (86 characters, the last carrying 2
// bits of data and 4 zero bits) that decodes to the same bytes.
func nonCanonicalLast(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, s[len(s)-1])
	return string(alphabet[i|1])
}

func TestVerifyRejectsForgeries(t *testing.T) {
	for _, alg := range algs {
		t.Run(string(alg), func(t *testing.T) {
			k := mustGenerate(t, alg)
			other := mustGenerate(t, alg)
			payload := []byte(`{"claim":"value","n":12345}`)
			good, err := Sign(k, testTyp, payload)
			if err != nil {
				t.Fatal(err)
			}
			parts := strings.Split(good, ".")

			// Signed by another key but naming k's kid.
			forged := signWithHeader(t, other, header(alg, k.KID(), ""), payload)
			if _, _, err := Verify(forged, testTyp, StaticKey(k.Public())); !errors.Is(err, ErrSignature) {
				t.Fatalf("other key's signature: %v", err)
			}

			// Every single-character change of the payload part that stays
			// valid base64url must fail the signature (or, if it breaks the
			// encoding, be malformed).
			const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
			for i := 0; i < len(parts[1]); i++ {
				c := alphabet[(strings.IndexByte(alphabet, parts[1][i])+1)%64]
				p := parts[1][:i] + string(c) + parts[1][i+1:]
				_, _, err := Verify(parts[0]+"."+p+"."+parts[2], testTyp, StaticKey(k.Public()))
				if !errors.Is(err, ErrSignature) && !errors.Is(err, ErrMalformed) {
					t.Fatalf("payload changed at %d: %v", i, err)
				}
			}
			// A flipped payload byte, re-encoded.
			flipped := append([]byte(nil), payload...)
			flipped[10] ^= 0x01
			tampered := parts[0] + "." + b64.EncodeToString(flipped) + "." + parts[2]
			if _, _, err := Verify(tampered, testTyp, StaticKey(k.Public())); !errors.Is(err, ErrSignature) {
				t.Fatalf("flipped payload byte: %v", err)
			}
			// A flipped signature byte.
			sig, _ := b64.DecodeString(parts[2])
			sig[5] ^= 0x80
			if _, _, err := Verify(parts[0]+"."+parts[1]+"."+b64.EncodeToString(sig), testTyp, StaticKey(k.Public())); !errors.Is(err, ErrSignature) {
				t.Fatalf("flipped signature byte: %v", err)
			}
			// The lookup returning the wrong key of the right alg.
			if _, _, err := Verify(good, testTyp, func(string, Alg) (*PublicKey, error) { return other.Public(), nil }); !errors.Is(err, ErrSignature) {
				t.Fatalf("wrong key from lookup: %v", err)
			}
		})
	}
}

// TestECDSAMalleability documents what doc.go warns about: (r, n-s) is a
// second valid ES256 signature, so a compact JWS is not a unique id.
func TestECDSAMalleability(t *testing.T) {
	k := mustGenerate(t, ES256)
	tok, err := Sign(k, testTyp, []byte(`{"jti":"1"}`))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	sig, _ := b64.DecodeString(parts[2])
	s := new(big.Int).SetBytes(sig[32:])
	s.Sub(elliptic.P256().Params().N, s)
	s.FillBytes(sig[32:])
	twin := parts[0] + "." + parts[1] + "." + b64.EncodeToString(sig)
	if twin == tok {
		t.Fatal("twin is the same string")
	}
	payload, _, err := Verify(twin, testTyp, StaticKey(k.Public()))
	if err != nil {
		t.Fatalf("malleated signature: %v", err)
	}
	if string(payload) != `{"jti":"1"}` {
		t.Fatalf("payload %s", payload)
	}
}

func TestVerifyLookupErrors(t *testing.T) {
	k := mustGenerate(t, EdDSA)
	tok, err := Sign(k, testTyp, []byte("p"))
	if err != nil {
		t.Fatal(err)
	}
	errUnknown := errors.New("unknown issuer key")
	_, _, err = Verify(tok, testTyp, func(string, Alg) (*PublicKey, error) { return nil, errUnknown })
	if !errors.Is(err, errUnknown) {
		t.Fatalf("lookup error not wrapped: %v", err)
	}
	if _, _, err := Verify(tok, testTyp, func(string, Alg) (*PublicKey, error) { return nil, nil }); err == nil {
		t.Fatal("nil key from lookup accepted")
	}
	if _, _, err := Verify(tok, testTyp, StaticKey(mustGenerate(t, EdDSA).Public())); err == nil {
		t.Fatal("StaticKey of another key accepted")
	}
	u, err := ParseUnverified(tok, testTyp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.Verify(nil); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("Verify(nil): %v", err)
	}
	if _, err := u.Verify(&PublicKey{}); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("Verify(empty key): %v", err)
	}
	// The payload copy handed out before verification cannot change what
	// Verify returns.
	p := u.UnverifiedPayload()
	p[0] = 'X'
	got, err := u.Verify(k.Public())
	if err != nil || string(got) != "p" {
		t.Fatalf("Verify after editing the unverified copy: %q, %v", got, err)
	}
	if u.Alg() != EdDSA || u.KID() != k.KID() || u.Typ() != testTyp {
		t.Fatalf("header fields %s %s %s", u.Alg(), u.KID(), u.Typ())
	}
}

func TestSignRejects(t *testing.T) {
	k := mustGenerate(t, ES256)
	for _, typ := range []string{"", "a b", strings.Repeat("t", MaxTypLen+1), "tÿp"} {
		if _, err := Sign(k, typ, []byte("x")); err == nil {
			t.Errorf("Sign with typ %q succeeded", typ)
		}
	}
	if _, err := Sign(k, testTyp, nil); err == nil {
		t.Error("Sign with empty payload succeeded")
	}
	if _, err := Sign(nil, testTyp, []byte("x")); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("Sign(nil key): %v", err)
	}
	if _, err := Sign(k, testTyp, make([]byte, MaxJWSSize)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Sign(huge): %v", err)
	}
	if _, err := ParseUnverified("a.b.c", ""); !errors.Is(err, ErrTyp) {
		t.Errorf("ParseUnverified with no expected typ: %v", err)
	}
}

func TestJWT(t *testing.T) {
	k := mustGenerate(t, EdDSA)
	tok, err := SignJWT(k, "device+jwt", map[string]any{"iss": "device", "n": 3, "html": "<a&b>"})
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := b64.DecodeString(strings.Split(tok, ".")[1]); !strings.Contains(string(p), `"<a&b>"`) {
		t.Fatalf("payload HTML-escaped: %s", p)
	}
	claims, kid, err := VerifyJWT(tok, "device+jwt", StaticKey(k.Public()))
	if err != nil {
		t.Fatal(err)
	}
	if claims["iss"] != "device" || claims["n"] != 3.0 || kid != k.KID() {
		t.Fatalf("claims %v kid %s", claims, kid)
	}
	if _, _, err := VerifyJWT(tok, "other+jwt", StaticKey(k.Public())); !errors.Is(err, ErrTyp) {
		t.Fatalf("wrong typ: %v", err)
	}
	for _, payload := range []string{`["a"]`, `"s"`, `null`, `{"iss":"a","iss":"b"}`, `{"a":1} x`} {
		tok, err := Sign(k, "device+jwt", []byte(payload))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := VerifyJWT(tok, "device+jwt", StaticKey(k.Public())); !errors.Is(err, ErrMalformed) {
			t.Errorf("payload %s: %v, want ErrMalformed", payload, err)
		}
	}
}
