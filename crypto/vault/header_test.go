package vault

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/kdf"
)

// testParams is the cheap KDF setting; never use it for real profiles.
var testParams = kdf.Test()

var update = flag.Bool("update", false, "rewrite testdata/header_v1.bin")

func mustKey(t testing.TB) *Key {
	t.Helper()
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustHeader(t testing.TB, pin string, k *Key) *Header {
	t.Helper()
	h, err := NewHeader([]byte(pin), testParams, k)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func mustMarshal(t testing.TB, h *Header) []byte {
	t.Helper()
	b, err := h.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sameKey(a, b *Key) bool { return a.b == b.b }

func TestWrapUnwrapRoundTrip(t *testing.T) {
	k := mustKey(t)
	for _, pin := range []string{"123456", "0", "mật khẩu rất dài của công dân", strings.Repeat("9", 1000)} {
		h := mustHeader(t, pin, k)
		if len(h.Salt) != SaltLen || len(h.Nonce) != NonceLen || len(h.Wrapped) != WrappedLen {
			t.Fatalf("field lengths %d/%d/%d", len(h.Salt), len(h.Nonce), len(h.Wrapped))
		}
		if h.Throttle != (Throttle{}) {
			t.Fatalf("new header throttle = %+v, want zero", h.Throttle)
		}
		b := mustMarshal(t, h)
		if len(b) != HeaderLen || string(b[:4]) != Magic || b[4] != Version {
			t.Fatalf("marshalled header: len %d, prefix %q", len(b), b[:5])
		}
		if bytes.Contains(b, k.b[:]) {
			t.Fatal("marshalled header contains the master key in clear")
		}
		h2, err := ParseHeader(b)
		if err != nil {
			t.Fatal(err)
		}
		if h2.KDF != h.KDF || !bytes.Equal(h2.Salt, h.Salt) || !bytes.Equal(h2.Nonce, h.Nonce) ||
			!bytes.Equal(h2.Wrapped, h.Wrapped) || h2.Throttle != h.Throttle {
			t.Fatalf("parsed header differs:\n%+v\n%+v", h2, h)
		}
		got, err := h2.Unwrap([]byte(pin))
		if err != nil {
			t.Fatalf("Unwrap(%q): %v", pin, err)
		}
		if !sameKey(got, k) {
			t.Fatal("unwrapped a different master key")
		}
	}
}

func TestNewHeaderFreshSaltAndNonce(t *testing.T) {
	k := mustKey(t)
	a, b := mustHeader(t, "1234", k), mustHeader(t, "1234", k)
	if bytes.Equal(a.Salt, b.Salt) || bytes.Equal(a.Nonce, b.Nonce) || bytes.Equal(a.Wrapped, b.Wrapped) {
		t.Fatal("two headers for the same key and PIN share salt, nonce or ciphertext")
	}
}

func TestWrongPIN(t *testing.T) {
	k := mustKey(t)
	h, err := ParseHeader(mustMarshal(t, mustHeader(t, "123456", k)))
	if err != nil {
		t.Fatal(err)
	}
	for _, pin := range []string{"123457", "12345", "1234567", "", " 123456", "000000"} {
		got, err := h.Unwrap([]byte(pin))
		if !errors.Is(err, ErrWrongKey) {
			t.Errorf("Unwrap(%q) = %v, want ErrWrongKey", pin, err)
		}
		if errors.Is(err, ErrCorruptHeader) {
			t.Errorf("Unwrap(%q) = %v: a wrong PIN must not read as a corrupt header", pin, err)
		}
		if got != nil {
			t.Errorf("Unwrap(%q) returned a key with an error", pin)
		}
	}
}

func TestRewrap(t *testing.T) {
	k := mustKey(t)
	h := mustHeader(t, "111111", k)
	oldSalt, oldNonce := bytes.Clone(h.Salt), bytes.Clone(h.Nonce)
	newParams := kdf.Params{Time: 2, MemoryKiB: 128, Threads: 2}
	if err := h.Rewrap(k, []byte("222222"), newParams); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(h.Salt, oldSalt) || bytes.Equal(h.Nonce, oldNonce) {
		t.Fatal("Rewrap kept the old salt or nonce")
	}
	if h.KDF != newParams {
		t.Fatalf("KDF = %v, want %v", h.KDF, newParams)
	}
	h2, err := ParseHeader(mustMarshal(t, h))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h2.Unwrap([]byte("111111")); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("old PIN after Rewrap: %v, want ErrWrongKey", err)
	}
	got, err := h2.Unwrap([]byte("222222"))
	if err != nil {
		t.Fatal(err)
	}
	if !sameKey(got, k) {
		t.Fatal("Rewrap changed the master key")
	}
	if !bytes.Equal(got.Subkey("badger"), k.Subkey("badger")) {
		t.Fatal("Rewrap changed a subkey")
	}
}

func TestWrapErrorsLeaveHeaderUnchanged(t *testing.T) {
	k := mustKey(t)
	h := mustHeader(t, "111111", k)
	before := mustMarshal(t, h)
	wiped := mustKey(t)
	wiped.Wipe()
	tests := []struct {
		name   string
		k      *Key
		pin    string
		p      kdf.Params
		substr string
	}{
		{"empty PIN", k, "", testParams, "empty PIN"},
		{"bad params", k, "1", kdf.Params{Time: 0, MemoryKiB: 64, Threads: 1}, "time 0"},
		{"huge memory", k, "1", kdf.Params{Time: 1, MemoryKiB: 1 << 30, Threads: 1}, "memory"},
		{"nil key", nil, "1", testParams, "nil master key"},
		{"wiped key", wiped, "1", testParams, "wiped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := h.Rewrap(tt.k, []byte(tt.pin), tt.p)
			if err == nil || !strings.Contains(err.Error(), tt.substr) {
				t.Fatalf("Rewrap = %v, want error containing %q", err, tt.substr)
			}
			if !bytes.Equal(mustMarshal(t, h), before) {
				t.Fatal("failed Rewrap changed the header")
			}
			if nh, err := NewHeader([]byte(tt.pin), tt.p, tt.k); err == nil || nh != nil {
				t.Fatalf("NewHeader = %v, %v; want nil and an error", nh, err)
			}
		})
	}
}

// TestEveryByteFlipAndTruncation damages a real header in every possible
// single-byte way and every truncation length: a damaged key part must
// give ErrCorruptHeader (never ErrWrongKey, never a panic); a damaged
// throttle section must give Damaged with the key still unwrappable.
func TestEveryByteFlipAndTruncation(t *testing.T) {
	k := mustKey(t)
	h := mustHeader(t, "246810", k)
	h.Throttle = Throttle{Failures: 2, Last: time.Date(2026, 3, 1, 8, 30, 0, 0, time.UTC)}
	orig := mustMarshal(t, h)

	check := func(t *testing.T, what string, b []byte, inThrottle bool) {
		t.Helper()
		got, err := ParseHeader(b)
		if !inThrottle {
			if !errors.Is(err, ErrCorruptHeader) {
				t.Fatalf("%s: ParseHeader = %+v, %v; want ErrCorruptHeader", what, got, err)
			}
			if got != nil {
				t.Fatalf("%s: header returned with an error", what)
			}
			return
		}
		if err != nil {
			t.Fatalf("%s: ParseHeader: %v; want a damaged throttle", what, err)
		}
		if want := (Throttle{Failures: DamagedFailures, Damaged: true}); got.Throttle != want {
			t.Fatalf("%s: throttle = %+v, want %+v", what, got.Throttle, want)
		}
		uk, err := got.Unwrap([]byte("246810"))
		if err != nil {
			t.Fatalf("%s: Unwrap: %v", what, err)
		}
		if !sameKey(uk, k) {
			t.Fatalf("%s: different master key", what)
		}
	}

	for i := range orig {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			b := bytes.Clone(orig)
			b[i] ^= mask
			check(t, "flip byte "+strconv.Itoa(i)+" mask "+hex.EncodeToString([]byte{mask}), b, i >= KeyPartLen)
		}
	}
	for n := 0; n < len(orig); n++ {
		check(t, "truncate to "+strconv.Itoa(n), orig[:n], n >= KeyPartLen)
	}
	for _, extra := range [][]byte{{0}, {0xff}, bytes.Repeat([]byte{0}, 100)} {
		check(t, "trailing bytes", append(bytes.Clone(orig), extra...), false)
	}
	// The intact header still reads back exactly.
	got, err := ParseHeader(orig)
	if err != nil || got.Throttle != h.Throttle {
		t.Fatalf("intact header: %+v, %v", got, err)
	}
}

