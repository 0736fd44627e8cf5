// Package cli holds what the project's command-line programs (walletctl,
// warehouse) share: an error that carries its exit code and a sentence
// for the user.
package cli

import (
	"errors"
	"fmt"
)

// Exit codes every program uses the same way; a program adds its own
// from 3 up (documented in its doc.go).
const (
	OK       = 0
	Failure  = 1
	Usage    = 2
	Invalid  = 5
	NotFound = 6
)

// Error carries an exit code and a message that is already a full,
// user-facing sentence.
type Error struct {
	Code int
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Usagef is an Error with the Usage exit code.
func Usagef(format string, args ...any) error {
	return &Error{Code: Usage, Msg: fmt.Sprintf(format, args...)}
}

// As returns the *Error in err's chain, if there is one.
func As(err error) (*Error, bool) {
	var ce *Error
	ok := errors.As(err, &ce)
	return ce, ok
}
