package pkcs11keys_test

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/statuslist"
)

// TestStatusListSignedInHSM: an agency key held in the token signs a
// province-size status list (far over crypto/keys' 64 KiB for other
// JWS), through keys.SignMax and the token's crypto.Signer, and a
// counter verifies it with the public key alone.
func TestStatusListSignedInHSM(t *testing.T) {
	tk := newToken(t, "status")
	s := open(t, tk.config())
	k := mustKey(t, s, "agency")
	if !k.External() {
		t.Fatal("the key is not the token's")
	}
	// 2^24 entries with one in a hundred withdrawn at random: ≈ 1.8 MB.
	l, err := statuslist.New(1, 1<<24)
	if err != nil {
		t.Fatal(err)
	}
	var b [4]byte
	for range 1 << 24 / 100 {
		_, _ = rand.Read(b[:])
		_ = l.Set(int(uint32(b[0])|uint32(b[1])<<8|uint32(b[2])<<16), statuslist.Invalid)
	}
	const uri = "https://dulieu.dongnai.gov.vn/status/v1/vn.bhxh.dongnai/0"
	now := time.Now().Truncate(time.Second)
	signed, err := (&statuslist.Token{Subject: uri, IssuedAt: now, TTL: time.Hour, List: l, Compression: 6}).Sign(k)
	if err != nil {
		t.Fatal(err)
	}
	if len(signed) <= keys.MaxJWSSize {
		t.Fatalf("a %d-byte token is not a large one", len(signed))
	}
	pub := k.Public()
	got, err := statuslist.Verify(signed, statuslist.VerifyOptions{Subject: uri, Now: now, Keys: func(kid string) (*keys.PublicKey, error) {
		return keys.StaticKey(pub)(kid, keys.ES256)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got.List.Len() != 1<<24 {
		t.Fatalf("%d entries", got.List.Len())
	}
	t.Logf("2^24 entries, 1 %% withdrawn: token %d bytes", len(signed))
}