// withChecksum returns b (a full header) with its checksum and throttle
// tag recomputed, as an attacker who knows the format could.
func withChecksum(b []byte) []byte {
	b = bytes.Clone(b)
	sum := sha256.Sum256(b[:offChecksum])
	copy(b[offChecksum:], sum[:])
	copy(b[offTag:], throttleTag(sum[:], b[offFailures:offTag]))
	return b
}

func TestParseHeaderErrors(t *testing.T) {
	k := mustKey(t)
	orig := mustMarshal(t, mustHeader(t, "1", k))
	edit := func(f func(b []byte)) []byte {
		b := bytes.Clone(orig)
		f(b)
		return withChecksum(b)
	}
	tests := []struct {
		name   string
		b      []byte
		substr string
	}{
		{"nil", nil, "too short for the magic"},
		{"bad magic", edit(func(b []byte) { copy(b, "CWVX") }), "bad magic"},
		{"other file", []byte("PK\x03\x04 a zip file, not a header"), "bad magic"},
		{"magic only", []byte(Magic), "truncated before the version"},
		{"version 0", edit(func(b []byte) { b[offVersion] = 0 }), "unknown version 0"},
		{"version 2", edit(func(b []byte) { b[offVersion] = 2 }), "unknown version 2"},
		{"wrapped length", edit(func(b []byte) { binary.BigEndian.PutUint16(b[offWrapLen:], 47) }), "wrapped key length 47"},
		{"checksum", func() []byte { b := bytes.Clone(orig); b[offChecksum] ^= 1; return b }(), "checksum mismatch"},
		{"zero time", edit(func(b []byte) { binary.BigEndian.PutUint32(b[offKDF:], 0) }), "time 0"},
		{"huge time", edit(func(b []byte) { binary.BigEndian.PutUint32(b[offKDF:], 1<<31) }), "time 2147483648"},
		{"huge memory", edit(func(b []byte) { binary.BigEndian.PutUint32(b[offKDF+4:], ^uint32(0)) }), "memory 4294967295 KiB"},
		{"zero threads", edit(func(b []byte) { b[offKDF+8] = 0 }), "threads 0"},
		{"many threads", edit(func(b []byte) { b[offKDF+8] = 255 }), "threads 255"},
		{"too long", append(bytes.Clone(orig), 1), "more than 180"},
		{"huge", make([]byte, 1<<20), "more than 180"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseHeader(tt.b)
			if !errors.Is(err, ErrCorruptHeader) || h != nil {
				t.Fatalf("ParseHeader = %v, %v; want ErrCorruptHeader", h, err)
			}
			if !strings.Contains(err.Error(), tt.substr) {
				t.Fatalf("error %q does not contain %q", err, tt.substr)
			}
			if !strings.HasPrefix(err.Error(), "parse header: ") {
				t.Fatalf("error %q does not name the operation", err)
			}
		})
	}
}

