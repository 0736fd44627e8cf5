package vault

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/vnwallet/citizenwallet/crypto/kdf"
)

// Header format constants (see the package documentation).
const (
	Magic      = "CWVH"
	Version    = 1
	SaltLen    = 16
	NonceLen   = chacha20poly1305.NonceSizeX // 24
	WrappedLen = KeyLen + chacha20poly1305.Overhead

	offVersion  = len(Magic)              // 4
	offKDF      = offVersion + 1          // 5: time u32, memory u32, threads u8
	offSalt     = offKDF + 4 + 4 + 1      // 14
	offNonce    = offSalt + SaltLen       // 30
	offWrapLen  = offNonce + NonceLen     // 54
	offWrapped  = offWrapLen + 2          // 56
	offChecksum = offWrapped + WrappedLen // 104
	checksumLen = sha256.Size
	// KeyPartLen is the length of the key part: everything up to and
	// including the checksum.
	KeyPartLen  = offChecksum + checksumLen // 136
	offFailures = KeyPartLen                // 136
	offLast     = offFailures + 4           // 140
	offTag      = offLast + 8               // 148
	tagLen      = sha256.Size
	// HeaderLen is the exact length of a version-1 header.
	HeaderLen = offTag + tagLen // 180

	throttleTagDomain = "throttle"
)

// Header is a profile's key header: the Argon2id parameters and salt, the
// master key wrapped under the key they derive from the PIN, and the
// failed-PIN throttle. See the package documentation for its binary form.
type Header struct {
	KDF      kdf.Params
	Salt     []byte // SaltLen random bytes
	Nonce    []byte // NonceLen random bytes
	Wrapped  []byte // XChaCha20-Poly1305(KEK, master key), WrappedLen bytes
	Throttle Throttle
}

// NewHeader wraps k under a key derived from pin with p, using a fresh
// random salt and nonce. The throttle starts at zero. The PIN must not be
// empty; p must pass Validate; k must not be wiped.
func NewHeader(pin []byte, p kdf.Params, k *Key) (*Header, error) {
	h := new(Header)
	if err := h.wrap(k, pin, p); err != nil {
		return nil, fmt.Errorf("new header: %w", err)
	}
	return h, nil
}

// Rewrap wraps the same master key k under newPIN and p with a fresh salt
// and nonce: the master key, and so every subkey and stored record, is
// unchanged. The throttle is left as it is (callers reset it after the
// successful unlock that precedes a PIN change). On error h is unchanged.
func (h *Header) Rewrap(k *Key, newPIN []byte, p kdf.Params) error {
	if h == nil {
		return errors.New("rewrap master key: nil header")
	}
	if err := h.wrap(k, newPIN, p); err != nil {
		return fmt.Errorf("rewrap master key: %w", err)
	}
	return nil
}

func (h *Header) wrap(k *Key, pin []byte, p kdf.Params) error {
	if len(pin) == 0 {
		return errors.New("empty PIN")
	}
	if err := p.Validate(); err != nil {
		return err
	}
	salt := make([]byte, SaltLen)
	nonce := make([]byte, NonceLen)
	if _, err := rand.Read(salt); err != nil {
		return err
	}
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	var wrapped []byte
	err := k.withBytes(func(master []byte) error {
		kek, err := kdf.Derive(pin, salt, p)
		if err != nil {
			return err
		}
		defer clear(kek)
		aead, err := chacha20poly1305.NewX(kek)
		if err != nil {
			return err
		}
		wrapped = aead.Seal(nil, nonce, master, fixedFields(p, salt))
		return nil
	})
	if err != nil {
		return err
	}
	h.KDF, h.Salt, h.Nonce, h.Wrapped = p, salt, nonce, wrapped
	return nil
}

