//go:build unix

package badgerstore_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// checkModes walks dir and fails on any folder that is not 0700 and any
// regular file that is not 0600. Badger's background flush and compaction
// write tables (.sst) while a store is open, which only the next write or
// Close makes 0600 (see restrictFiles), so with open set those are left
// out. It records every file name it saw in seen.
func checkModes(t *testing.T, dir, when string, open bool, seen map[string]bool) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		switch {
		case d.IsDir():
			if got := info.Mode().Perm(); got != 0o700 {
				t.Errorf("%s: folder %s is %#o, want 0700", when, rel, got)
			}
		case !info.Mode().IsRegular():
			t.Errorf("%s: %s is %s, not a regular file", when, rel, info.Mode().Type())
		case open && strings.HasSuffix(rel, ".sst"):
		default:
			seen[filepath.Base(rel)] = true
			if got := info.Mode().Perm(); got != 0o600 {
				t.Errorf("%s: %s is %#o, want 0600", when, rel, got)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
}

// TestFileModes: every file of a profile is 0600 and its folders 0700,
// after Create, after writes that make badger start new memtable and
// value-log files, after Close (whose flush writes tables), after a
// reopen of a profile whose modes were loosened (as earlier versions left
// them), and after wrong PINs and a PIN change rewrote the header. The
// umask is 0 meanwhile, so nothing is left to it: without the store's own
// care badger's files would be world-writable.
func TestFileModes(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0))
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "profile")
	if err := os.Mkdir(dir, 0o755); err != nil { // an open folder already there
		t.Fatal(err)
	}
	seen := map[string]bool{}
	s, err := badgerstore.Create(dir, []byte(pin), sample.Profile(1), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	checkModes(t, dir, "after Create", true, seen)
	if err := s.Put(ctx, sample.Record(wallet.Types()[0], 1)); err != nil {
		t.Fatal(err)
	}
	checkModes(t, dir, "after a write", true, seen)

	// 10 MiB of values kept in the LSM tree fill the 8 MiB memtable, and
	// 17 MiB of values above the 64 KiB threshold the 16 MiB value log:
	// badger starts a new file of each on the write path.
	write := func(prefix string, size, perBatch, batches int) {
		for b := range batches {
			meta := map[string][]byte{}
			for i := range perBatch {
				v := make([]byte, size)
				v[0] = byte(i)
				meta[fmt.Sprintf("%s-%d-%d", prefix, b, i)] = v
			}
			if err := s.Apply(ctx, wallet.Batch{Meta: meta}); err != nil {
				t.Fatal(err)
			}
			checkModes(t, dir, fmt.Sprintf("after %s batch %d", prefix, b), true, seen)
		}
	}
	write("small", 40<<10, 25, 10)
	write("large", 100<<10, 20, 9)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkModes(t, dir, "after Close", false, seen)

	// Loosen everything, as a profile of an earlier version (or a copy)
	// might be: Open makes it private again.
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil {
			mode := fs.FileMode(0o666)
			if d.IsDir() {
				mode = 0o777
			}
			err = os.Chmod(path, mode)
		}
		return err
	})
	// A header.new left by a crash, world-readable.
	if err := os.WriteFile(filepath.Join(dir, "header.new"), []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := badgerstore.Open(dir, []byte(wrongPIN), testOptions); err == nil {
		t.Fatal("a wrong PIN opened the profile")
	}
	s = mustOpen(t, dir, pin, testOptions)
	checkModes(t, dir, "after reopen", true, seen)
	if err := s.ChangePIN(ctx, []byte(pin), []byte("135790")); err != nil {
		t.Fatal(err)
	}
	checkModes(t, dir, "after ChangePIN", true, seen)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkModes(t, dir, "after the second Close", false, seen)

	// The walks covered every kind of file a profile has.
	kinds := map[string]int{}
	for name := range seen {
		kind := filepath.Ext(name)
		if kind == "" || strings.HasPrefix(name, "MANIFEST") {
			kind = strings.SplitN(name, "-", 2)[0]
		}
		kinds[kind]++
	}
	for kind, want := range map[string]int{
		"header": 1, ".lock": 1, "MANIFEST": 1, "KEYREGISTRY": 1, "DISCARD": 1, "LOCK": 1,
		".sst": 1, ".mem": 2, ".vlog": 2,
	} {
		if kinds[kind] < want {
			t.Errorf("saw %d files of kind %s, want at least %d (all seen: %v)", kinds[kind], kind, want, seen)
		}
	}
}