// TestEditedParamsWithFixedChecksum: someone who knows the format lowers
// the cost and recomputes the checksum. The parameters are AEAD
// associated data, so even the right PIN no longer opens the key.
func TestEditedParamsWithFixedChecksum(t *testing.T) {
	k := mustKey(t)
	orig := mustMarshal(t, mustHeader(t, "135790", k))
	for _, f := range []func(b []byte){
		func(b []byte) { binary.BigEndian.PutUint32(b[offKDF:], 2) },   // time 1 -> 2
		func(b []byte) { binary.BigEndian.PutUint32(b[offKDF+4:], 8) }, // memory 64 -> 8 KiB
		func(b []byte) { b[offSalt] ^= 1 },
	} {
		b := bytes.Clone(orig)
		f(b)
		h, err := ParseHeader(withChecksum(b))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Unwrap([]byte("135790")); !errors.Is(err, ErrWrongKey) {
			t.Fatalf("Unwrap after an edit of the associated data = %v, want ErrWrongKey", err)
		}
	}
}

func TestThrottleRoundTrip(t *testing.T) {
	k := mustKey(t)
	h := mustHeader(t, "1", k)
	for _, th := range []Throttle{
		{},
		{Failures: 1, Last: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)},
		{Failures: ^uint32(0), Last: time.Unix(0, 1).UTC()},
		{Failures: 12, Last: time.Unix(0, -5).UTC()},
		{Failures: 3, Last: time.Date(2262, 4, 11, 0, 0, 0, 0, time.UTC)},
	} {
		h.Throttle = th
		got, err := ParseHeader(mustMarshal(t, h))
		if err != nil {
			t.Fatal(err)
		}
		if !got.Throttle.Last.Equal(th.Last) || got.Throttle.Failures != th.Failures || got.Throttle.Damaged {
			t.Errorf("throttle %+v read back as %+v", th, got.Throttle)
		}
	}
	// A time in another zone reads back as the same instant.
	ict := time.FixedZone("ICT", 7*3600)
	h.Throttle = Throttle{Failures: 6, Last: time.Date(2026, 5, 1, 7, 0, 0, 0, ict)}
	got, err := ParseHeader(mustMarshal(t, h))
	if err != nil || !got.Throttle.Last.Equal(h.Throttle.Last) {
		t.Fatalf("zoned time: %+v, %v", got, err)
	}
}