// Unwrap derives the key-encryption key from pin and opens the wrapped
// master key. A PIN that does not open it gives ErrWrongKey; a header
// whose fields do not have the format's shape gives ErrCorruptHeader.
// The KDF cost is paid on every call (about Default's measured time).
func (h *Header) Unwrap(pin []byte) (*Key, error) {
	if h == nil {
		return nil, fmt.Errorf("unwrap master key: %w: nil header", ErrCorruptHeader)
	}
	if err := h.checkKeyPart(); err != nil {
		return nil, fmt.Errorf("unwrap master key: %w", err)
	}
	if len(pin) == 0 {
		return nil, fmt.Errorf("unwrap master key: empty PIN: %w", ErrWrongKey)
	}
	kek, err := kdf.Derive(pin, h.Salt, h.KDF)
	if err != nil { // unreachable after checkKeyPart, kept so no path panics
		return nil, fmt.Errorf("unwrap master key: %w: %v", ErrCorruptHeader, err)
	}
	defer clear(kek)
	aead, err := chacha20poly1305.NewX(kek)
	if err != nil {
		return nil, fmt.Errorf("unwrap master key: %w", err)
	}
	master, err := aead.Open(nil, h.Nonce, h.Wrapped, fixedFields(h.KDF, h.Salt))
	if err != nil {
		return nil, fmt.Errorf("unwrap master key: %w", ErrWrongKey)
	}
	defer clear(master)
	if len(master) != KeyLen { // cannot happen: WrappedLen fixes it
		return nil, fmt.Errorf("unwrap master key: %w: key is %d bytes", ErrCorruptHeader, len(master))
	}
	return keyFromBytes(master), nil
}

// checkKeyPart reports, wrapping ErrCorruptHeader, whether the key fields
// have the lengths and bounds of the format.
func (h *Header) checkKeyPart() error {
	switch {
	case len(h.Salt) != SaltLen:
		return fmt.Errorf("%w: salt is %d bytes, want %d", ErrCorruptHeader, len(h.Salt), SaltLen)
	case len(h.Nonce) != NonceLen:
		return fmt.Errorf("%w: nonce is %d bytes, want %d", ErrCorruptHeader, len(h.Nonce), NonceLen)
	case len(h.Wrapped) != WrappedLen:
		return fmt.Errorf("%w: wrapped key is %d bytes, want %d", ErrCorruptHeader, len(h.Wrapped), WrappedLen)
	}
	if err := h.KDF.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrCorruptHeader, err)
	}
	return nil
}

// fixedFields is the AEAD associated data: magic, version, KDF params and
// salt, exactly as they are laid out at the start of the header.
func fixedFields(p kdf.Params, salt []byte) []byte {
	b := make([]byte, 0, offNonce)
	b = append(b, Magic...)
	b = append(b, Version)
	b = binary.BigEndian.AppendUint32(b, p.Time)
	b = binary.BigEndian.AppendUint32(b, p.MemoryKiB)
	b = append(b, p.Threads)
	return append(b, salt...)
}

// MarshalBinary encodes h in the version-1 format. A damaged throttle is
// written with its effective failure count (at least DamagedFailures) and
// a fresh tag, so it reads back undamaged but not reset. It fails if a
// field has the wrong length, the KDF parameters are out of bounds, or
// Throttle.Last is outside the years 1678-2262 (int64 Unix nanoseconds).
func (h *Header) MarshalBinary() ([]byte, error) {
	if h == nil {
		return nil, errors.New("marshal header: nil header")
	}
	if err := h.checkKeyPart(); err != nil {
		return nil, fmt.Errorf("marshal header: %w", err)
	}
	last, err := encodeTime(h.Throttle.Last)
	if err != nil {
		return nil, fmt.Errorf("marshal header: %w", err)
	}
	b := make([]byte, 0, HeaderLen)
	b = append(b, fixedFields(h.KDF, h.Salt)...)
	b = append(b, h.Nonce...)
	b = binary.BigEndian.AppendUint16(b, WrappedLen)
	b = append(b, h.Wrapped...)
	sum := sha256.Sum256(b)
	b = append(b, sum[:]...)
	b = binary.BigEndian.AppendUint32(b, h.Throttle.EffectiveFailures())
	b = binary.BigEndian.AppendUint64(b, uint64(last))
	b = append(b, throttleTag(sum[:], b[offFailures:offTag])...)
	return b, nil
}

