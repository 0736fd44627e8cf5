package vault

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"sync"
)

// KeyLen is the length of the master key and of every subkey.
const KeyLen = 32

// Key is a profile's 32-byte random master key. Records are never
// encrypted with it directly: callers derive one subkey per purpose with
// Subkey. A Key is safe for concurrent use. It must not be copied (it
// holds a mutex; go vet reports copies).
type Key struct {
	mu    sync.RWMutex
	b     [KeyLen]byte
	wiped bool
}

// NewKey returns a fresh master key from crypto/rand.
func NewKey() (*Key, error) {
	k := new(Key)
	if _, err := rand.Read(k.b[:]); err != nil { // never fails since Go 1.24; kept for clarity
		return nil, fmt.Errorf("new master key: %w", err)
	}
	return k, nil
}

// keyFromBytes copies b (which must be KeyLen bytes) into a new Key.
func keyFromBytes(b []byte) *Key {
	k := new(Key)
	copy(k.b[:], b)
	return k
}

// Subkey returns the 32-byte key HKDF-SHA256(master, salt = none,
// info = label). The same label always gives the same subkey; distinct
// labels give independent keys. Labels are fixed strings chosen by the
// caller ("badger", "seal/records" ...).
//
// After Wipe, Subkey returns nil. Every consumer in this package rejects
// a nil key (NewSealer returns an error for it, as do the standard
// library's ciphers), so a wiped key fails closed with an error instead
// of silently yielding an all-zero or predictable key.
func (k *Key) Subkey(label string) []byte {
	if k == nil {
		return nil
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.wiped {
		return nil
	}
	sub, err := hkdf.Key(sha256.New, k.b[:], nil, label, KeyLen)
	if err != nil { // only for output lengths HKDF cannot produce; 32 is always fine
		return nil
	}
	return sub
}

// Wipe zeroes the key bytes and marks the key wiped: Subkey returns nil
// and the key can no longer be wrapped (NewHeader and Rewrap return an
// error). Wipe is idempotent and safe to call on a nil Key.
//
// Go cannot guarantee that no other copy of the bytes exists (the garbage
// collector may have moved memory, subkeys live in their ciphers), so
// Wipe shortens the key's life in memory; it is not a guarantee.
func (k *Key) Wipe() {
	if k == nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	clear(k.b[:])
	k.wiped = true
}

// Wiped reports whether Wipe was called (a nil Key counts as wiped).
func (k *Key) Wiped() bool {
	if k == nil {
		return true
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.wiped
}

// withBytes calls f with the key bytes under the read lock, or returns
// an error if the key is wiped.
func (k *Key) withBytes(f func(b []byte) error) error {
	if k == nil {
		return fmt.Errorf("vault: nil master key")
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.wiped {
		return fmt.Errorf("vault: master key was wiped")
	}
	return f(k.b[:])
}
