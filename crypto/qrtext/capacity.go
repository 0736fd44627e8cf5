package qrtext

import (
	"strings"
	"sync"

	qrcode "github.com/skip2/go-qrcode"
)

// Capacity is how many alphanumeric characters one QR code of version
// (1-40) and error correction level ('L', 'M', 'Q', 'H') holds. It is
// measured once per (version, level) with the encoder the app renders
// with, so a part that fits here is a QR of at most that version.
func Capacity(version int, level byte) int {
	return FormatAlphanumeric.Capacity(version, level)
}

// Capacity is how many characters of format f one QR code of version
// (1-40) and error correction level ('L', 'M', 'Q', 'H') holds: digits
// in numeric mode for FormatNumeric, characters in alphanumeric mode for
// FormatAlphanumeric, measured like the package-level Capacity.
func (f Format) Capacity(version int, level byte) int {
	key := capKey{f, version, level}
	capMu.Lock()
	defer capMu.Unlock()
	if c, ok := capCache[key]; ok {
		return c
	}
	lo, hi, fill := 0, 4296, "A" // 4296: version 40-L, the largest of all
	if f == FormatNumeric {
		lo, hi, fill = 0, 7089, "0"
	}
	for lo < hi {
		mid := (lo + hi + 1) / 2
		q, err := qrcode.New(strings.Repeat(fill, mid), recoveryLevel(level))
		if err == nil && q.VersionNumber <= version {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	capCache[key] = lo
	return lo
}

type capKey struct {
	format  Format
	version int
	level   byte
}

var (
	capMu    sync.Mutex
	capCache = map[capKey]int{}
)

func recoveryLevel(l byte) qrcode.RecoveryLevel {
	switch l {
	case 'L':
		return qrcode.Low
	case 'Q':
		return qrcode.High
	case 'H':
		return qrcode.Highest
	}
	return qrcode.Medium
}
