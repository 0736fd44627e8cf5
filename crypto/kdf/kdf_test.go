package kdf

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		p       Params
		wantErr string // substring; "" means valid
	}{
		{"default", Default, ""},
		{"test", Test(), ""},
		{"minimum", Params{Time: 1, MemoryKiB: 8, Threads: 1}, ""},
		{"max memory", Params{Time: 4, MemoryKiB: MaxMemoryKiB, Threads: 16}, ""},
		{"max time", Params{Time: MaxTime, MemoryKiB: 64 * 1024, Threads: 1}, ""},
		{"zero", Params{}, "time 0"},
		{"zero time", Params{Time: 0, MemoryKiB: 1024, Threads: 1}, "time 0"},
		{"time too big", Params{Time: MaxTime + 1, MemoryKiB: 1024, Threads: 1}, "time 65"},
		{"time max uint32", Params{Time: ^uint32(0), MemoryKiB: 1024, Threads: 1}, "time 4294967295"},
		{"zero threads", Params{Time: 1, MemoryKiB: 1024, Threads: 0}, "threads 0"},
		{"threads too many", Params{Time: 1, MemoryKiB: 1024, Threads: 17}, "threads 17"},
		{"threads max uint8", Params{Time: 1, MemoryKiB: 1 << 20, Threads: 255}, "threads 255"},
		{"memory below 8 per thread", Params{Time: 1, MemoryKiB: 31, Threads: 4}, "below 8 KiB per thread"},
		{"zero memory", Params{Time: 1, MemoryKiB: 0, Threads: 1}, "below 8 KiB per thread"},
		{"memory too big", Params{Time: 1, MemoryKiB: MaxMemoryKiB + 1, Threads: 1}, "above 1048576 KiB"},
		{"memory max uint32", Params{Time: 1, MemoryKiB: ^uint32(0), Threads: 1}, "above 1048576 KiB"},
		{"cost too big", Params{Time: 5, MemoryKiB: MaxMemoryKiB, Threads: 1}, "time*memory"},
		{"cost too big 2", Params{Time: MaxTime, MemoryKiB: 1 << 17, Threads: 1}, "time*memory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate(%v) = %v, want nil", tt.p, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate(%v) = nil, want error containing %q", tt.p, tt.wantErr)
			}
			if !errors.Is(err, ErrInvalidParams) {
				t.Errorf("Validate(%v) = %v, does not wrap ErrInvalidParams", tt.p, err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Validate(%v) = %q, want it to contain %q", tt.p, err, tt.wantErr)
			}
		})
	}
}

// TestDefaultMeetsOWASP checks Default against every row of OWASP's
// Argon2id minimums: at least as much memory as the row for the same or
// fewer passes, or at least the same memory*time product with more memory
// than the strongest row needs per pass.
func TestDefaultMeetsOWASP(t *testing.T) {
	owasp := []Params{ // Password Storage Cheat Sheet, Argon2id, p = 1
		{Time: 1, MemoryKiB: 47104, Threads: 1},
		{Time: 2, MemoryKiB: 19456, Threads: 1},
		{Time: 3, MemoryKiB: 12288, Threads: 1},
		{Time: 4, MemoryKiB: 9216, Threads: 1},
		{Time: 5, MemoryKiB: 7168, Threads: 1},
	}
	for _, o := range owasp {
		if Default.MemoryKiB < o.MemoryKiB {
			t.Errorf("Default %v uses less memory than OWASP row %v", Default, o)
		}
		if uint64(Default.MemoryKiB)*uint64(Default.Time) < uint64(o.MemoryKiB)*uint64(o.Time) {
			t.Errorf("Default %v costs less than OWASP row %v", Default, o)
		}
	}
	if Default == Test() {
		t.Fatal("Default must not be the test setting")
	}
}

