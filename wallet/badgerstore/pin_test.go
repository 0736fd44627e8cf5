package badgerstore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/kdf"
	"github.com/vnwallet/citizenwallet/crypto/vault"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

const pin = "246810"

// clock is a settable time source for the throttle.
type clock struct{ t time.Time }

func (c *clock) now() time.Time             { return c.t }
func (c *clock) advance(d time.Duration)    { c.t = c.t.Add(d) }
func newClock() *clock                      { return &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)} }
func optsWith(c *clock) badgerstore.Options { return badgerstore.Options{KDF: kdf.Test(), Now: c.now} }

// newProfile creates a closed profile holding one record.
func newProfile(t *testing.T, o badgerstore.Options) (dir string, rec wallet.Record) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "profile")
	s, err := badgerstore.Create(dir, []byte(pin), sample.Profile(1), o)
	if err != nil {
		t.Fatal(err)
	}
	rec = sample.Record(wallet.Types()[0], 1)
	if err := s.Put(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, rec
}

func mustOpen(t *testing.T, dir, p string, o badgerstore.Options) *badgerstore.Store {
	t.Helper()
	s, err := badgerstore.Open(dir, []byte(p), o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestThrottleSurvivesRestart(t *testing.T) {
	c := newClock()
	o := optsWith(c)
	dir, rec := newProfile(t, o)
	// Every Open is a fresh start: the store keeps no state in memory
	// between attempts, only in the header.
	for i := 1; i <= 4; i++ {
		_, err := badgerstore.Open(dir, []byte("111111"), o)
		if !errors.Is(err, wallet.ErrWrongPIN) || errors.Is(err, wallet.ErrThrottled) {
			t.Fatalf("attempt %d: %v; want ErrWrongPIN", i, err)
		}
	}
	_, err := badgerstore.Open(dir, []byte("111111"), o)
	if !errors.Is(err, wallet.ErrWrongPIN) {
		t.Fatalf("5th wrong PIN: %v", err)
	}
	// Now throttled: even the right PIN is not tried.
	_, err = badgerstore.Open(dir, []byte(pin), o)
	var te *wallet.ThrottledError
	if !errors.As(err, &te) || te.Failures != 5 || te.RetryAfter != vault.Delay(5) {
		t.Fatalf("right PIN while throttled = %v; want ThrottledError{5, %s}", err, vault.Delay(5))
	}
	c.advance(vault.Delay(5) - time.Second)
	if _, err := badgerstore.Open(dir, []byte(pin), o); !errors.Is(err, wallet.ErrThrottled) {
		t.Fatalf("1 s before the delay ends: %v", err)
	}
	c.advance(time.Second)
	// A 6th wrong PIN doubles the delay.
	if _, err := badgerstore.Open(dir, []byte("111111"), o); !errors.Is(err, wallet.ErrWrongPIN) {
		t.Fatal(err)
	}
	if _, err := badgerstore.Open(dir, []byte(pin), o); !errors.As(err, &te) || te.RetryAfter != vault.Delay(6) {
		t.Fatalf("after 6 failures: %v; want retry after %s", err, vault.Delay(6))
	}
	c.advance(vault.Delay(6))
	s := mustOpen(t, dir, pin, o)
	if got, err := s.Record(context.Background(), rec.ID); err != nil || got.ID != rec.ID {
		t.Fatalf("Record after unlock: %v", err)
	}
	s.Close()
	// Success reset the counter: four free attempts again.
	for i := 0; i < 4; i++ {
		if _, err := badgerstore.Open(dir, []byte("111111"), o); !errors.Is(err, wallet.ErrWrongPIN) {
			t.Fatalf("after reset, attempt %d: %v", i, err)
		}
	}
	mustOpen(t, dir, pin, o).Close()
}

func TestHeaderDamage(t *testing.T) {
	c := newClock()
	o := optsWith(c)
	dir, rec := newProfile(t, o)
	hpath := filepath.Join(dir, "header")
	good, err := os.ReadFile(hpath)
	if err != nil {
		t.Fatal(err)
	}
	write := func(b []byte) {
		if err := os.WriteFile(hpath, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Every truncation and every edit of the key part: a clear error,
	// never a panic, never "wrong PIN".
	for n := 0; n < vault.KeyPartLen; n++ {
		write(good[:n])
		if _, err := badgerstore.Open(dir, []byte(pin), o); !errors.Is(err, wallet.ErrCorruptHeader) {
			t.Fatalf("header cut to %d bytes: %v; want ErrCorruptHeader", n, err)
		}
		edited := append([]byte(nil), good...)
		edited[n] ^= 1
		write(edited)
		if _, err := badgerstore.Open(dir, []byte(pin), o); !errors.Is(err, wallet.ErrCorruptHeader) {
			t.Fatalf("byte %d edited: %v; want ErrCorruptHeader", n, err)
		}
	}
	write(append(append([]byte(nil), good...), 0))
	if _, err := badgerstore.Open(dir, []byte(pin), o); !errors.Is(err, wallet.ErrCorruptHeader) {
		t.Errorf("header with a trailing byte: %v", err)
	}

	// Only the throttle section damaged (cut off, or its counter edited
	// back to zero): the data stays recoverable with the right PIN, after
	// the delay of vault.DamagedFailures failures, counted from now.
	for name, damaged := range map[string][]byte{
		"throttle cut off": good[:vault.KeyPartLen],
		"counter edited": func() []byte {
			b := append([]byte(nil), good...)
			b[vault.KeyPartLen+3] = 0
			b[vault.KeyPartLen+2] = 0x7f
			return b
		}(),
		"tag edited":        func() []byte { b := append([]byte(nil), good...); b[len(b)-1] ^= 1; return b }(),
		"time of last edit": func() []byte { b := append([]byte(nil), good...); b[vault.KeyPartLen+6] ^= 1; return b }(),
	} {
		write(damaged)
		_, err := badgerstore.Open(dir, []byte(pin), o)
		var te *wallet.ThrottledError
		if !errors.As(err, &te) || te.RetryAfter != vault.Delay(vault.DamagedFailures) {
			t.Fatalf("%s: %v; want ThrottledError after %s", name, err, vault.Delay(vault.DamagedFailures))
		}
		c.advance(vault.Delay(vault.DamagedFailures))
		s := mustOpen(t, dir, pin, o)
		got, err := s.Record(context.Background(), rec.ID)
		if err != nil || got.ID != rec.ID {
			t.Fatalf("%s: record after recovery: %v", name, err)
		}
		s.Close()
	}

	if err := os.Remove(hpath); err != nil {
		t.Fatal(err)
	}
	if _, err := badgerstore.Open(dir, []byte(pin), o); !errors.Is(err, wallet.ErrNotFound) {
		t.Errorf("missing header: %v; want ErrNotFound", err)
	}
}

func TestCreateRules(t *testing.T) {
	o := badgerstore.Options{KDF: kdf.Test()}
	dir, _ := newProfile(t, o)
	if !badgerstore.Exists(dir) {
		t.Fatal("Exists = false after Create")
	}
	if _, err := badgerstore.Create(dir, []byte(pin), sample.Profile(2), o); !errors.Is(err, wallet.ErrExists) {
		t.Errorf("Create over a profile: %v; want ErrExists", err)
	}
	// The first profile is untouched.
	mustOpen(t, dir, pin, o).Close()

	empty := t.TempDir()
	if _, err := badgerstore.Create(empty, []byte("12345"), sample.Profile(2), o); !errors.Is(err, wallet.ErrInvalid) {
		t.Errorf("Create with a 5-digit PIN: %v; want ErrInvalid", err)
	}
	bad := sample.Profile(2)
	bad.CitizenID = "123"
	if _, err := badgerstore.Create(empty, []byte(pin), bad, o); !errors.Is(err, wallet.ErrInvalid) {
		t.Errorf("Create with a bad citizen number: %v; want ErrInvalid", err)
	}
	if badgerstore.Exists(empty) {
		t.Error("a refused Create left a profile")
	}
	// The remains of a Create killed before its header was written are
	// cleared by the next Create.
	if err := os.MkdirAll(filepath.Join(empty, "db"), 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(empty, "db", "000001.sst"), []byte("junk"), 0o600)
	s, err := badgerstore.Create(empty, []byte(pin), sample.Profile(2), o)
	if err != nil {
		t.Fatalf("Create over remains: %v", err)
	}
	s.Close()

	// The same profile cannot be opened twice at once.
	s1 := mustOpen(t, dir, pin, o)
	defer s1.Close()
	if s2, err := badgerstore.Open(dir, []byte(pin), o); err == nil {
		s2.Close()
		t.Error("second Open of an open profile succeeded")
	} else if !strings.Contains(err.Error(), "another process") {
		t.Errorf("second Open: %v", err)
	}
}
