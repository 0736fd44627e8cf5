package warehouse

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"golang.org/x/crypto/chacha20poly1305"
)

// KeyStore holds the private halves of the province's keys: the root key
// that signs the trust list and the agencies' credential signing keys.
// They are never in the Store (the database), so a copy of the database
// signs nothing. Every API process of one warehouse uses the same
// KeyStore.
type KeyStore interface {
	// Key returns the private key called name, generating one with alg
	// the first time; of processes that ask at once, all get the same key.
	Key(name string, alg keys.Alg) (*keys.PrivateKey, error)
}

// FileKeys is a KeyStore in a directory: one JWK file per key, mode
// 0600, in a 0700 directory. It is the reference server's; a province
// keeps its keys in an HSM.
type FileKeys string

var _ KeyStore = FileKeys("")

// Key implements KeyStore. A new key is written to a temporary file and
// linked into place, so two processes that generate at once end up with
// the one that was linked first.
func (d FileKeys) Key(name string, alg keys.Alg) (*keys.PrivateKey, error) {
	if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		return nil, fmt.Errorf("key store: bad key name %q", name)
	}
	path := filepath.Join(string(d), name+".jwk")
	if k, err := readKey(path); !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	k, err := keys.Generate(alg)
	if err != nil {
		return nil, fmt.Errorf("key store: %w", err)
	}
	b, err := k.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("key store: %w", err)
	}
	if err := writeNew(string(d), path, b); err != nil {
		return nil, fmt.Errorf("key store: write %s: %w", name, err)
	}
	return readKey(path)
}

func readKey(path string) (*keys.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := keys.ParsePrivateJWK(b)
	if err != nil {
		return nil, fmt.Errorf("key store: %s: %w", filepath.Base(path), err)
	}
	return k, nil
}

// SealedFileKeys is FileKeys with every key sealed under a key-encryption
// key (XChaCha20-Poly1305, the key's name as associated data), so a copy
// of the directory alone signs nothing: the KEK is kept elsewhere (a
// secrets mount, a systemd credential). A plain key file left by
// FileKeys is sealed on first use and removed.
type SealedFileKeys struct {
	Dir string
	KEK []byte // 32 bytes
}

var _ KeyStore = SealedFileKeys{}

// ErrWrongKEK: a sealed key does not open with the key-encryption key
// given (the wrong KEK, or a damaged file).
var ErrWrongKEK = errors.New("key store: a sealed key does not open with this key-encryption key")

const sealedPrefix = "cw-sealed-key-v1:"

// Key implements KeyStore.
func (d SealedFileKeys) Key(name string, alg keys.Alg) (*keys.PrivateKey, error) {
	if len(d.KEK) != chacha20poly1305.KeySize {
		return nil, fmt.Errorf("key store: the key-encryption key must be %d bytes", chacha20poly1305.KeySize)
	}
	if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		return nil, fmt.Errorf("key store: bad key name %q", name)
	}
	aead, _ := chacha20poly1305.NewX(d.KEK)
	path := filepath.Join(d.Dir, name+".sealed")
	read := func() (*keys.PrivateKey, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		text, ok := strings.CutPrefix(strings.TrimSpace(string(b)), sealedPrefix)
		raw, err := base64.RawURLEncoding.DecodeString(text)
		if !ok || err != nil || len(raw) < aead.NonceSize() {
			return nil, fmt.Errorf("%w: %s is not a sealed key", ErrWrongKEK, name)
		}
		plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(name))
		if err != nil {
			return nil, fmt.Errorf("%w: %s", ErrWrongKEK, name)
		}
		return keys.ParsePrivateJWK(plain)
	}
	if k, err := read(); !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	// A plain key of FileKeys is taken over; else a new one is made.
	plainPath := filepath.Join(d.Dir, name+".jwk")
	k, err := readKey(plainPath)
	if errors.Is(err, fs.ErrNotExist) {
		k, err = keys.Generate(alg)
	}
	if err != nil {
		return nil, fmt.Errorf("key store: %w", err)
	}
	b, err := k.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("key store: %w", err)
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	sealed := sealedPrefix + base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, b, []byte(name)))
	if err := writeNew(d.Dir, path, []byte(sealed)); err != nil {
		return nil, fmt.Errorf("key store: write %s: %w", name, err)
	}
	k, err = read() // the one linked first, if another process raced us
	if err == nil {
		os.Remove(plainPath)
	}
	return k, err
}

// writeNew writes b to a temporary file in dir, syncs it and links it to
// path, unless path exists (then the existing file stays).
func writeNew(dir, path string, b []byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".new-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}
