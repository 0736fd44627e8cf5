package wallet

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sentinel errors of the Store contract. Implementations wrap them with the
// operation (fmt.Errorf("open profile: %w", ErrWrongPIN)) so callers match
// with errors.Is; the app turns them into Vietnamese sentences.
var (
	// ErrNotFound: no record (or meta key) with that id.
	ErrNotFound = errors.New("not found")
	// ErrLocked: the store was closed (locked); its keys are gone from memory.
	ErrLocked = errors.New("wallet is locked")
	// ErrWrongPIN: the PIN or passphrase does not unwrap the master key.
	ErrWrongPIN = errors.New("wrong PIN")
	// ErrThrottled: too many wrong PINs; try again after the delay. The
	// concrete error is a *ThrottledError carrying the wait.
	ErrThrottled = errors.New("too many wrong PIN attempts")
	// ErrIntegrity: a stored value failed authentication (edited, swapped or
	// corrupted on disk). The store never returns the wrong data instead.
	ErrIntegrity = errors.New("integrity check failed")
	// ErrCorruptHeader: the profile's key header is truncated or edited.
	ErrCorruptHeader = errors.New("profile header is damaged")
	// ErrExists: a profile already exists at that place.
	ErrExists = errors.New("already exists")
	// ErrInvalid: the input does not satisfy the domain rules (bad citizen
	// number, unknown record type, missing field ...). The concrete error
	// says which rule.
	ErrInvalid = errors.New("invalid")
	// ErrStaleVersion: a record version older than the one stored was put.
	ErrStaleVersion = errors.New("record version is older than the stored one")
)

// WrongPINError is how an implementation reports a wrong PIN, with what
// the citizen needs to know before the next try. errors.Is(err,
// ErrWrongPIN) is true.
type WrongPINError struct {
	Failures  int           // consecutive failed attempts, this one included
	FreeLeft  int           // attempts that can still be made without a wait (0: the next one waits)
	NextDelay time.Duration // the wait before the next attempt (0: none)
}

func (e *WrongPINError) Error() string {
	return fmt.Sprintf("%v (%d failed attempts; next attempt in %s)", ErrWrongPIN, e.Failures, e.NextDelay)
}

// Is makes errors.Is(err, ErrWrongPIN) match.
func (e *WrongPINError) Is(target error) bool { return target == ErrWrongPIN }

// ThrottledError is returned by Open while failed PIN attempts are being
// throttled. errors.Is(err, ErrThrottled) is true.
type ThrottledError struct {
	Failures   int           // consecutive failed attempts so far
	RetryAfter time.Duration // how long until the next attempt is accepted
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("%v: %d failed attempts, retry in %s", ErrThrottled, e.Failures, e.RetryAfter.Round(time.Second))
}

// Is makes errors.Is(err, ErrThrottled) match.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// Query selects the latest version of records. Zero fields do not filter.
type Query struct {
	Domain Domain
	Type   string
	Issuer string
	// IssuedFrom and IssuedTo bound IssuedAt, inclusive; zero is unbounded.
	IssuedFrom time.Time
	IssuedTo   time.Time
	// Statuses keeps only records whose latest version has one of these
	// statuses; empty keeps all (withdrawn records are shown as such).
	Statuses []Status
}

// Match reports whether r satisfies q. Implementations may use indexes but
// must return exactly the records Match accepts.
func (q Query) Match(r Record) bool {
	if q.Domain != "" && r.Domain != q.Domain {
		return false
	}
	if q.Type != "" && r.Type != q.Type {
		return false
	}
	if q.Issuer != "" && r.Issuer != q.Issuer {
		return false
	}
	if !q.IssuedFrom.IsZero() && r.IssuedAt.Before(q.IssuedFrom) {
		return false
	}
	if !q.IssuedTo.IsZero() && r.IssuedAt.After(q.IssuedTo) {
		return false
	}
	if len(q.Statuses) > 0 {
		ok := false
		for _, s := range q.Statuses {
			if r.Status == s {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// Batch is written atomically by Store.Apply: either every record and meta
// value is stored, or none is. Sync uses it to commit a page of the change
// feed together with the new cursor.
type Batch struct {
	Records []Record
	// Meta values are small opaque blobs (sync cursor, trust list ...),
	// sealed like records. A nil value deletes the key.
	Meta map[string][]byte
}

// Store is one citizen profile's encrypted record store. It is opened
// (unlocked) with the PIN by its implementation's Open function and holds
// the master key until Close, which locks it: every method then returns
// ErrLocked.
//
// Versioning rules, the same for every implementation:
//   - Putting a record whose ID is new stores it as version r.Version.
//   - Putting a higher version stores it as the latest; the previous latest
//     is kept in the history with status StatusSuperseded (unless it was
//     already withdrawn).
//   - Putting the same version again replaces it only if it is identical
//     (idempotent, so a replayed sync page doubles nothing); a different
//     record under an existing version is ErrInvalid, except exactly one
//     difference: the same record with another non-empty Credential (a
//     re-issued credential the caller verified) replaces the stored
//     credential of that version, keeping its ReceivedAt.
//   - Putting a lower version than the latest is ErrStaleVersion.
//   - A withdrawal is a new version with StatusWithdrawn.
//
// Errors: ErrLocked after Close; ErrNotFound for a missing id or meta key;
// ErrIntegrity when a stored value fails authentication; ErrInvalid for a
// record that fails Record.Validate.
type Store interface {
	// Profile returns the citizen this store belongs to.
	Profile(ctx context.Context) (Profile, error)
	// Put stores one record version (see the versioning rules).
	Put(ctx context.Context, r Record) error
	// Apply stores a batch atomically (see Batch).
	Apply(ctx context.Context, b Batch) error
	// Record returns the latest version of one record.
	Record(ctx context.Context, id string) (Record, error)
	// History returns every stored version of one record, oldest first.
	History(ctx context.Context, id string) ([]Record, error)
	// Records returns the latest version of every record matching q,
	// ordered by domain, then type, then IssuedAt newest first, then ID.
	Records(ctx context.Context, q Query) ([]Record, error)
	// Counts returns how many records (latest versions, any status but
	// superseded) each domain holds.
	Counts(ctx context.Context) (map[Domain]int, error)
	// Meta returns a meta value stored with Apply.
	Meta(ctx context.Context, key string) ([]byte, error)
	// ChangePIN rewraps the master key under a new PIN; no record is
	// rewritten. It fails with ErrWrongPIN if oldPIN is not the current one.
	ChangePIN(ctx context.Context, oldPIN, newPIN []byte) error
	// Close locks the store: it flushes, closes the database and wipes the
	// keys from memory. Closing twice is not an error.
	Close() error
}
