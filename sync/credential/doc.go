// Package credential maps a wallet.Record to the issuer-signed SD-JWT
// (RFC 9901, crypto/sdjwt) that carries it, and back: the reference
// warehouse issues records with Issue, and the wallet's sync checks every
// record with Verify before storing it.
//
// # Mapping
//
//	Record field        credential
//	Issuer              iss (an issuer id of the trust list)
//	Type                vct            urn:vn:<province>:vct:<type> (trust.VCT; the bare code in older credentials)
//	IssuedAt            "rdate"        plain metadata, Unix seconds: the record's own date
//	(signing time)      iat            IssueOptions.SignedAt: when the warehouse signed
//	(technical expiry)  exp            IssueOptions.Expires (default iat + 30 days)
//	(status list)       "status"       {"status_list":{"idx":N,"uri":"…"}}, omitted without one
//	ID                  "rid"          a disclosure (plain metadata in older credentials)
//	Version             "rver"         plain metadata
//	Status              "rstatus"      plain metadata (active, withdrawn ...)
//	ValidFrom           "rfrom"        plain metadata, Unix seconds, omitted if zero
//	ValidUntil          "runtil"       plain metadata, Unix seconds, omitted if zero
//	Claims[name]        one disclosure per claim, same name; the fields a
//	                    type groups into an object (RecordType.Objects, the
//	                    place of residence) are the members of one
//	                    disclosable object, each a disclosure of its own
//	(the citizen)       disclosure "holder_citizen_id": the 12-digit number
//	(the device)        cnf.jwk: the device key the warehouse enrolled
//	Domain              not carried: it follows from the type
//
// Plus DecoysFor(r) decoy digests: as many as the fields of the type the
// record leaves out, so every credential of a type has the same number
// of digests, and the count tells nothing of which optional fields a
// record has. (A constant number of decoys, as before, told the number
// of claims exactly; padding to the type's size also costs fewer bytes,
// since most records fill most fields: 1.5 decoys on average for the
// demo's types instead of 3.)
//
// # Structured objects
//
// A type may group fields into an object, as the EU PID's address: the
// residence record's address, commune, district and province are the
// object "residence_address", one disclosure of the payload whose value
// is {"_sd": [its members' digests, padded with decoys to four]}, and
// each member a disclosure of its own (RFC 9901 recursive disclosures).
// A procedure that asks for the province alone gets the object's
// disclosure and the province's; the street and the commune stay hidden
// (their digests travel inside the object). Records, procedures and the
// app keep naming the flat fields: Issue nests them, Verify flattens them
// back, and a counter (crypto/consent) reads an object's disclosed
// members as the record's fields.
//
// # Unlinkability
//
// What every verifier of a credential sees is the issuer JWT: iss, vct,
// iat, exp, cnf, status, the record's version, status, date and
// validity, and the digests. Nothing there names the citizen or the
// record: the record id and the citizen's number are disclosures the
// citizen shares only when a procedure asks for them. What still links
// presentations is the credential itself (its signature and status index
// are the same at every counter) and, across all of a device's records,
// its key in cnf: a set of colluding counters can tell that they saw the
// same device, hence the same citizen, even with no field in common. Credentials are issued per device and re-issued (new
// signature, new salts, new status index) at least every exp; issuing
// several copies per record for one-time use is the way to go further
// (docs/threat-model.md).
//
// # Times: iat, rdate, exp
//
// iat is when the credential was signed, never the record's date: the
// trust list judges the issuer key at iat (crypto/trust), and a key
// rotated since keeps verifying what it signed before its end. The
// record's own date (a birth certificate of 1990, a diploma of 2004)
// travels as the metadata "rdate", so it survives every re-issue
// unchanged. A credential made before rdate existed carries the record's
// date as iat and no exp; Verify reads it as before (IssuedAt = iat), and
// such a credential is always due for a re-issue.
//
// # Expiry
//
// exp is technical: how long this signature may be presented, not how
// long the record is valid. The record's validity stays the metadata
// rfrom/runtil: an expired health-insurance card is still a record the
// citizen must be able to sync and see (shown as expired), and whether a
// record is valid is a question about its content, answered by the app
// and the counter. exp bounds how long a credential outlives a change
// its wallet did not sync (a withdrawal, a compromised key) and lets the
// status list (draft-ietf-oauth-status-list) be the only revocation
// mechanism verifiers need.
//
// The warehouse issues with exp = iat + 30 days (DefaultLifetime;
// configurable per record type) and re-issues a stored credential at
// sync once it is within DefaultRenewBefore (7 days) of its exp; the
// wallet asks for exactly those (Facts.Due). What happens past exp, for
// a citizen with no signal:
//
//   - the wallet keeps the record, lists and shows it: it verified the
//     credential when it stored it, and the record is not withdrawn.
//     Facts.Presentable tells the app to say it needs a sync before it
//     can be shown at a counter ("hồ sơ cần đồng bộ lại");
//   - a verifier refuses the credential: Verify with ErrExpired, a
//     counter with crypto/consent.ErrCredentialExpired. The check is
//     crypto/sdjwt.Verify's own (exp after now − skew), not a second one
//     here.
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
// (ErrUnknownIssuer), the key not compromised (ErrKeyCompromised, at any
// iat) and valid for that issuer at iat (ErrIssuerKey), the signature and
// every disclosure's digest (ErrForged), exp not passed (ErrExpired),
// cnf = this device (ErrOtherDevice), the citizen (ErrOtherCitizen), and
// the record against the type registry (ErrInvalidRecord). VerifyFull
// also returns iat, exp, the signing key and the status reference
// (StatusOf reads the latter from any verified payload, e.g. a
// counter's).
package credential
