package vault

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParseHeader: ParseHeader never panics; every error is
// ErrCorruptHeader; whatever parses re-marshals, and the re-marshalled
// bytes parse to the same header (byte-identical when the throttle was
// intact, undamaged with the effective count when it was not).
func FuzzParseHeader(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "header_v1.bin")); err == nil {
		f.Add(b)
		f.Add(b[:KeyPartLen])
		f.Add(b[:KeyPartLen+10])
	}
	k, err := NewKey()
	if err != nil {
		f.Fatal(err)
	}
	for _, th := range []Throttle{{}, {Failures: 7, Last: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}} {
		h, err := NewHeader([]byte("123456"), testParams, k)
		if err != nil {
			f.Fatal(err)
		}
		h.Throttle = th
		b, err := h.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte(Magic + "\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			if !errors.Is(err, ErrCorruptHeader) {
				t.Fatalf("error %v is not ErrCorruptHeader", err)
			}
			if h != nil {
				t.Fatal("header returned with an error")
			}
			return
		}
		if err := h.KDF.Validate(); err != nil {
			t.Fatalf("parsed invalid params: %v", err)
		}
		out, err := h.MarshalBinary()
		if err != nil {
			t.Fatalf("parsed header does not marshal: %v", err)
		}
		if !h.Throttle.Damaged && !bytes.Equal(out, b) {
			t.Fatalf("re-marshal differs:\n in %x\nout %x", b, out)
		}
		if !bytes.Equal(out[:KeyPartLen], b[:KeyPartLen]) {
			t.Fatal("re-marshal changed the key part")
		}
		h2, err := ParseHeader(out)
		if err != nil {
			t.Fatalf("re-marshalled header does not parse: %v", err)
		}
		want := h.Throttle
		want.Failures, want.Damaged = h.Throttle.EffectiveFailures(), false
		if h2.Throttle != want || h2.KDF != h.KDF {
			t.Fatalf("re-parsed %+v, want throttle %+v", h2, want)
		}
	})
}

// FuzzOpen: Open never panics, fails only with ErrIntegrity, and anything
// it accepts round-trips through Seal.
func FuzzOpen(f *testing.F) {
	s, err := NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("record/1"), s.Seal([]byte("record/1"), []byte("Nguyễn Thị B")))
	f.Add([]byte{}, s.Seal(nil, nil))
	f.Add([]byte("meta/cursor"), s.Seal([]byte("meta/cursor"), bytes.Repeat([]byte("x"), 2048)))
	f.Add([]byte("x"), []byte("short"))
	f.Fuzz(func(t *testing.T, ad, sealed []byte) {
		pt, err := s.Open(ad, sealed)
		if err != nil {
			if !errors.Is(err, ErrIntegrity) || pt != nil {
				t.Fatalf("Open = %q, %v", pt, err)
			}
			return
		}
		if len(pt) != len(sealed)-SealOverhead {
			t.Fatalf("plaintext length %d for %d sealed bytes", len(pt), len(sealed))
		}
		again, err := s.Open(ad, s.Seal(ad, pt))
		if err != nil || !bytes.Equal(again, pt) {
			t.Fatalf("round trip: %q, %v", again, err)
		}
	})
}