func TestDerive(t *testing.T) {
	salt := []byte("0123456789abcdef")
	p := Test()
	k1, err := Derive([]byte("123456"), salt, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(k1) != KeyLen {
		t.Fatalf("len = %d, want %d", len(k1), KeyLen)
	}
	// Derive is Argon2id itself, not something else with the same shape.
	if want := argon2.IDKey([]byte("123456"), salt, p.Time, p.MemoryKiB, p.Threads, KeyLen); !bytes.Equal(k1, want) {
		t.Fatalf("Derive = %x, argon2.IDKey = %x", k1, want)
	}
	k2, err := Derive([]byte("123456"), salt, p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k1, k2) {
		t.Fatal("Derive is not deterministic")
	}
	others := map[string]func() ([]byte, error){
		"other secret":  func() ([]byte, error) { return Derive([]byte("123457"), salt, p) },
		"other salt":    func() ([]byte, error) { return Derive([]byte("123456"), []byte("0123456789abcdeF"), p) },
		"other time":    func() ([]byte, error) { return Derive([]byte("123456"), salt, Params{2, 64, 1}) },
		"other memory":  func() ([]byte, error) { return Derive([]byte("123456"), salt, Params{1, 128, 1}) },
		"other threads": func() ([]byte, error) { return Derive([]byte("123456"), salt, Params{1, 64, 2}) },
	}
	for name, f := range others {
		k, err := f()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if bytes.Equal(k, k1) {
			t.Errorf("%s gives the same key", name)
		}
	}
}

// TestDeriveKnownAnswer checks Derive against answers computed with the
// Argon2 reference implementation's command-line tool (Debian package
// argon2, version 19), not with the library under test:
//
//	echo -n SECRET | argon2 SALT -id -t T -k M -p P -l 32 -r
//
// RFC 9106's own Argon2id vector uses the optional secret and associated
// data inputs, which x/crypto does not expose, so it cannot be used here.
func TestDeriveKnownAnswer(t *testing.T) {
	tests := []struct {
		secret, salt string
		p            Params
		want         string
	}{
		{"password", "somesalt", Params{Time: 2, MemoryKiB: 64, Threads: 1},
			"16a1a498734609dd01456da406de9f3d9da93e6c86c300a12fc1465214ce4922"},
		{"123456", "0123456789abcdef", Params{Time: 3, MemoryKiB: 1024, Threads: 2},
			"0faec17ffae5a7567a51a13afa0fe72c31522ee1814ba415c3c4f74c36a6503c"},
		{"mật khẩu dài", "muối-ngẫu-nhiên", Params{Time: 1, MemoryKiB: 256, Threads: 4},
			"dab876a860d28e5b3980c8fc75b25320547a572c7945ce1b30164ea2343ec739"},
	}
	for _, tt := range tests {
		got, err := Derive([]byte(tt.secret), []byte(tt.salt), tt.p)
		if err != nil {
			t.Fatal(err)
		}
		if hex.EncodeToString(got) != tt.want {
			t.Errorf("Derive(%q, %q, %v) = %x, want %s", tt.secret, tt.salt, tt.p, got, tt.want)
		}
	}
}

func TestDeriveErrors(t *testing.T) {
	salt := []byte("0123456789abcdef")
	tests := []struct {
		name         string
		secret, salt []byte
		p            Params
		want         string
		isParams     bool
	}{
		{"bad params", []byte("1"), salt, Params{}, "time 0", true},
		{"huge memory", []byte("1"), salt, Params{Time: 1, MemoryKiB: ^uint32(0), Threads: 1}, "memory", true},
		{"empty secret", nil, salt, Test(), "empty secret", false},
		{"nil salt", []byte("1"), nil, Test(), "salt is 0 bytes", false},
		{"short salt", []byte("1"), []byte("1234567"), Test(), "salt is 7 bytes", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := Derive(tt.secret, tt.salt, tt.p)
			if err == nil {
				t.Fatalf("Derive = %x, nil; want error", k)
			}
			if k != nil {
				t.Errorf("Derive returned a key with an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if errors.Is(err, ErrInvalidParams) != tt.isParams {
				t.Errorf("errors.Is(%v, ErrInvalidParams) = %v, want %v", err, !tt.isParams, tt.isParams)
			}
		})
	}
}

func ExampleDerive() {
	salt := []byte("a 16-byte salt!!") // use 16 random bytes in real code
	key, err := Derive([]byte("123456"), salt, Test())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(key))
	_, err = Derive([]byte("123456"), salt, Params{Time: 1, MemoryKiB: 4 << 20, Threads: 1})
	fmt.Println(err)
	// Output:
	// 32
	// derive key: kdf: invalid argon2id parameters: memory 4194304 KiB is above 1048576 KiB
}

func benchmarkDerive(b *testing.B, p Params) {
	secret := []byte("123456")
	salt := []byte("0123456789abcdef")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Derive(secret, salt, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDeriveDefault(b *testing.B) { benchmarkDerive(b, Default) }
func BenchmarkDeriveTest(b *testing.B)    { benchmarkDerive(b, Test()) }

// BenchmarkDeriveCandidates measures the settings Default was chosen
// among: OWASP's minimum rows and stronger ones.
func BenchmarkDeriveCandidates(b *testing.B) {
	for _, p := range []Params{
		{Time: 1, MemoryKiB: 47104, Threads: 1},
		{Time: 2, MemoryKiB: 19456, Threads: 1},
		{Time: 2, MemoryKiB: 64 * 1024, Threads: 1},
		{Time: 3, MemoryKiB: 64 * 1024, Threads: 1},
		{Time: 3, MemoryKiB: 64 * 1024, Threads: 2},
		{Time: 4, MemoryKiB: 64 * 1024, Threads: 1},
		{Time: 3, MemoryKiB: 128 * 1024, Threads: 1},
		{Time: 1, MemoryKiB: 256 * 1024, Threads: 1},
	} {
		b.Run(fmt.Sprintf("t=%d/m=%dMiB/p=%d", p.Time, p.MemoryKiB/1024, p.Threads), func(b *testing.B) { benchmarkDerive(b, p) })
	}
}

// BenchmarkDeriveLanes measures Default's memory and passes with 1, 2 and
// 4 lanes (RFC 9106's second recommended option is t=3, m=64 MiB, p=4).
func BenchmarkDeriveLanes(b *testing.B) {
	for _, p := range []uint8{1, 2, 4} {
		b.Run(fmt.Sprintf("p=%d", p), func(b *testing.B) {
			benchmarkDerive(b, Params{Time: 3, MemoryKiB: 64 * 1024, Threads: p})
		})
	}
}
