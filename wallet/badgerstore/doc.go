// Package badgerstore implements wallet.Store on an encrypted badger v4
// database: one directory per citizen profile.
//
// # Files
//
//	<dir>/header   the vault header (crypto/vault): KDF parameters, salt,
//	               the wrapped master key, the failed-PIN throttle. 180
//	               bytes; the only data outside badger. Replaced
//	               atomically (write header.new, fsync, rename, fsync dir).
//	<dir>/header.lock  empty; locked (flock, LockFileEx) by every
//	               read-modify-write of the header. Never removed.
//	<dir>/db/      the badger database, encrypted at rest.
//
// The folders are 0700 and every file 0600. Badger has no option for the
// mode of its files and creates most of them 0666 less the umask, so the
// store sets the modes itself after Open, after each write and at Close; a
// table that badger's background flush writes meanwhile is 0600 from the
// next write or Close on, unreachable inside the 0700 folder until then
// (perm.go).
//
// # Two layers of encryption
//
// The master key never encrypts anything itself; vault.Key.Subkey derives:
//
//   - "badger-at-rest": badger's EncryptionKey (AES-256-CTR over tables,
//     value log and write-ahead log, with rotating data keys). Keys and the
//     index are private too: no record id, type or issuer is readable on
//     disk. Badger's encryption does not detect tampering.
//   - "values": every value is sealed with XChaCha20-Poly1305
//     (vault.Sealer) with its badger key as associated data, so an edited
//     value, or a value moved or swapped to another key, fails to open with
//     wallet.ErrIntegrity, never wrong data.
//
// Badger is opened only after the header has authenticated the key: its own
// Open with a wrong key returns an error and a DB that hangs when used.
//
// # Key layout
//
// NUL separates parts (record ids, types, domains and meta names never
// contain control characters):
//
//	f                              format version ("badgerstore/1")
//	p                              the profile (JSON)
//	r NUL id NUL version(uint32 BE)  one record version (JSON)
//	x NUL domain NUL type NUL id   the latest version of a record: version,
//	                               status, issued-at and issuer, so queries
//	                               filter by domain, type, issuer, date and
//	                               status before opening any record
//	m NUL name                     an opaque meta value (sync cursor ...)
//
// Versions of a record sort oldest first under its r-prefix, so the latest
// is the last key. Older versions are stored as issued; History reports
// them as superseded.
//
// # Guarantees
//
//   - Durability: SyncWrites is on; a write that returned survives a
//     process kill (tested with 50 SIGKILLs) and a power loss.
//   - Atomicity: Apply is one badger transaction (at most about 1.2 MiB;
//     bigger batches are refused with wallet.ErrInvalid, never half
//     written).
//   - Damage: Open verifies every table's checksums and refuses a damaged
//     database with wallet.ErrIntegrity; a damaged header key part is
//     wallet.ErrCorruptHeader; a damaged throttle section fails closed to a
//     delay (see crypto/vault). Panics inside badger on damaged blocks are
//     recovered and reported as wallet.ErrIntegrity.
//   - Wrong PIN: wallet.ErrWrongPIN, counted in the header before Open
//     returns; from the fifth failure Open returns *wallet.ThrottledError
//     without trying the PIN (vault.Delay: 30 s doubling to 1 h).
//     Attempts take turns under header.lock, across goroutines and
//     processes (also while another process has the profile open), so
//     parallel attempts are each counted and cannot outrun the delay
//     (TestParallelWrongPINs).
//   - Close wipes the master key; every method then returns
//     wallet.ErrLocked.
//
// # What it does not do
//
// It does not stop an attacker who can write the app's files from rolling
// the whole directory (or one value, under the same key) back to an older
// copy, nor from guessing offline against a copied header: only the
// Argon2id cost bounds that (see crypto/vault). A process must not open the
// same profile twice; badger's directory lock refuses a second Open.
package badgerstore
