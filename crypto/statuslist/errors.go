package statuslist

import (
	"errors"
	"fmt"
)

// Sentinel errors. Match them with errors.Is. Every error for a bad
// status_list object wraps ErrList, every error for a bad Status List
// Token wraps ErrToken (a token whose status_list is bad wraps both), and
// every error for a bad status claim of a credential wraps ErrReference;
// each also wraps at most one of the more specific sentinels below it.
var (
	// ErrList: a status_list object (or the list inside it) was rejected.
	ErrList = errors.New("statuslist: invalid status list")
	// ErrMalformed: not one JSON object {"bits":..,"lst":..} (duplicate or
	// unknown members, wrong JSON types, invalid UTF-8).
	ErrMalformed = fmt.Errorf("%w: malformed", ErrList)
	// ErrBits: bits is not exactly the JSON integer 1, 2, 4 or 8.
	ErrBits = fmt.Errorf("%w: bits must be 1, 2, 4 or 8", ErrList)
	// ErrBase64: lst is not unpadded, canonical base64url (padding, white
	// space, the standard alphabet and non-zero trailing bits are refused).
	ErrBase64 = fmt.Errorf("%w: lst is not unpadded base64url", ErrList)
	// ErrCompression: lst is not exactly one ZLIB (RFC 1950) stream of
	// DEFLATE data with a good Adler-32, or bytes follow it.
	ErrCompression = fmt.Errorf("%w: lst is not one ZLIB/DEFLATE stream", ErrList)
	// ErrTooLarge: the list decompresses to more than the caller's limit
	// (a decompression bomb), or its compressed form is longer than that
	// limit allows. Decompression stops at the limit: no more than
	// limit+1 bytes are ever produced.
	ErrTooLarge = fmt.Errorf("%w: larger than the limit", ErrList)
	// ErrEmpty: the list decompresses to no bytes: it has no entries.
	ErrEmpty = fmt.Errorf("%w: no entries", ErrList)

	// ErrIndex: an index is negative or not below the list's Len. The
	// draft's rule: no statement about the token can be made, reject it.
	ErrIndex = errors.New("statuslist: index out of range")
	// ErrValue: a status value does not fit the list's bits (Set).
	ErrValue = errors.New("statuslist: status value does not fit the list's bits")

	// ErrToken: a Status List Token was rejected.
	ErrToken = errors.New("statuslist: invalid status list token")
	// ErrTokenTooLarge: the compact token is longer than the size the
	// caller's decompression limit allows; nothing was decoded.
	ErrTokenTooLarge = fmt.Errorf("%w: too large", ErrToken)
	// ErrJWS: the compact JWS breaks the header policy of crypto/keys
	// (alg, kid, no embedded keys, no crit, no unknown members, canonical
	// base64url, three parts). The keys sentinel is wrapped as well.
	ErrJWS = fmt.Errorf("%w: JWS", ErrToken)
	// ErrTyp: the header's typ is not exactly "statuslist+jwt".
	ErrTyp = fmt.Errorf("%w: typ is not %q", ErrToken, Typ)
	// ErrUnknownKey: the caller's key lookup has no key for the kid (the
	// trust list does not allow that key to sign this list).
	ErrUnknownKey = fmt.Errorf("%w: no trusted key for its kid", ErrToken)
	// ErrSignature: the signature does not verify under the key the
	// lookup returned (or the key's alg is not the header's).
	ErrSignature = fmt.Errorf("%w: signature does not verify", ErrToken)
	// ErrClaims: the payload is not a JSON object with sub (string), iat
	// (integer), optional exp, nbf (integers) and ttl (positive integer),
	// and status_list.
	ErrClaims = fmt.Errorf("%w: bad claims", ErrToken)
	// ErrSubject: sub is not the URI the credential referenced.
	ErrSubject = fmt.Errorf("%w: sub is not the expected URI", ErrToken)
	// ErrExpired: now is at or after exp.
	ErrExpired = fmt.Errorf("%w: expired", ErrToken)
	// ErrNotYetValid: iat (or nbf) is later than now plus the allowed
	// clock skew.
	ErrNotYetValid = fmt.Errorf("%w: issued in the future", ErrToken)

	// ErrReference: a credential's status claim was rejected.
	ErrReference = errors.New("statuslist: invalid status claim")
	// ErrNoStatusList: no status claim, or no status_list in it.
	ErrNoStatusList = fmt.Errorf("%w: no status.status_list", ErrReference)
	// ErrIdx: idx is missing or not a non-negative JSON integer up to
	// MaxIndex.
	ErrIdx = fmt.Errorf("%w: idx must be an integer from 0 to %d", ErrReference, MaxIndex)
	// ErrURI: uri is missing or not an absolute https URI (see ParseURI).
	ErrURI = fmt.Errorf("%w: uri must be an absolute https URI", ErrReference)
)
