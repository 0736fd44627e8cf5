package vault

import (
	"testing"

	"github.com/vnwallet/citizenwallet/crypto/kdf"
)

// BenchmarkUnwrapDefault is the unlock cost of a real profile: one
// Argon2id derivation with kdf.Default and one AEAD open.
func BenchmarkUnwrapDefault(b *testing.B) {
	k := mustKey(b)
	h, err := NewHeader([]byte("123456"), kdf.Default, k)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Unwrap([]byte("123456")); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseHeader(b *testing.B) {
	raw := mustMarshal(b, mustHeader(b, "123456", mustKey(b)))
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseHeader(raw); err != nil {
			b.Fatal(err)
		}
	}
}

const benchValueLen = 2 << 10

func BenchmarkSeal(b *testing.B) {
	s := mustSealer(b)
	ad, pt := []byte("record/01J9ZK/v2"), make([]byte, benchValueLen)
	b.SetBytes(benchValueLen)
	b.ReportAllocs()
	for b.Loop() {
		s.Seal(ad, pt)
	}
}

func BenchmarkOpen(b *testing.B) {
	s := mustSealer(b)
	ad := []byte("record/01J9ZK/v2")
	sealed := s.Seal(ad, make([]byte, benchValueLen))
	b.SetBytes(benchValueLen)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Open(ad, sealed); err != nil {
			b.Fatal(err)
		}
	}
}
