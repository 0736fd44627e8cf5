package sdjwt

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// SeedSize is the size of an issuance seed (IssueRequest.Seed).
const SeedSize = 32

// Seeded issuance: with IssueRequest.Seed set, Issue derives every salt
// and decoy of the credential from the seed instead of drawing each at
// random:
//
//	salt of claim name  = base64url(HMAC-SHA256(seed, "sd-jwt salt" 0x00 name)[:16])
//	decoy number j      = base64url(HMAC-SHA256(seed, "sd-jwt decoy" 0x00 uint32be(j)))
//
// The credential is an ordinary SD-JWT: its salts are 128-bit and its
// decoys 256-bit values that nobody without the seed can tell from
// random ones (HMAC-SHA256 is a pseudo-random function of its key), so a
// verifier that sees some disclosures learns nothing of the other salts,
// and cannot tell decoys from hidden claims. What the seed buys is the
// transfer: the issuer can send the holder the seed (32 bytes) instead of
// every salt (16 bytes a claim) and decoy (32 bytes each), and the
// holder rebuilds the byte-exact credential (sync/protocol's compact
// form). The seed must be random and used for one credential only, and
// it must never reach a verifier: whoever has it can tell every hidden
// claim's digest by trying values.

// SeededSalt is the salt Issue writes for claim name under seed.
func SeededSalt(seed []byte, name string) string {
	m := hmac.New(sha256.New, seed)
	m.Write([]byte("sd-jwt salt\x00"))
	m.Write([]byte(name))
	return b64.EncodeToString(m.Sum(nil)[:16])
}

// SeededDecoy is decoy digest number j (from 0) Issue writes under seed.
func SeededDecoy(seed []byte, j int) string {
	m := hmac.New(sha256.New, seed)
	m.Write([]byte("sd-jwt decoy\x00"))
	m.Write(binary.BigEndian.AppendUint32(nil, uint32(j)))
	return b64.EncodeToString(m.Sum(nil))
}

// checkSeed accepts no seed or one of SeedSize bytes.
func checkSeed(seed []byte) error {
	if seed != nil && len(seed) != SeedSize {
		return fmt.Errorf("seed of %d bytes, want %d", len(seed), SeedSize)
	}
	return nil
}
