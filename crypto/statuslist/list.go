package statuslist

import "fmt"

// Size limits. They hold on 32-bit platforms too: every index fits an
// int32 and every bit position is computed in 64 bits.
const (
	// MaxIndex is the largest index a status claim may carry and the
	// largest index of any list: 2^30 - 1, ten times the province's
	// 100 million credentials.
	MaxIndex = 1<<30 - 1
	// MaxListBytes is the largest uncompressed byte array this package
	// builds or decodes, whatever limit a caller passes: 128 MiB
	// (2^30 one-bit entries, or 2^27 eight-bit ones).
	MaxListBytes = 1 << 27
	// DefaultMaxBytes is the decompression limit when the caller passes
	// none: 16 MiB, 134 million one-bit entries.
	DefaultMaxBytes = 16 << 20
)

// Status is the status of one referenced token: a value of 1, 2, 4 or 8
// bits, as the list's Bits allow.
type Status uint8

// The status types the draft registers. 0x03 and 0x0C to 0x0F are left
// to applications; this province uses none of them.
const (
	Valid     Status = 0x00 // VALID: valid, correct or legal
	Invalid   Status = 0x01 // INVALID: revoked, annulled, recalled or cancelled (withdrawn)
	Suspended Status = 0x02 // SUSPENDED: temporarily invalid; needs a list of 2 bits or more
)

// String names the registered values and prints others as 0xNN.
func (s Status) String() string {
	switch s {
	case Valid:
		return "VALID"
	case Invalid:
		return "INVALID"
	case Suspended:
		return "SUSPENDED"
	}
	return fmt.Sprintf("0x%02X", uint8(s))
}

// List is the uncompressed byte array of a status list: Len entries of
// Bits bits each, entry i in byte i*Bits/8 starting at bit (i*Bits)%8,
// counted from the least significant bit. So with 1 bit, entry 0 is bit
// 0 (value 0x01) of byte 0 and entry 7 its bit 7 (0x80); with 2 bits,
// entry 0 is bits 0-1 of byte 0 and entry 3 bits 6-7.
//
// A List is not safe for concurrent Set; Get is safe alongside other
// Gets. A list decoded from a token never changes.
type List struct {
	bits int
	b    []byte
}

// validBits reports whether bits is one the draft allows.
func validBits(bits int) bool { return bits == 1 || bits == 2 || bits == 4 || bits == 8 }

// New returns a list of at least size entries of bits bits each, all
// Valid. The byte array is rounded up to whole bytes, so Len may be a
// little more than size (the draft recommends sizes divisible by 8).
func New(bits, size int) (*List, error) {
	if !validBits(bits) {
		return nil, fmt.Errorf("statuslist: new: %w: %d", ErrBits, bits)
	}
	n := (int64(size)*int64(bits) + 7) / 8
	if size <= 0 || size > MaxIndex+1 || n > MaxListBytes {
		return nil, fmt.Errorf("statuslist: new: size %d: must be 1 to %d entries and at most %d bytes", size, MaxIndex+1, MaxListBytes)
	}
	return &List{bits: bits, b: make([]byte, n)}, nil
}

// FromBytes wraps an uncompressed byte array (the draft's layout, above)
// of bits bits per entry. It takes b, which the caller must not change
// afterwards.
func FromBytes(bits int, b []byte) (*List, error) {
	if !validBits(bits) {
		return nil, fmt.Errorf("statuslist: %w: %d", ErrBits, bits)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("statuslist: %w", ErrEmpty)
	}
	if len(b) > MaxListBytes {
		return nil, fmt.Errorf("statuslist: %w: %d bytes, more than %d", ErrTooLarge, len(b), MaxListBytes)
	}
	return &List{bits: bits, b: b}, nil
}

// Bits returns the bits per entry: 1, 2, 4 or 8.
func (l *List) Bits() int { return l.bits }

// Len returns the number of entries: the bytes times 8/Bits.
func (l *List) Len() int { return len(l.b) * 8 / l.bits }

// Bytes returns the uncompressed byte array. It is the list's own
// memory: do not change it.
func (l *List) Bytes() []byte { return l.b }

// position returns the byte and the shift of entry idx.
// It counts in 64 bits so that 32-bit phones (GOARCH arm) cannot overflow.
func (l *List) position(idx int) (int, uint) {
	bit := uint64(idx) * uint64(l.bits)
	return int(bit / 8), uint(bit % 8)
}

// Set sets entry idx to s. It fails with ErrIndex if idx is outside the
// list and with ErrValue if s needs more than Bits bits.
func (l *List) Set(idx int, s Status) error {
	if idx < 0 || idx >= l.Len() {
		return fmt.Errorf("statuslist: set %d: %w (list of %d)", idx, ErrIndex, l.Len())
	}
	mask := byte(1<<l.bits - 1) // 1, 3, 15, 255
	if byte(s)&^mask != 0 {
		return fmt.Errorf("statuslist: set %d: %w: %s in %d bits", idx, ErrValue, s, l.bits)
	}
	i, shift := l.position(idx)
	l.b[i] = l.b[i]&^(mask<<shift) | byte(s)<<shift
	return nil
}

// Get returns entry idx. An index outside the list is ErrIndex: the draft
// says no statement can be made then, and the token must be rejected.
func (l *List) Get(idx int) (Status, error) {
	if idx < 0 || idx >= l.Len() {
		return 0, fmt.Errorf("statuslist: get %d: %w (list of %d)", idx, ErrIndex, l.Len())
	}
	mask := byte(1<<l.bits - 1)
	i, shift := l.position(idx)
	return Status(l.b[i] >> shift & mask), nil
}
