package sdjwt

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

// The JWS typ values of the two JWTs of an SD-JWT presentation.
const (
	TypCredential = "dc+sd-jwt" // the issuer-signed JWT (RFC 9901 §9.3; SD-JWT VC)
	TypKeyBinding = "kb+jwt"    // the key-binding JWT (RFC 9901 §4.3)
)

// SDAlg is the only digest algorithm issued and accepted.
const SDAlg = "sha-256"

// MaxDecoys is the most decoy digests Issue adds.
const MaxDecoys = 32

// reservedIssuerClaims are the claims of the issuer-signed JWT that this
// package writes or interprets itself, plus the registered JWT claims
// that must never be selectively disclosed or set as metadata: a
// disclosed "exp" or a metadata "cnf" would be read by someone as what it
// is not. "sub" is reserved too: the citizen's id is a disclosable claim,
// never a plain one (see doc.go).
var reservedIssuerClaims = map[string]bool{
	"iss": true, "sub": true, "aud": true, "iat": true, "nbf": true, "exp": true,
	"jti": true, "vct": true, "vct#integrity": true, "cnf": true, "status": true,
	"_sd": true, "_sd_alg": true, "...": true,
}

// Credential claims this package itself writes and reads: they are not
// returned as metadata.
var registeredIssuerClaims = map[string]bool{
	"iss": true, "iat": true, "nbf": true, "exp": true, "vct": true, "cnf": true, "_sd": true, "_sd_alg": true,
}

// IssueRequest describes one credential (one version of one record).
type IssueRequest struct {
	// Issuer is the iss claim: the issuer's id in the trust list,
	// e.g. "vn.dongnai.soyte". Required.
	Issuer string
	// Type is the vct claim: the record type, e.g.
	// "health.insurance_card". Required.
	Type string
	// IssuedAt is iat; verifiers pick the issuer key valid at this time.
	// Required. Times are written as whole Unix seconds.
	IssuedAt time.Time
	// NotBefore and Expires are nbf and exp; zero leaves them out.
	NotBefore, Expires time.Time
	// Holder is the device key the credential is bound to (cnf.jwk).
	// Required: every credential is holder-bound.
	Holder *keys.PublicKey
	// Metadata are always-visible plain claims, e.g. the record id and
	// version. Names may not be reserved (iss, sub, iat, nbf, exp, jti,
	// vct, cnf, status, aud, _sd, _sd_alg, ...) nor appear in Claims.
	// Nothing personal belongs here: every verifier sees all of it.
	Metadata map[string]any
	// Claims are the selectively disclosable claims: one disclosure each,
	// with a fresh 128-bit salt. Values are plain JSON (no "_sd" or "..."
	// members at any depth).
	Claims map[string]any
	// Decoys is the number of random digests added to _sd (0 to
	// MaxDecoys), hiding how many claims the credential has.
	Decoys int
	// Objects groups claims into selectively disclosable objects: each
	// key is an object's name, its value the names of the Claims that
	// become its members. The object is one disclosure of the payload
	// whose value is {"_sd": [the members' digests and ObjectDecoys]},
	// and each member a disclosure of its own (RFC 9901 §4.2.6,
	// recursive disclosures), so a holder can disclose the object with
	// any subset of its members: a province without the street. A member
	// not in Claims is left out (and covered by a decoy when
	// ObjectDecoys says so). Object names follow the claim-name rules and
	// may not be claim names.
	Objects map[string][]string
	// ObjectDecoys, when true, pads every object to its number of
	// members with decoys, so an object's digest count tells nothing of
	// which members it has.
	ObjectDecoys bool
	// Seed, when set (SeedSize random bytes, for this credential only),
	// is what every salt and decoy is derived from (SeededSalt,
	// SeededDecoy) instead of being drawn at random; see seed.go. Nil:
	// random salts and decoys.
	Seed []byte
	// Status, when set, is the plain "status" claim (SD-JWT VC,
	// draft-ietf-oauth-status-list), e.g. {"status_list": {"idx": 7,
	// "uri": "https://…"}}: where a verifier checks whether the
	// credential is still valid. Plain JSON; never disclosable.
	Status map[string]any
}

