package consent

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/crypto/trust"
)

// RecordError is a refusal about one record of a token, for a counter to
// say which: the record's place in the token (from 1) and, as far as the
// token tells, its agency (by id) and record type (code). Err is the
// refusal (matched with errors.Is as any other: ErrWithdrawn,
// ErrKeyCompromised ...).
//
// Issuer and Type come from the record's issuer JWT read without trust
// when verification failed (a forged record may name any agency): use
// them to say what the token claims, never as a verified fact.
type RecordError struct {
	Record, Records int
	Issuer, Type    string
	Err             error
}

func (e *RecordError) Error() string {
	return fmt.Sprintf("record %d of %d (%s of %s): %v", e.Record, e.Records, e.Type, e.Issuer, e.Err)
}

func (e *RecordError) Unwrap() error { return e.Err }

// recordError names record i (from 0) of n, the presentation pres, in a
// refusal.
func recordError(i, n int, pres string, list *trust.List, err error) *RecordError {
	e := &RecordError{Record: i + 1, Records: n, Err: err}
	jwt, _, _ := strings.Cut(pres, "~")
	u, perr := keys.ParseUnverified(jwt, sdjwt.TypCredential)
	if perr != nil {
		return e
	}
	var p struct {
		Iss string `json:"iss"`
		VCT string `json:"vct"`
	}
	if json.Unmarshal(u.UnverifiedPayload(), &p) != nil {
		return e
	}
	e.Issuer, e.Type = p.Iss, p.VCT
	if is, ok := list.Issuer(p.Iss); ok {
		e.Issuer = is.ID
	}
	e.Type, _ = list.TypeCode(p.VCT)
	return e
}
