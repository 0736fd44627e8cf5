package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
)

// NewSigner returns a PrivateKey whose signatures are made by s, a key
// held elsewhere: an HSM reached by PKCS#11, a KMS. Its private half
// never passes through this package, so MarshalJSON fails with
// ErrNotExportable; Public, KID, Alg, Sign and SignJWT work as for any
// other key, and what it signs verifies with Verify.
//
// s.Public() must be a P-256 *ecdsa.PublicKey (ES256) or an
// ed25519.PublicKey (EdDSA); anything else is ErrUnsupportedKey. s must
// follow the crypto.Signer contract: for ES256 it is given the SHA-256
// digest with crypto.SHA256 and returns an ASN.1 DER signature, which
// Sign turns into the JWS form (r || s, 64 bytes); for EdDSA it is given
// the message with crypto.Hash(0).
//
// NewSigner makes one signature with s and checks it under s.Public(),
// so a signer whose public half does not belong to its private half (a
// mislabelled HSM object) is refused here (ErrInvalidKey) instead of
// issuing signatures no one can verify. The key is safe for concurrent
// use if s is.
func NewSigner(s crypto.Signer) (*PrivateKey, error) {
	if s == nil {
		return nil, fmt.Errorf("keys: new signer: %w: no signer", ErrInvalidKey)
	}
	var pub *PublicKey
	switch p := s.Public().(type) {
	case *ecdsa.PublicKey:
		if p == nil || p.Curve != elliptic.P256() {
			return nil, fmt.Errorf("keys: new signer: %w: ECDSA key is not on P-256", ErrUnsupportedKey)
		}
		// Re-parse so the key is checked to be on the curve and is ours,
		// not one the signer may still change.
		b, err := p.Bytes()
		if err != nil {
			return nil, fmt.Errorf("keys: new signer: %w: %v", ErrInvalidKey, err)
		}
		ek, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), b)
		if err != nil {
			return nil, fmt.Errorf("keys: new signer: %w: %v", ErrInvalidKey, err)
		}
		pub = newECPublic(ek)
	case ed25519.PublicKey:
		if len(p) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("keys: new signer: %w: Ed25519 public key must be %d bytes", ErrInvalidKey, ed25519.PublicKeySize)
		}
		pub = newEdPublic(append(ed25519.PublicKey(nil), p...))
	default:
		return nil, fmt.Errorf("keys: new signer: %w: public key %T", ErrUnsupportedKey, p)
	}
	if err := selfTest(s, pub); err != nil {
		return nil, fmt.Errorf("keys: new signer: %w", err)
	}
	return &PrivateKey{pub: pub, signer: s}, nil
}

// selfTest signs a fixed message with s the way Sign will and verifies
// the signature under pub.
func selfTest(s crypto.Signer, pub *PublicKey) error {
	msg := []byte("keys: NewSigner self-test")
	if pub.alg == ES256 {
		digest := sha256.Sum256(msg)
		sig, err := s.Sign(rand.Reader, digest[:], crypto.SHA256)
		if err != nil {
			return fmt.Errorf("test signature: %w", err)
		}
		if !ecdsa.VerifyASN1(pub.ec, digest[:], sig) {
			return fmt.Errorf("%w: the signer's test signature does not verify under its public key (or is not ASN.1 DER)", ErrInvalidKey)
		}
		return nil
	}
	sig, err := s.Sign(rand.Reader, msg, crypto.Hash(0))
	if err != nil {
		return fmt.Errorf("test signature: %w", err)
	}
	if !ed25519.Verify(pub.ed, msg, sig) {
		return fmt.Errorf("%w: the signer's test signature does not verify under its public key", ErrInvalidKey)
	}
	return nil
}

// External reports whether k signs through an external crypto.Signer
// (NewSigner) and so cannot be marshalled.
func (k *PrivateKey) External() bool { return k != nil && k.signer != nil }
