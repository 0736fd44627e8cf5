package vault

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"sync"
	"testing"
)

func TestNewKeyRandom(t *testing.T) {
	a, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	if a.b == b.b {
		t.Fatal("two new keys are equal")
	}
	if a.b == [KeyLen]byte{} {
		t.Fatal("new key is all zero")
	}
	if a.Wiped() {
		t.Fatal("new key reports wiped")
	}
}

func TestSubkey(t *testing.T) {
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	labels := []string{"badger", "seal/records", "seal/meta", "", "badger "}
	seen := map[string]string{}
	for _, l := range labels {
		s1, s2 := k.Subkey(l), k.Subkey(l)
		if len(s1) != KeyLen {
			t.Fatalf("Subkey(%q) is %d bytes", l, len(s1))
		}
		if !bytes.Equal(s1, s2) {
			t.Fatalf("Subkey(%q) is not deterministic", l)
		}
		if bytes.Equal(s1, k.b[:]) {
			t.Fatalf("Subkey(%q) is the master key", l)
		}
		if prev, ok := seen[string(s1)]; ok {
			t.Fatalf("Subkey(%q) == Subkey(%q)", l, prev)
		}
		seen[string(s1)] = l
		// It is HKDF-SHA256 with no salt and the label as info.
		want, err := hkdf.Key(sha256.New, k.b[:], nil, l, KeyLen)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(s1, want) {
			t.Fatalf("Subkey(%q) is not HKDF-SHA256(master, info=label)", l)
		}
	}
	// Another master key gives other subkeys.
	k2, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(k.Subkey("badger"), k2.Subkey("badger")) {
		t.Fatal("different master keys give the same subkey")
	}
}

// TestSubkeyDefinition recomputes Subkey from RFC 5869's definition
// with plain HMAC-SHA256, independently of crypto/hkdf: PRK =
// HMAC(salt = 32 zero bytes, master), OKM = HMAC(PRK, label || 0x01),
// one block being exactly the 32 bytes Subkey returns.
func TestSubkeyDefinition(t *testing.T) {
	k := keyFromBytes(bytes.Repeat([]byte{0x0b}, KeyLen))
	for _, label := range []string{"badger", "seal/records", ""} {
		prk := hmacSHA256(make([]byte, sha256.Size), k.b[:])
		want := hmacSHA256(prk, append([]byte(label), 1))
		if got := k.Subkey(label); !bytes.Equal(got, want) {
			t.Fatalf("Subkey(%q) = %x, want %x", label, got, want)
		}
	}
}

func hmacSHA256(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

func TestWipe(t *testing.T) {
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	k.Wipe()
	if !k.Wiped() {
		t.Fatal("Wiped() = false after Wipe")
	}
	if k.b != [KeyLen]byte{} {
		t.Fatal("key bytes not zeroed")
	}
	if s := k.Subkey("badger"); s != nil {
		t.Fatalf("Subkey after Wipe = %x, want nil", s)
	}
	if _, err := NewSealer(k.Subkey("seal")); err == nil {
		t.Fatal("NewSealer accepted the subkey of a wiped key")
	}
	if _, err := NewHeader([]byte("1234"), testParams, k); err == nil {
		t.Fatal("NewHeader wrapped a wiped key")
	}
	k.Wipe() // idempotent
	var nilKey *Key
	nilKey.Wipe()
	if !nilKey.Wiped() || nilKey.Subkey("x") != nil {
		t.Fatal("nil key is not treated as wiped")
	}
}

// TestKeyConcurrent runs Subkey and Wipe together under the race detector.
func TestKeyConcurrent(t *testing.T) {
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	want := k.Subkey("x")
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				if s := k.Subkey("x"); s != nil && !bytes.Equal(s, want) {
					t.Error("Subkey returned a different key while wiping")
					return
				}
			}
		})
	}
	wg.Go(k.Wipe)
	wg.Wait()
	if k.Subkey("x") != nil {
		t.Fatal("Subkey after concurrent Wipe is not nil")
	}
}
