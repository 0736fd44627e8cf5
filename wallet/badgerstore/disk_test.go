package badgerstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/vnwallet/citizenwallet/crypto/kdf"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

var testOpts = Options{KDF: kdf.Test()}

const testPIN = "246810"

// fill creates a profile holding a marked record of every type and
// returns the records as stored.
func fill(t *testing.T, dir, marker string) []wallet.Record {
	t.Helper()
	ctx := context.Background()
	p := sample.Profile(42)
	s, err := Create(dir, []byte(testPIN), p, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	var recs []wallet.Record
	for _, typ := range wallet.Types() {
		recs = append(recs, sample.WithMarker(sample.Record(typ, 42), marker))
	}
	if err := s.Apply(ctx, wallet.Batch{Records: recs, Meta: map[string][]byte{"note": []byte(marker)}}); err != nil {
		t.Fatal(err)
	}
	stored, err := s.Records(ctx, wallet.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return stored
}

// TestNoPlaintextOnDisk writes records holding a unique marker, closes the
// store and scans every byte of every file under the profile directory:
// neither the marker nor the citizen's number, name, record ids or type
// codes may appear (badger's at-rest encryption covers keys and the index;
// the sealing covers values).
func TestNoPlaintextOnDisk(t *testing.T) {
	dir := t.TempDir()
	marker := "MARKER-7f3a9c-ĐÂY-LÀ-BÍ-MẬT"
	recs := fill(t, dir, marker)
	p := sample.Profile(42)
	needles := map[string][]byte{
		"marker":       []byte(marker),
		"marker ascii": []byte("MARKER-7f3a9c"),
		"citizen id":   []byte(p.CitizenID),
		"full name":    []byte(p.FullName),
		"record id":    []byte(recs[0].ID),
		"type code":    []byte("health.insurance_card"),
		"issuer":       []byte(recs[0].Issuer),
		"meta key":     []byte("note"),
	}
	// Also every name word of three or more letters: a name must not leak
	// even in pieces.
	for _, w := range strings.Fields(p.FullName) {
		if len([]rune(w)) >= 3 {
			needles["name part "+w] = []byte(w)
		}
	}
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for what, n := range needles {
			if bytes.Contains(b, n) {
				t.Errorf("%s: %s %q found in plain text", path, what, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 3 {
		t.Fatalf("scanned only %d files", files)
	}
	// The scan would have found them: the marker really is in the records.
	if !strings.Contains(fmt.Sprint(recs), marker) {
		t.Fatal("marker not in the stored records")
	}
}

// rawSwap reaches under the sealing with the store's own badger handle,
// as an attacker who could write the database would.
func rawGet(t *testing.T, s *Store, k []byte) []byte {
	t.Helper()
	var v []byte
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(k)
		if err != nil {
			return err
		}
		v, err = item.ValueCopy(nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func rawSet(t *testing.T, s *Store, k, v []byte) {
	t.Helper()
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set(k, v) }); err != nil {
		t.Fatal(err)
	}
}

func TestSwappedAndEditedValues(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	recs := fill(t, dir, "m")
	s, err := Open(dir, []byte(testPIN), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, b := recs[0], recs[1]
	ka, kb := recordKey(a.ID, a.Version), recordKey(b.ID, b.Version)
	va, vb := rawGet(t, s, ka), rawGet(t, s, kb)

	// Two values swapped between keys: both fail closed.
	rawSet(t, s, ka, vb)
	rawSet(t, s, kb, va)
	for _, id := range []string{a.ID, b.ID} {
		if r, err := s.Record(ctx, id); !errors.Is(err, wallet.ErrIntegrity) {
			t.Errorf("swapped value of %s: Record = %+v, %v; want ErrIntegrity", id, r.ID, err)
		} else if !strings.Contains(err.Error(), "integrity") {
			t.Errorf("error %q does not name integrity", err)
		}
	}
	if _, err := s.Records(ctx, wallet.Query{}); !errors.Is(err, wallet.ErrIntegrity) {
		t.Errorf("Records over a swapped value = %v; want ErrIntegrity", err)
	}
	rawSet(t, s, ka, va)
	rawSet(t, s, kb, vb)
	if got, err := s.Record(ctx, a.ID); err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("restored value: %v", err)
	}

	// Every single flipped bit of a sealed value fails closed.
	for i := 0; i < len(va); i += 7 {
		edited := bytes.Clone(va)
		edited[i] ^= 0x10
		rawSet(t, s, ka, edited)
		if _, err := s.Record(ctx, a.ID); !errors.Is(err, wallet.ErrIntegrity) {
			t.Fatalf("flip at %d of %d: Record = %v; want ErrIntegrity", i, len(va), err)
		}
	}
	rawSet(t, s, ka, va)

	// Index entries, the profile and meta values are sealed the same way.
	ix := indexKey(a)
	rawSet(t, s, ix, rawGet(t, s, indexKey(b)))
	if _, err := s.Counts(ctx); !errors.Is(err, wallet.ErrIntegrity) {
		t.Errorf("Counts over a swapped index entry = %v; want ErrIntegrity", err)
	}
	rawSet(t, s, []byte(prefixProfile), rawGet(t, s, metaKey("note")))
	if _, err := s.Profile(ctx); !errors.Is(err, wallet.ErrIntegrity) {
		t.Errorf("Profile replaced by a meta value = %v; want ErrIntegrity", err)
	}
	s.Close()
	if _, err := Open(dir, []byte(testPIN), testOpts); !errors.Is(err, wallet.ErrIntegrity) {
		t.Errorf("Open with a replaced profile = %v; want ErrIntegrity", err)
	}
}

// TestFlippedBytesInFiles flips one byte at many places of every database
// file. Whatever badger makes of it, the store either fails with
// wallet.ErrIntegrity (or refuses to open) or returns exactly the data
// that was written: never other data, never a panic.
func TestFlippedBytesInFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	ctx := context.Background()
	pristine := t.TempDir()
	recs := fill(t, pristine, "m")
	var files []string
	filepath.WalkDir(filepath.Join(pristine, dbDir), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".sst") || strings.HasSuffix(path, ".vlog")) {
			files = append(files, path)
		}
		return nil
	})
	if len(files) == 0 {
		t.Fatal("no table or value-log file")
	}
	detected, intact := 0, 0
	for _, f := range files {
		size := fileSize(t, f)
		rel, _ := filepath.Rel(pristine, f)
		const flips = 64
		for n := 0; n < flips; n++ {
			off := size * int64(n) / flips
			if n > 0 && off == size*int64(n-1)/flips {
				continue // a small file: each byte once
			}
			dir := t.TempDir()
			copyDir(t, pristine, dir)
			flipByte(t, filepath.Join(dir, rel), off)
			s, err := Open(dir, []byte(testPIN), testOpts)
			if err != nil {
				if !errors.Is(err, wallet.ErrIntegrity) {
					t.Errorf("%s@%d: Open = %v; want ErrIntegrity", rel, off, err)
				}
				detected++
				continue
			}
			all, err := s.Records(ctx, wallet.Query{})
			switch {
			case errors.Is(err, wallet.ErrIntegrity):
				detected++
			case err != nil:
				t.Errorf("%s@%d: Records = %v; want ErrIntegrity", rel, off, err)
			case !reflect.DeepEqual(all, recs):
				t.Errorf("%s@%d: Records returned other data than was written (%d of %d records)", rel, off, len(all), len(recs))
			default:
				intact++ // the byte was unused space (padding, a deleted entry)
			}
			s.Close()
		}
	}
	t.Logf("%d files: %d flips detected, %d left the data intact", len(files), detected, intact)
	if detected == 0 {
		t.Error("no flip was detected")
	}
}

func fileSize(t *testing.T, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func flipByte(t *testing.T, path string, off int64) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x5a
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func copyDir(t *testing.T, from, to string) {
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o700)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}
