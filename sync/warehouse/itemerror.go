package warehouse

import (
	"errors"

	"github.com/vnwallet/citizenwallet/wallet"
)

// itemSentinels are the errors an item result of Append may match, by
// the stable code a stored batch keeps them under (for a replayed
// idempotent batch). Codes are never reused or renamed: stored batches
// hold them; add new ones at the end.
var itemSentinels = []struct {
	code string
	err  error
}{
	{"unknown-citizen", ErrUnknownCitizen},
	{"conflict", ErrConflict},
	{"not-found", ErrNotFound},
	{"invalid", wallet.ErrInvalid},
	{"stale-version", wallet.ErrStaleVersion},
	{"wallet-not-found", wallet.ErrNotFound},
	{"exists", wallet.ErrExists},
}

// ItemError is an item error as a store keeps it with a batch: its
// message and the codes of the sentinels it matches. Both stores use it,
// so a replayed batch answers the same on either.
type ItemError struct {
	Message string   `json:"message"`
	Codes   []string `json:"codes,omitempty"`
}

// EncodeItemError is err as a stored batch keeps it (nil for nil).
func EncodeItemError(err error) *ItemError {
	if err == nil {
		return nil
	}
	e := &ItemError{Message: err.Error()}
	for _, s := range itemSentinels {
		if errors.Is(err, s.err) {
			e.Codes = append(e.Codes, s.code)
		}
	}
	return e
}

// Err rebuilds the error: the same message, and errors.Is matches the
// same sentinels as the original did (a code this build does not know
// is ignored). Nil for a nil ItemError.
func (e *ItemError) Err() error {
	if e == nil {
		return nil
	}
	out := &storedError{msg: e.Message}
	for _, c := range e.Codes {
		for _, s := range itemSentinels {
			if s.code == c {
				out.errs = append(out.errs, s.err)
			}
		}
	}
	return out
}

// storedError is an item error read back from a stored batch.
type storedError struct {
	msg  string
	errs []error
}

func (e *storedError) Error() string   { return e.msg }
func (e *storedError) Unwrap() []error { return e.errs }
