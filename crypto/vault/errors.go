package vault

import "errors"

// Sentinel errors. Functions wrap them with the operation, so match them
// with errors.Is.
var (
	// ErrWrongKey: the PIN or passphrase does not unwrap the master key
	// (the AEAD open failed on a header whose checksum is intact).
	ErrWrongKey = errors.New("vault: wrong PIN: the master key does not unwrap")
	// ErrCorruptHeader: the header is truncated, edited, has bad magic, an
	// unknown version, out-of-bounds parameters or trailing bytes. It is
	// never returned for a wrong PIN, and ErrWrongKey is never returned for
	// a damaged key part.
	ErrCorruptHeader = errors.New("vault: corrupt profile header")
	// ErrIntegrity: a sealed value failed authentication (too short, edited,
	// sealed under another key or bound to other associated data).
	ErrIntegrity = errors.New("vault: sealed value failed authentication")
)