func TestThrottleTagEdits(t *testing.T) {
	k := mustKey(t)
	h := mustHeader(t, "1", k)
	h.Throttle = Throttle{Failures: 9, Last: time.Now()}
	b := mustMarshal(t, h)
	// Resetting the counter without the tag key is detected and fails closed.
	edited := bytes.Clone(b)
	binary.BigEndian.PutUint32(edited[offFailures:], 0)
	got, err := ParseHeader(edited)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Throttle.Damaged || got.Throttle.EffectiveFailures() != DamagedFailures {
		t.Fatalf("edited counter read as %+v", got.Throttle)
	}
	// A tag copied from another header (another checksum) does not fit.
	other := mustMarshal(t, mustHeader(t, "1", k))
	spliced := append(bytes.Clone(b[:KeyPartLen]), other[KeyPartLen:]...)
	if got, err := ParseHeader(spliced); err != nil || !got.Throttle.Damaged {
		t.Fatalf("spliced throttle: %+v, %v", got, err)
	}
}

func TestMarshalDamagedThrottle(t *testing.T) {
	k := mustKey(t)
	h := mustHeader(t, "1", k)
	for _, tt := range []struct{ in, want uint32 }{{0, DamagedFailures}, {DamagedFailures, DamagedFailures}, {8, 8}} {
		h.Throttle = Throttle{Failures: tt.in, Damaged: true}
		got, err := ParseHeader(mustMarshal(t, h))
		if err != nil {
			t.Fatal(err)
		}
		if got.Throttle.Damaged || got.Throttle.Failures != tt.want {
			t.Fatalf("damaged throttle with %d failures re-read as %+v, want %d undamaged", tt.in, got.Throttle, tt.want)
		}
	}
}

func TestMarshalErrors(t *testing.T) {
	k := mustKey(t)
	good := mustHeader(t, "1", k)
	tests := []struct {
		name    string
		f       func(h *Header)
		substr  string
		keyPart bool // the damage is in the key part, so Unwrap refuses too
	}{
		{"short salt", func(h *Header) { h.Salt = h.Salt[:8] }, "salt is 8 bytes", true},
		{"nil nonce", func(h *Header) { h.Nonce = nil }, "nonce is 0 bytes", true},
		{"long wrapped", func(h *Header) { h.Wrapped = append(h.Wrapped, 0) }, "wrapped key is 49 bytes", true},
		{"bad params", func(h *Header) { h.KDF.Threads = 0 }, "threads 0", true},
		{"time too early", func(h *Header) { h.Throttle.Last = time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC) }, "outside the encodable range", false},
		{"time too late", func(h *Header) { h.Throttle.Last = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) }, "outside the encodable range", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := *good
			h.Salt, h.Nonce, h.Wrapped = bytes.Clone(good.Salt), bytes.Clone(good.Nonce), bytes.Clone(good.Wrapped)
			tt.f(&h)
			b, err := h.MarshalBinary()
			if err == nil || b != nil || !strings.Contains(err.Error(), tt.substr) {
				t.Fatalf("MarshalBinary = %x, %v; want error containing %q", b, err, tt.substr)
			}
			_, err = h.Unwrap([]byte("1"))
			if tt.keyPart && !errors.Is(err, ErrCorruptHeader) {
				t.Fatalf("Unwrap of a malformed header = %v, want ErrCorruptHeader", err)
			}
			if !tt.keyPart && err != nil {
				t.Fatalf("Unwrap = %v; the throttle does not affect the key", err)
			}
		})
	}
}

// TestGoldenHeader parses a header written by an earlier build, so a
// change of the format is noticed. Regenerate with -update only on a
// deliberate format change (and bump Version).
func TestGoldenHeader(t *testing.T) {
	const pin = "123456"
	path := filepath.Join("testdata", "header_v1.bin")
	if *update {
		k := mustKey(t)
		h := mustHeader(t, pin, k)
		h.Throttle = Throttle{Failures: 3, Last: time.Date(2026, 4, 30, 9, 0, 0, 0, time.UTC)}
		if err := os.WriteFile(path, mustMarshal(t, h), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s; subkey(\"golden\") = %x", path, k.Subkey("golden"))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := ParseHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	if h.KDF != kdf.Test() || h.Throttle.Failures != 3 || !h.Throttle.Last.Equal(time.Date(2026, 4, 30, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("golden header fields: %+v", h)
	}
	k, err := h.Unwrap([]byte(pin))
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(k.Subkey("golden")); got != goldenSubkey && !*update {
		t.Fatalf("golden subkey = %s, want %s", got, goldenSubkey)
	}
	if !bytes.Equal(mustMarshal(t, h), b) {
		t.Fatal("golden header does not re-marshal to the same bytes")
	}
}

const goldenSubkey = "9b8f447f5bc423d4d46de0bb71fed07aec4fc15dbe00c300f86cc54b3de84219"
