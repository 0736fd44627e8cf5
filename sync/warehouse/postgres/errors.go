package postgres

import (
	"errors"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/wallet"
)

// sentinels are the errors an item result of Append may match, by the
// stable code a stored batch keeps them under. Codes are never reused or
// renamed (stored batches hold them); add new ones at the end.
var sentinels = []struct {
	code string
	err  error
}{
	{"unknown-citizen", warehouse.ErrUnknownCitizen},
	{"conflict", warehouse.ErrConflict},
	{"not-found", warehouse.ErrNotFound},
	{"invalid", wallet.ErrInvalid},
	{"stale-version", wallet.ErrStaleVersion},
	{"wallet-not-found", wallet.ErrNotFound},
	{"exists", wallet.ErrExists},
}

// itemError is an item error as a stored batch keeps it: its message and
// the codes of the sentinels it matches.
type itemError struct {
	Message string   `json:"message"`
	Codes   []string `json:"codes,omitempty"`
}

// encodeError is err as a stored batch keeps it (nil for nil).
func encodeError(err error) *itemError {
	if err == nil {
		return nil
	}
	e := &itemError{Message: err.Error()}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			e.Codes = append(e.Codes, s.code)
		}
	}
	return e
}

// decode rebuilds the error: the same message, and errors.Is matches the
// same sentinels as the original did (a code this build does not know
// is ignored).
func (e *itemError) decode() error {
	if e == nil {
		return nil
	}
	out := &storedError{msg: e.Message}
	for _, c := range e.Codes {
		for _, s := range sentinels {
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
