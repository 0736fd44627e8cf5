// Package vault owns a profile's master key: its generation and subkeys,
// its wrapping under a key derived from the citizen's PIN (the profile
// header), the failed-PIN throttle stored in that header, and the sealing
// of individual values with an AEAD.
//
// # Keys
//
// The master key is 32 random bytes (NewKey). Nothing is encrypted with
// it directly: Key.Subkey derives one independent key per purpose with
// HKDF-SHA256 (info = a fixed label), for example one for badger's
// at-rest encryption and one for the Sealer. Changing the PIN rewraps the
// same master key (Header.Rewrap), so no record is rewritten. Key.Wipe
// zeroes the key; afterwards Subkey returns nil, which NewSealer rejects,
// and the key cannot be wrapped, so a locked store fails closed.
//
// # Header format (version 1)
//
// All integers are big-endian. The header is exactly 180 bytes:
//
//	offset size field
//	     0    4 magic "CWVH"
//	     4    1 version = 1
//	     5    4 Argon2id time (passes)                 \
//	     9    4 Argon2id memory (KiB)                   | kdf.Params
//	    13    1 Argon2id threads                       /
//	    14   16 salt (random)
//	    30   24 nonce (random)
//	    54    2 wrapped-key length = 48
//	    56   48 wrapped key = XChaCha20-Poly1305(KEK, nonce, master key,
//	            AD = bytes 0..29: magic, version, params, salt)
//	   104   32 checksum = SHA-256(bytes 0..103)
//	  ---- key part ends (136 bytes); throttle section follows ----
//	   136    4 consecutive failed PIN attempts
//	   140    8 time of the last failure, Unix nanoseconds (0 = none)
//	   148   32 tag = HMAC-SHA256(key = SHA-256("throttle" || checksum),
//	            bytes 136..147)
//
// KEK = Argon2id(PIN, salt, params), 32 bytes (package kdf).
//
// # Guarantees
//
//   - A wrong PIN and a damaged header are told apart. The checksum covers
//     every byte of the key part, so any truncation or edit of it gives
//     ErrCorruptHeader; only a header whose key part is intact can give
//     ErrWrongKey, and that means the PIN is wrong.
//   - The KDF parameters are validated (kdf.Params.Validate) before any
//     work, so an edited header cannot make Unwrap allocate more than
//     1 GiB or run for long. Every length is fixed; bytes beyond 180 are
//     ErrCorruptHeader. ParseHeader never panics on any input (fuzzed).
//   - The parameters and salt are bound to the wrapped key as AEAD
//     associated data, so lowering the cost in an otherwise valid header
//     (and fixing its checksum) only turns the right PIN into ErrWrongKey;
//     it never makes the key cheaper to guess.
//   - If the key part is intact but the throttle section is missing,
//     short or fails its tag, ParseHeader still returns the header, with
//     Throttle{Damaged: true, Failures: DamagedFailures} and a zero Last.
//     ParseHeader has no clock, so the caller stamps Last with its own
//     now and persists it (Throttle.Wait counts the delay from now until
//     then). Damage therefore fails closed to a delay, never to zero.
//   - Sealer.Open returns ErrIntegrity for any value that was not sealed
//     by the same key with the same associated data; it never returns
//     unauthenticated bytes.
//
// # What the throttle does not do
//
// The throttle tag's key is derived from the header itself, so it is not
// a secret: it stops casual or accidental edits by anything that does not
// know this format, and it detects damage. It does not stop an attacker
// who can write the app's private files: such an attacker can restore an
// older header with a lower count, or copy the header away and guess
// offline with no throttle at all. What bounds offline guessing is the
// Argon2id cost of every guess (kdf.Default). A short numeric PIN
// therefore protects against a casual finder of the phone, not against
// an attacker holding a copy of the files for long; passphrases do
// better. The delay schedule is Delay: four free attempts, then 30 s
// doubling to a cap of 1 h.
//
// Nor does it serialise attempts: this package keeps no state, and an
// attempt is a read-modify-write of the stored header (read, Wait,
// Unwrap, Fail or Reset, write back). A caller must hold an exclusive
// lock on the stored header from reading it to writing it back, across
// goroutines and processes; otherwise parallel attempts all read the same
// count and are each tried, uncounted (wallet/badgerstore locks a file
// beside the header).
//
// # Value sealing
//
// Sealer adds a second layer over badger's at-rest encryption (AES-CTR,
// which hides but does not detect tampering): each value is sealed as a
// random 24-byte nonce followed by XChaCha20-Poly1305 ciphertext and tag,
// with the caller's associated data (the value's store key) so values
// cannot be swapped between keys unnoticed.
//
// This package imports only crypto/kdf of the wallet's own packages.
package vault
