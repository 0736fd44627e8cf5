package vault

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func mustSealer(t testing.TB) *Sealer {
	t.Helper()
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSealer(k.Subkey("seal"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealOpenRoundTrip(t *testing.T) {
	s := mustSealer(t)
	for _, tt := range []struct{ ad, pt []byte }{
		{nil, nil},
		{[]byte("r/abc"), []byte{}},
		{[]byte("r/abc"), []byte("Nguyễn Văn A, sinh 01/02/1990")},
		{nil, bytes.Repeat([]byte{0xaa}, 1<<16)},
	} {
		sealed := s.Seal(tt.ad, tt.pt)
		if len(sealed) != len(tt.pt)+SealOverhead {
			t.Fatalf("sealed length %d, want %d", len(sealed), len(tt.pt)+SealOverhead)
		}
		if len(tt.pt) > 8 && bytes.Contains(sealed, tt.pt[:8]) {
			t.Fatal("plaintext visible in sealed value")
		}
		got, err := s.Open(tt.ad, sealed)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, tt.pt) {
			t.Fatalf("Open = %q, want %q", got, tt.pt)
		}
	}
	a, b := s.Seal(nil, []byte("x")), s.Seal(nil, []byte("x"))
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same value are equal (nonce reuse)")
	}
}

func TestOpenFailures(t *testing.T) {
	s := mustSealer(t)
	ad := []byte("record/01J9/v1")
	pt := []byte("sổ BHXH 7901234567")
	sealed := s.Seal(ad, pt)

	cases := map[string]struct{ ad, sealed []byte }{
		"wrong ad":        {[]byte("record/01J9/v2"), sealed},
		"nil ad":          {nil, sealed},
		"other key":       {ad, mustSealer(t).Seal(ad, pt)},
		"nil":             {ad, nil},
		"nonce only":      {ad, sealed[:24]},
		"one short":       {ad, sealed[:SealOverhead-1]},
		"drop last byte":  {ad, sealed[:len(sealed)-1]},
		"extra byte":      {ad, append(bytes.Clone(sealed), 0)},
		"swapped nonce":   {ad, append(bytes.Clone(s.Seal(ad, pt)[:24]), sealed[24:]...)},
		"tag only, empty": {ad, make([]byte, SealOverhead)},
	}
	for i := range sealed {
		b := bytes.Clone(sealed)
		b[i] ^= 0x01
		cases[fmt.Sprintf("flip byte %d", i)] = struct{ ad, sealed []byte }{ad, b}
	}
	for n := 0; n < len(sealed); n++ {
		cases[fmt.Sprintf("truncate to %d", n)] = struct{ ad, sealed []byte }{ad, sealed[:n]}
	}
	for name, c := range cases {
		got, err := s.Open(c.ad, c.sealed)
		if !errors.Is(err, ErrIntegrity) || got != nil {
			t.Errorf("%s: Open = %q, %v; want ErrIntegrity", name, got, err)
		}
	}
}

func TestNewSealerKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := NewSealer(make([]byte, n)); err == nil || !strings.Contains(err.Error(), "want 32") {
			t.Errorf("NewSealer(%d bytes) = %v, want a length error", n, err)
		}
	}
	if _, err := NewSealer(nil); err == nil {
		t.Error("NewSealer(nil) accepted")
	}
}

func TestSealerConcurrent(t *testing.T) {
	s := mustSealer(t)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			ad := []byte{byte(i)}
			for range 200 {
				pt := []byte("value")
				got, err := s.Open(ad, s.Seal(ad, pt))
				if err != nil || !bytes.Equal(got, pt) {
					t.Errorf("concurrent round trip: %q, %v", got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
