package kdf

import (
	"errors"
	"fmt"

	"golang.org/x/crypto/argon2"
)

// KeyLen is the length in bytes of every key Derive returns.
const KeyLen = 32

// Bounds enforced by Validate. They exist so that parameters read from a
// damaged or edited profile header cannot make the wallet allocate absurd
// memory or spin for hours before the AEAD check rejects the header.
const (
	MinTime      = 1
	MaxTime      = 64
	MinThreads   = 1
	MaxThreads   = 16
	MaxMemoryKiB = 1 << 20 // 1 GiB
	// MaxCostKiB bounds Time*MemoryKiB, the number of KiB the derivation
	// writes in total: 4 GiB-passes. With MaxTime and MaxMemoryKiB alone an
	// edited header could still ask for 64 passes over 1 GiB (minutes on a
	// phone); this caps the worst case at 4 passes over 1 GiB, 16 over
	// 256 MiB, and so on, which still leaves room to raise Default many
	// times over.
	MaxCostKiB = 4 << 20
	// MinSaltLen is the shortest salt Derive accepts (RFC 9106 section 3.1
	// requires at least 8 bytes; the vault uses 16).
	MinSaltLen = 8
)

// Params are the Argon2id (RFC 9106) cost parameters.
type Params struct {
	Time      uint32 // number of passes over the memory (t)
	MemoryKiB uint32 // memory size in KiB (m)
	Threads   uint8  // lanes / parallelism (p)
}

// Default is the production setting: Argon2id with m = 64 MiB, t = 3,
// p = 4, which is RFC 9106's second recommended option (section 4) for
// machines with little memory.
//
// Against OWASP's Password Storage Cheat Sheet (Argon2id section), whose
// minimum configurations are m=46 MiB/t=1, m=19 MiB/t=2, m=12 MiB/t=3,
// m=9 MiB/t=4 and m=7 MiB/t=5 (p=1), equivalent in the memory*passes
// product they force on an attacker (46 to 57 MiB-passes), Default is
// 64 MiB * 3 = 192 MiB-passes: 3.4 times the strongest row, with more
// memory per guess than any of them. Lanes (p) do not lower the
// attacker's cost (every guess still fills all 64 MiB three times); they
// only let the defender use several cores.
//
// Measured (go test -bench 'Derive' -benchtime=10x ./crypto/kdf on a
// 2-core AMD EPYC VM shared with other builds, so the ranges are wide):
// Default takes 70-120 ms with two cores and 115-135 ms with one
// (GOMAXPROCS=1); with -tags purego, the portable code that arm64 phones
// run because x/crypto/argon2 has assembly only for amd64, 90-105 ms on
// two cores and 180-240 ms on one. p = 4 costs nothing on one core (the
// same time as p = 1) and halves the time on two, so on a low-end Android
// phone (2-3 GB RAM, four to eight Cortex-A53/A55 class cores, each
// several times slower than the measuring core) unlocking should take
// well under a second, where p = 1 would leave it at one core's speed,
// an estimated 1-1.5 s. Neither figure is measured on a phone. 64 MiB is a small fraction of such a phone's
// memory and is garbage right after unlocking.
//
// Why not more: m = 128 MiB, t = 3 measured 280-360 ms on one core here,
// which would put a low-end phone at several seconds per unlock.
//
// Profiles record the parameters they were wrapped with, so Default can
// be raised later without breaking existing profiles (they pick it up
// at the next PIN change).
var Default = Params{Time: 3, MemoryKiB: 64 * 1024, Threads: 4}

// Test returns a deliberately cheap setting (m = 64 KiB, t = 1, p = 1) so
// that tests which create and unlock many profiles stay fast.
//
// It must never be used for a real profile: a PIN wrapped with it can be
// brute-forced offline in moments. Only test code may call it.
func Test() Params { return Params{Time: 1, MemoryKiB: 64, Threads: 1} }

// String describes p in the usual Argon2 notation.
func (p Params) String() string {
	return fmt.Sprintf("argon2id(t=%d, m=%d KiB, p=%d)", p.Time, p.MemoryKiB, p.Threads)
}

// ErrInvalidParams is wrapped by every error Validate returns.
var ErrInvalidParams = errors.New("kdf: invalid argon2id parameters")

// Validate checks that p is within the bounds this package accepts:
// 1 <= Time <= 64, 1 <= Threads <= 16, 8*Threads <= MemoryKiB <= 1 GiB,
// and Time*MemoryKiB <= 4 GiB (MaxCostKiB). The error wraps
// ErrInvalidParams and names the offending field.
func (p Params) Validate() error {
	switch {
	case p.Time < MinTime || p.Time > MaxTime:
		return fmt.Errorf("%w: time %d is outside [%d, %d]", ErrInvalidParams, p.Time, MinTime, MaxTime)
	case p.Threads < MinThreads || p.Threads > MaxThreads:
		return fmt.Errorf("%w: threads %d is outside [%d, %d]", ErrInvalidParams, p.Threads, MinThreads, MaxThreads)
	case uint64(p.MemoryKiB) < 8*uint64(p.Threads):
		return fmt.Errorf("%w: memory %d KiB is below 8 KiB per thread (%d threads)", ErrInvalidParams, p.MemoryKiB, p.Threads)
	case p.MemoryKiB > MaxMemoryKiB:
		return fmt.Errorf("%w: memory %d KiB is above %d KiB", ErrInvalidParams, p.MemoryKiB, MaxMemoryKiB)
	case uint64(p.Time)*uint64(p.MemoryKiB) > MaxCostKiB:
		return fmt.Errorf("%w: time*memory %d KiB is above %d KiB", ErrInvalidParams, uint64(p.Time)*uint64(p.MemoryKiB), MaxCostKiB)
	}
	return nil
}

// Derive returns the 32-byte Argon2id key of secret and salt under p. It
// validates p first and rejects an empty secret or a salt shorter than
// MinSaltLen bytes; it never panics.
func Derive(secret, salt []byte, p Params) ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("derive key: %w", err)
	}
	if len(secret) == 0 {
		return nil, errors.New("derive key: empty secret")
	}
	if len(salt) < MinSaltLen {
		return nil, fmt.Errorf("derive key: salt is %d bytes, need at least %d", len(salt), MinSaltLen)
	}
	return argon2.IDKey(secret, salt, p.Time, p.MemoryKiB, p.Threads, KeyLen), nil
}
