package warehouse

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/vnwallet/citizenwallet/crypto/keys"
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
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return nil, fmt.Errorf("key store: %w", err)
	}
	k, err := keys.Generate(alg)
	if err != nil {
		return nil, fmt.Errorf("key store: %w", err)
	}
	b, err := k.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("key store: %w", err)
	}
	tmp, err := os.CreateTemp(string(d), ".new-*")
	if err != nil {
		return nil, fmt.Errorf("key store: %w", err)
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
		return nil, fmt.Errorf("key store: write %s: %w", name, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("key store: %w", err)
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
