// Package credential maps a wallet.Record to the issuer-signed SD-JWT
// (RFC 9901, crypto/sdjwt) that carries it, and back: the reference
// warehouse issues records with Issue, and the wallet's sync checks every
// record with Verify before storing it.
//
// # Mapping
//
//	Record field        credential
//	Issuer              iss (an issuer id of the trust list)
//	Type                vct
//	IssuedAt            iat (whole seconds; the issuer key must be valid then)
//	ID                  "rid"          plain metadata
//	Version             "rver"         plain metadata
//	Status              "rstatus"      plain metadata (active, withdrawn ...)
//	ValidFrom           "rfrom"        plain metadata, Unix seconds, omitted if zero
//	ValidUntil          "runtil"       plain metadata, Unix seconds, omitted if zero
//	Claims[name]        one disclosure per claim, same name
//	(the citizen)       disclosure "holder_citizen_id": the 12-digit number
//	(the device)        cnf.jwk: the device key the warehouse enrolled
//	Domain              not carried: it follows from the type
//
// Plus Decoys decoy digests, so the number of digests does not tell how many
// claims a record has.
//
// Validity dates are metadata, not the JWT's nbf/exp: a credential whose
// exp has passed fails verification, but an expired health-insurance card
// or identity card is still a record the citizen must be able to sync and
// see (shown as expired), and an issuer signs it once. Whether a record is
// still valid is a question about its content, answered by the app and the
// counter, not a reason to refuse the signature.
//
// The citizen binding is a disclosure, not "sub": a plain citizen id would
// be shown to every verifier of every field (see crypto/sdjwt). The wallet
// checks it against its profile on sync; a counter sees it only if the
// citizen shares it.
//
// # Verification
//
// Verify checks, in this order, and returns a distinct sentinel for each:
// the SD-JWT's form (ErrMalformed), the issuer in the trust list
// (ErrUnknownIssuer), the key valid for that issuer at iat
// (ErrIssuerKey), the signature and every disclosure's digest (ErrForged),
// cnf = this device (ErrOtherDevice), the citizen (ErrOtherCitizen), and
// the record against the type registry (ErrInvalidRecord).
package credential
