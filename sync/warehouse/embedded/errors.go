package embedded

import (
	"errors"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/wallet"
)

var errInvalid = wallet.ErrInvalid

// sentinels are the errors an item result may match, by the stable name
// a stored batch keeps them under. Names are never reused; add new ones
// at the end.
var sentinels = []struct {
	name string
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

// storedError is an item error read back from a stored batch: the same
// message, and errors.Is matches the same sentinels as the original.
type storedError struct {
	msg  string
	errs []error
}

func (e *storedError) Error() string   { return e.msg }
func (e *storedError) Unwrap() []error { return e.errs }

// itemError is an item error as a batch stores it.
type itemError struct {
	Msg   string   `json:"msg"`
	Kinds []string `json:"kinds,omitempty"`
}

func storeError(err error) *itemError {
	if err == nil {
		return nil
	}
	e := &itemError{Msg: err.Error()}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			e.Kinds = append(e.Kinds, s.name)
		}
	}
	return e
}

func (e *itemError) rebuild() error {
	if e == nil {
		return nil
	}
	out := &storedError{msg: e.Msg}
	for _, k := range e.Kinds {
		for _, s := range sentinels {
			if s.name == k {
				out.errs = append(out.errs, s.err)
			}
		}
	}
	return out
}