// Issue signs a credential with the issuer's key and returns it in the
// issuance form "<issuer-signed JWT>~<disclosure>~...~<disclosure>~"
// (RFC 9901 §4), disclosures in claim-name order.
func Issue(issuer *keys.PrivateKey, req IssueRequest) (string, error) {
	s, err := issue(issuer, req)
	if err != nil {
		return "", fmt.Errorf("sdjwt: issue: %w", err)
	}
	return s, nil
}

func issue(issuer *keys.PrivateKey, req IssueRequest) (string, error) {
	if issuer == nil {
		return "", errors.New("no issuer key")
	}
	if req.Issuer == "" || req.Type == "" {
		return "", errors.New("issuer and type are required")
	}
	if req.IssuedAt.IsZero() {
		return "", errors.New("issued-at is required")
	}
	for name, t := range map[string]time.Time{"issued-at": req.IssuedAt, "not-before": req.NotBefore, "expiry": req.Expires} {
		if !t.IsZero() {
			if err := checkDate(name, t); err != nil {
				return "", err
			}
		}
	}
	if req.Holder == nil || !req.Holder.Alg().Valid() {
		return "", errors.New("holder key is required")
	}
	if req.Decoys < 0 || req.Decoys > MaxDecoys {
		return "", fmt.Errorf("decoys must be 0 to %d", MaxDecoys)
	}
	if err := checkSeed(req.Seed); err != nil {
		return "", err
	}
	if len(req.Claims) > MaxDisclosures || len(req.Claims)+req.Decoys > MaxDigests {
		return "", fmt.Errorf("%w: more than %d claims", ErrTooLarge, MaxDisclosures)
	}
	if !req.Expires.IsZero() && !req.Expires.After(req.IssuedAt) {
		return "", errors.New("expiry must be after issue")
	}
	payload := map[string]any{
		"iss":     req.Issuer,
		"iat":     req.IssuedAt.Unix(),
		"vct":     req.Type,
		"_sd_alg": SDAlg,
		"cnf":     map[string]any{"jwk": req.Holder},
	}
	if !req.NotBefore.IsZero() {
		payload["nbf"] = req.NotBefore.Unix()
	}
	if !req.Expires.IsZero() {
		payload["exp"] = req.Expires.Unix()
	}
	if req.Status != nil {
		if err := checkPlainValue(req.Status); err != nil {
			return "", fmt.Errorf("status: %w", err)
		}
		payload["status"] = req.Status
	}
	for name, v := range req.Metadata {
		if reservedIssuerClaims[name] || name == "" {
			return "", fmt.Errorf("%w: metadata %q", ErrReservedName, name)
		}
		if _, ok := req.Claims[name]; ok {
			return "", fmt.Errorf("%w: %q is both metadata and a disclosable claim", ErrReservedName, name)
		}
		// Round-trip the value to check it is plain JSON.
		if err := checkPlainValue(v); err != nil {
			return "", fmt.Errorf("metadata %q: %w", name, err)
		}
		payload[name] = v
	}
	salt := func(name string) string {
		if req.Seed != nil {
			return SeededSalt(req.Seed, name)
		}
		return newSalt()
	}
	decoys := 0 // decoys made so far: seeded ones are numbered
	decoy := func() string {
		decoys++
		if req.Seed != nil {
			return SeededDecoy(req.Seed, decoys-1)
		}
		return newDecoy()
	}
	// Members of objects, then the top-level claims and the objects.
	memberOf := map[string]string{}
	for obj, members := range req.Objects {
		if err := checkName(obj); err != nil {
			return "", fmt.Errorf("%w: object: %w", ErrReservedName, err)
		}
		if _, clash := req.Claims[obj]; clash || reservedIssuerClaims[obj] || req.Metadata[obj] != nil {
			return "", fmt.Errorf("%w: object %q is also a claim or metadata", ErrReservedName, obj)
		}
		for _, m := range members {
			if prev, twice := memberOf[m]; twice {
				return "", fmt.Errorf("%w: %q is a member of %s and %s", ErrReservedName, m, prev, obj)
			}
			memberOf[m] = obj
		}
	}
	var disclosures []string
	top := map[string]any{}
	for name, v := range req.Claims {
		if _, nested := memberOf[name]; !nested {
			top[name] = v
		}
	}
	objs := make([]string, 0, len(req.Objects))
	for obj := range req.Objects {
		objs = append(objs, obj)
	}
	slices.Sort(objs)
	for _, obj := range objs {
		var sd []string
		members := slices.Sorted(slices.Values(req.Objects[obj]))
		for _, m := range members {
			v, ok := req.Claims[m]
			if !ok {
				if req.ObjectDecoys {
					sd = append(sd, decoy())
				}
				continue
			}
			if err := checkName(m); err != nil {
				return "", fmt.Errorf("%w: %w", ErrReservedName, err)
			}
			d, err := newDisclosure(salt(m), m, v)
			if err != nil {
				return "", err
			}
			disclosures = append(disclosures, d.Encoded)
			sd = append(sd, Digest(d.Encoded))
		}
		if len(sd) == 0 {
			continue // an object with no member present is not issued
		}
		slices.Sort(sd)
		top[obj] = objectValue{sd}
	}
	names := make([]string, 0, len(top))
	for name := range top {
		names = append(names, name)
	}
	slices.Sort(names)
	digests := make([]string, 0, len(names)+req.Decoys)
	for _, name := range names {
		if err := checkName(name); err != nil {
			return "", fmt.Errorf("%w: %w", ErrReservedName, err)
		}
		var d Disclosure
		var err error
		if ov, ok := top[name].(objectValue); ok {
			d, err = newObjectDisclosure(salt(name), name, ov.sd)
		} else {
			d, err = newDisclosure(salt(name), name, top[name])
		}
		if err != nil {
			return "", err
		}
		disclosures = append(disclosures, d.Encoded)
		digests = append(digests, Digest(d.Encoded))
	}
	for range req.Decoys {
		digests = append(digests, decoy())
	}
	if len(digests) > 0 {
		// Sorted, so the order reveals nothing about the claims or which
		// digests are decoys.
		slices.Sort(digests)
		payload["_sd"] = digests
	}
	jwt, err := keys.SignJWT(issuer, TypCredential, payload)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(jwt)
	b.WriteByte('~')
	for _, d := range disclosures {
		b.WriteString(d)
		b.WriteByte('~')
	}
	if b.Len() > MaxSize {
		return "", fmt.Errorf("%w: %d bytes", ErrTooLarge, b.Len())
	}
	return b.String(), nil
}

// objectValue is an issued Object's value: the digests of its members.
type objectValue struct{ sd []string }

// newObjectDisclosure encodes [salt, name, {"_sd": sd}]: the one place a
// disclosure's value holds _sd, which newDisclosure refuses in a value.
func newObjectDisclosure(salt, name string, sd []string) (Disclosure, error) {
	raw, err := marshalJSON([]any{salt, name, map[string]any{"_sd": sd}})
	if err != nil {
		return Disclosure{}, fmt.Errorf("object %q: %w", name, err)
	}
	enc := b64.EncodeToString(raw)
	return Disclosure{Salt: salt, Name: name, Value: map[string]any{"_sd": sd}, Encoded: enc}, nil
}

// checkPlainValue checks that v marshals to JSON with no "_sd" or "..."
// member at any depth.
func checkPlainValue(v any) error {
	raw, err := marshalJSON(v)
	if err != nil {
		return err
	}
	var decoded any
	if err := unmarshalStrict(raw, &decoded); err != nil {
		return err
	}
	return checkPlain(decoded)
}
