package warehouse_test

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

func newKEK(t *testing.T) []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

// Sealed key files: nothing of the private key on disk in the clear; the
// same key back with the KEK, a clear error with another KEK, a damaged
// file or a file under another key's name; a plain FileKeys key taken
// over (and removed); processes that ask at once get one key.
func TestSealedFileKeys(t *testing.T) {
	dir := t.TempDir()
	kek := newKEK(t)
	ks := warehouse.SealedFileKeys{Dir: dir, KEK: kek}
	root, err := ks.Key("root", keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	jwk, _ := root.MarshalJSON()
	var m map[string]string
	json.Unmarshal(jwk, &m)
	b, err := os.ReadFile(filepath.Join(dir, "root.sealed"))
	if err != nil {
		t.Fatal(err)
	}
	if m["d"] == "" || strings.Contains(string(b), m["d"]) || strings.Contains(string(b), `"d"`) {
		t.Fatalf("the sealed file shows the private key: %s", b)
	}
	if st, _ := os.Stat(filepath.Join(dir, "root.sealed")); st.Mode().Perm() != 0o600 {
		t.Errorf("sealed key mode %v", st.Mode().Perm())
	}
	again, err := ks.Key("root", keys.ES256)
	if err != nil || again.KID() != root.KID() {
		t.Errorf("the same key again: %v %v", again, err)
	}
	if _, err := (warehouse.SealedFileKeys{Dir: dir, KEK: newKEK(t)}).Key("root", keys.ES256); !errors.Is(err, warehouse.ErrWrongKEK) {
		t.Errorf("another KEK: %v; want ErrWrongKEK", err)
	}
	// A file copied to another key's name does not open (the name is
	// bound in).
	os.WriteFile(filepath.Join(dir, "other.sealed"), b, 0o600)
	if _, err := ks.Key("other", keys.ES256); !errors.Is(err, warehouse.ErrWrongKEK) {
		t.Errorf("a sealed key under another name: %v; want ErrWrongKEK", err)
	}
	damaged := append([]byte(nil), b...)
	damaged[len(damaged)-5] = flip(damaged[len(damaged)-5])
	os.WriteFile(filepath.Join(dir, "root.sealed"), damaged, 0o600)
	if _, err := ks.Key("root", keys.ES256); !errors.Is(err, warehouse.ErrWrongKEK) {
		t.Errorf("a damaged sealed key: %v; want ErrWrongKEK", err)
	}
	if _, err := (warehouse.SealedFileKeys{Dir: dir, KEK: kek[:16]}).Key("x", keys.ES256); err == nil {
		t.Error("a 16-byte KEK was taken")
	}

	// A plain key from FileKeys is sealed and its plain file removed.
	plain, err := warehouse.FileKeys(dir).Key("agency-1", keys.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	taken, err := ks.Key("agency-1", keys.ES256)
	if err != nil || taken.KID() != plain.KID() {
		t.Fatalf("taking over a plain key: %v %v", taken, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "agency-1.jwk")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the plain key file is still there: %v", err)
	}

	var wg sync.WaitGroup
	kids := make([]string, 8)
	for i := range kids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := ks.Key("shared", keys.ES256)
			if err != nil {
				t.Error(err)
				return
			}
			kids[i] = k.KID()
		}()
	}
	wg.Wait()
	for _, k := range kids {
		if k != kids[0] {
			t.Fatalf("concurrent first use gave different keys: %v", kids)
		}
	}
}

// flip returns a different base64url character.
func flip(c byte) byte {
	if c == 'A' {
		return 'B'
	}
	return 'A'
}
