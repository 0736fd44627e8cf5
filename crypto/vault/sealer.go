package vault

import (
	"crypto/cipher"
	"crypto/rand"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// SealOverhead is how many bytes Seal adds to a plaintext: the 24-byte
// nonce and the 16-byte Poly1305 tag.
const SealOverhead = chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead

// Sealer seals values with XChaCha20-Poly1305 under one 32-byte key. It is
// safe for concurrent use. The key is copied into the cipher; callers
// should clear their own copy after NewSealer.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer for a 32-byte key (a Key.Subkey). A nil key,
// which is what Subkey returns for a wiped Key, is an error.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != chacha20poly1305.KeySize {
		return nil, fmt.Errorf("new sealer: key is %d bytes, want %d", len(key), chacha20poly1305.KeySize)
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("new sealer: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts and authenticates plaintext, binding it to ad (for
// example the store key the value lives under, so values cannot be
// swapped between keys). The result is a random 24-byte nonce followed by
// the ciphertext and tag: len(plaintext) + SealOverhead bytes. Random
// 192-bit nonces make a collision negligible for any number of values one
// key will ever seal.
func (s *Sealer) Seal(ad, plaintext []byte) []byte {
	out := make([]byte, chacha20poly1305.NonceSizeX, len(plaintext)+SealOverhead)
	rand.Read(out) // never returns an error since Go 1.24 (it crashes instead)
	return s.aead.Seal(out, out, plaintext, ad)
}

// Open authenticates and decrypts a value made by Seal with the same ad.
// Any failure (input shorter than SealOverhead, a changed byte, another
// key or another ad) gives ErrIntegrity; it never returns unauthenticated
// data.
func (s *Sealer) Open(ad, sealed []byte) ([]byte, error) {
	if len(sealed) < SealOverhead {
		return nil, fmt.Errorf("open sealed value: %d bytes, shorter than %d: %w", len(sealed), SealOverhead, ErrIntegrity)
	}
	nonce, ct := sealed[:chacha20poly1305.NonceSizeX], sealed[chacha20poly1305.NonceSizeX:]
	pt, err := s.aead.Open(nil, nonce, ct, ad)
	if err != nil {
		return nil, fmt.Errorf("open sealed value: %w", ErrIntegrity)
	}
	return pt, nil
}
