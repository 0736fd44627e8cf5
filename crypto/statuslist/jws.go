package statuslist

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

// A status list of the province's size is a token of hundreds of KB to
// a few MB, beyond the 64 KiB crypto/keys accepts (keys.MaxJWSSize). For
// those, this file does the two steps keys cannot: checking the
// signature over a large signing input, and signing one. Everything else
// stays with crypto/keys: the header policy is keys.ParseUnverified's,
// applied to the header and signature of the token (with a stand-in
// payload), and the key comes from the caller's lookup. Tokens that fit
// keys.MaxJWSSize go through keys.Sign and keys' Verify unchanged.

// verifyJWS checks compact's header and signature and returns its payload.
func verifyJWS(compact string, lookup KeyLookup) ([]byte, error) {
	hdr, rest, ok := strings.Cut(compact, ".")
	pay, sig, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 {
		return nil, fmt.Errorf("%w: %w: a compact JWS has exactly 3 parts", ErrJWS, keys.ErrMalformed)
	}
	large := len(compact) > keys.MaxJWSSize
	probe := compact
	if large {
		// "e30" is {}: keys checks the real header and signature parts.
		probe = hdr + ".e30." + sig
	}
	u, err := keys.ParseUnverified(probe, Typ)
	if err != nil {
		if errors.Is(err, keys.ErrTyp) {
			return nil, fmt.Errorf("%w: %w", ErrTyp, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrJWS, err)
	}
	k, err := lookup(u.KID())
	if err != nil {
		return nil, fmt.Errorf("%w: kid %.50q: %w", ErrUnknownKey, u.KID(), err)
	}
	if k == nil {
		return nil, fmt.Errorf("%w: kid %.50q", ErrUnknownKey, u.KID())
	}
	if k.Alg() != u.Alg() {
		return nil, fmt.Errorf("%w: %w: header %s, key %s", ErrSignature, keys.ErrAlgMismatch, u.Alg(), k.Alg())
	}
	if !large {
		payload, err := u.Verify(k)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrSignature, err)
		}
		return payload, nil
	}
	if pay == "" || !isB64URL(pay) {
		return nil, fmt.Errorf("%w: %w: payload is not unpadded base64url", ErrJWS, keys.ErrMalformed)
	}
	payload, err := b64.DecodeString(pay)
	if err != nil {
		return nil, fmt.Errorf("%w: %w: payload is not canonical base64url", ErrJWS, keys.ErrMalformed)
	}
	s, err := b64.DecodeString(sig) // keys checked it: canonical, 64 bytes
	if err != nil {
		return nil, fmt.Errorf("%w: %w: signature", ErrJWS, keys.ErrMalformed)
	}
	if !verifySignature(k, compact[:len(hdr)+1+len(pay)], s) {
		return nil, fmt.Errorf("%w: kid %q", ErrSignature, u.KID())
	}
	return payload, nil
}

// verifySignature checks a JWS signature (ES256 r || s, or EdDSA) over
// the signing input.
func verifySignature(k *keys.PublicKey, input string, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	switch pub := k.Raw().(type) {
	case *ecdsa.PublicKey:
		h := sha256.Sum256([]byte(input))
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		return ecdsa.Verify(pub, h[:], r, s)
	case ed25519.PublicKey:
		return ed25519.Verify(pub, []byte(input), sig)
	}
	return false
}

// signLarge signs payload with s, whose public half is k's, under the
// header crypto/keys writes: {"alg":..,"kid":..,"typ":..}. The signature
// is checked before it is returned, so a faulty signer cannot publish a
// list no counter accepts.
func signLarge(s crypto.Signer, k *keys.PrivateKey, payload []byte) (string, error) {
	header := `{"alg":"` + string(k.Alg()) + `","kid":"` + k.KID() + `","typ":"` + Typ + `"}`
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString(payload)
	var sig []byte
	switch k.Alg() {
	case keys.ES256:
		h := sha256.Sum256([]byte(input))
		der, err := s.Sign(rand.Reader, h[:], crypto.SHA256)
		if err != nil {
			return "", fmt.Errorf("sign: %w", err)
		}
		var rs struct{ R, S *big.Int }
		rest, err := asn1.Unmarshal(der, &rs)
		if err != nil || len(rest) != 0 || rs.R.Sign() <= 0 || rs.S.Sign() <= 0 || rs.R.BitLen() > 256 || rs.S.BitLen() > 256 {
			return "", errors.New("sign: the signer's ECDSA signature is not ASN.1 DER of two 256-bit integers")
		}
		sig = make([]byte, 64)
		rs.R.FillBytes(sig[:32])
		rs.S.FillBytes(sig[32:])
	case keys.EdDSA:
		var err error
		if sig, err = s.Sign(rand.Reader, []byte(input), crypto.Hash(0)); err != nil {
			return "", fmt.Errorf("sign: %w", err)
		}
	default:
		return "", fmt.Errorf("sign: %w: alg %q", keys.ErrUnsupportedKey, k.Alg())
	}
	if !verifySignature(k.Public(), input, sig) {
		return "", fmt.Errorf("sign: %w: the signer's signature does not verify under its public key", keys.ErrInvalidKey)
	}
	out := input + "." + b64.EncodeToString(sig)
	if len(out) > MaxTokenSize(MaxListBytes) {
		return "", fmt.Errorf("%w: %d bytes", ErrTokenTooLarge, len(out))
	}
	return out, nil
}

// memorySigner returns the standard library key behind an in-memory
// keys.PrivateKey, read through its private JWK (crypto/keys has no other
// way out), and checks it is k's. The JWK bytes are wiped after use.
func memorySigner(k *keys.PrivateKey) (crypto.Signer, error) {
	j, err := k.MarshalJSON()
	if err != nil {
		return nil, err
	}
	defer clear(j)
	var m struct {
		D string `json:"d"`
	}
	if err := json.Unmarshal(j, &m); err != nil {
		return nil, fmt.Errorf("%w: private JWK: %v", keys.ErrInvalidKey, err)
	}
	d, err := b64.DecodeString(m.D)
	if err != nil {
		return nil, fmt.Errorf("%w: private JWK d", keys.ErrInvalidKey)
	}
	defer clear(d)
	switch k.Alg() {
	case keys.ES256:
		priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", keys.ErrInvalidKey, err)
		}
		if pub, ok := k.Public().Raw().(*ecdsa.PublicKey); !ok || !pub.Equal(&priv.PublicKey) {
			return nil, fmt.Errorf("%w: private JWK is not the key's", keys.ErrInvalidKey)
		}
		return priv, nil
	case keys.EdDSA:
		if len(d) != ed25519.SeedSize {
			return nil, fmt.Errorf("%w: Ed25519 seed of %d bytes", keys.ErrInvalidKey, len(d))
		}
		priv := ed25519.NewKeyFromSeed(d)
		if pub, ok := k.Public().Raw().(ed25519.PublicKey); !ok || !pub.Equal(priv.Public()) {
			return nil, fmt.Errorf("%w: private JWK is not the key's", keys.ErrInvalidKey)
		}
		return priv, nil
	}
	return nil, fmt.Errorf("%w: alg %q", keys.ErrUnsupportedKey, k.Alg())
}