// ParseHeader decodes a version-1 header. Any damage to the key part
// (magic, version, parameters, salt, nonce, wrapped key, checksum), a
// short key part, or bytes beyond HeaderLen give ErrCorruptHeader. If the
// key part is intact but the throttle section is missing, short or fails
// its tag, the header is returned with Throttle{Damaged: true, Failures:
// DamagedFailures} and a zero Last (see Throttle). It never panics.
func ParseHeader(b []byte) (*Header, error) {
	h, err := parseHeader(b)
	if err != nil {
		return nil, fmt.Errorf("parse header: %w", err)
	}
	return h, nil
}

func parseHeader(b []byte) (*Header, error) {
	switch {
	case len(b) > HeaderLen:
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrCorruptHeader, len(b), HeaderLen)
	case len(b) < len(Magic):
		return nil, fmt.Errorf("%w: %d bytes, too short for the magic", ErrCorruptHeader, len(b))
	case string(b[:len(Magic)]) != Magic:
		return nil, fmt.Errorf("%w: bad magic %q", ErrCorruptHeader, b[:len(Magic)])
	case len(b) <= offVersion:
		return nil, fmt.Errorf("%w: truncated before the version", ErrCorruptHeader)
	case b[offVersion] != Version:
		return nil, fmt.Errorf("%w: unknown version %d", ErrCorruptHeader, b[offVersion])
	case len(b) < KeyPartLen:
		return nil, fmt.Errorf("%w: truncated key part: %d bytes, want %d", ErrCorruptHeader, len(b), KeyPartLen)
	}
	if n := binary.BigEndian.Uint16(b[offWrapLen:]); n != WrappedLen {
		return nil, fmt.Errorf("%w: wrapped key length %d, want %d", ErrCorruptHeader, n, WrappedLen)
	}
	sum := sha256.Sum256(b[:offChecksum])
	if subtle.ConstantTimeCompare(sum[:], b[offChecksum:KeyPartLen]) != 1 {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrCorruptHeader)
	}
	h := &Header{
		KDF: kdf.Params{
			Time:      binary.BigEndian.Uint32(b[offKDF:]),
			MemoryKiB: binary.BigEndian.Uint32(b[offKDF+4:]),
			Threads:   b[offKDF+8],
		},
		Salt:    bytes.Clone(b[offSalt:offNonce]),
		Nonce:   bytes.Clone(b[offNonce:offWrapLen]),
		Wrapped: bytes.Clone(b[offWrapped:offChecksum]),
	}
	if err := h.KDF.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptHeader, err)
	}
	h.Throttle = parseThrottle(sum[:], b[KeyPartLen:])
	return h, nil
}

// damagedThrottle is what a throttle section that fails its check reads as.
var damagedThrottle = Throttle{Failures: DamagedFailures, Damaged: true}

func parseThrottle(checksum, sec []byte) Throttle {
	if len(sec) != HeaderLen-KeyPartLen {
		return damagedThrottle
	}
	fields, tag := sec[:offTag-offFailures], sec[offTag-offFailures:]
	if !hmac.Equal(tag, throttleTag(checksum, fields)) {
		return damagedThrottle
	}
	return Throttle{
		Failures: binary.BigEndian.Uint32(fields),
		Last:     decodeTime(int64(binary.BigEndian.Uint64(fields[4:]))),
	}
}

// throttleTag is HMAC-SHA256 keyed by SHA-256("throttle" || checksum) over
// the throttle fields (failures u32 || last-failure unix nanos i64).
func throttleTag(checksum, fields []byte) []byte {
	key := sha256.Sum256(append([]byte(throttleTagDomain), checksum...))
	m := hmac.New(sha256.New, key[:])
	m.Write(fields)
	return m.Sum(nil)
}

// The zero time.Time is encoded as 0 and 0 decodes to the zero time.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

func encodeTime(t time.Time) (int64, error) {
	if t.IsZero() {
		return 0, nil
	}
	if t.Before(minTime) || t.After(maxTime) {
		return 0, fmt.Errorf("throttle time %s is outside the encodable range", t.UTC().Format(time.RFC3339))
	}
	return t.UnixNano(), nil
}

func decodeTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
