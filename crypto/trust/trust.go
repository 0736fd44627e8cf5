package trust

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

// Typ is the JWS typ of a signed trust list.
const Typ = "trustlist+jwt"

// Limits a list must keep to; Verify refuses a list beyond them.
const (
	MaxIssuers        = 128 // issuing agencies in one province's list
	MaxKeysPerIssuer  = 8   // current, next and a few retired keys
	MaxIDLen          = 64  // province and issuer ids
	MaxNameLen        = 256 // bytes of one display name
	maxSignedListSize = keys.MaxJWSSize
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrInvalidList: the list breaks a rule of Validate (or its JSON is
	// not the documented format). Signature and header failures wrap the
	// keys package's sentinels instead (keys.ErrSignature, keys.ErrTyp ...).
	ErrInvalidList = errors.New("trust: invalid trust list")
	// ErrUnknownIssuer: no issuer with that id is in the list.
	ErrUnknownIssuer = errors.New("trust: unknown issuer")
	// ErrUnknownKey: the issuer is listed but has no key with that kid
	// (including a kid that belongs to another issuer).
	ErrUnknownKey = errors.New("trust: unknown issuer key")
	// ErrKeyNotValidAt: the key exists but its validity window does not
	// contain the time asked about (expired or not yet valid then).
	ErrKeyNotValidAt = errors.New("trust: issuer key not valid at that time")
	// ErrKeyCompromised: the key is listed as compromised (its private
	// half leaked): nothing it signed is accepted, whatever time the
	// signature claims. Distinct from ErrKeyNotValidAt, which a rotated
	// key gives only for times after its end.
	ErrKeyCompromised = errors.New("trust: issuer key compromised")
	// ErrRollback: a newer-looking list has a lower version than the one
	// held, or is for another province.
	ErrRollback = errors.New("trust: trust list rollback")
)

// Name is a display name in Vietnamese and English.
type Name struct {
	VI string `json:"vi"`
	EN string `json:"en,omitempty"`
}

// IssuerKey is one signing key of an issuer and the period in which
// credentials it signed are accepted: NotBefore <= issued-at < NotAfter.
// A zero NotAfter means no end (the key stays valid until a new list
// removes it). A rotated key has a NotAfter: what it signed before keeps
// verifying. A compromised key has Compromised set: nothing it signed
// verifies, whatever its iat says (see doc.go, "Key validity and leaked
// keys").
type IssuerKey struct {
	Key       *keys.PublicKey
	NotBefore time.Time
	NotAfter  time.Time
	// Compromised is when the key's private half is known (or feared) to
	// have leaked; zero for a key in good standing. The time is for
	// people (audits, a counter's explanation): verifiers refuse every
	// signature of the key, before or after it.
	Compromised time.Time
}

// Issuer is an issuing agency (Sở Y tế, BHXH, ...) and its keys.
type Issuer struct {
	ID string // e.g. "vn.dongnai.soyte"; records name their agency by it
	// URL, optional, is the issuer's https identifier: the iss of its
	// credentials when set, else ID is (see issuerurl.go).
	URL  string
	Name Name
	Keys []IssuerKey
	// StatusLists, optional, is the https URI prefix under which the
	// issuer's Token Status Lists are published, ending in "/" (e.g.
	// "https://dulieu.dongnai.gov.vn/status/v1/vn.dongnai.soyte/"). A
	// list at a URI under it must be signed by one of Keys
	// (StatusListKey), and a credential of this issuer may only name a
	// list under it (CheckStatusURI). See doc.go, "Status lists".
	StatusLists string
}

// List is one version of a province's trust list. Times travel as Unix
// seconds: Sign drops anything finer, and Verify returns UTC times.
type List struct {
	Province   string // e.g. "vn.dongnai"
	Version    int64  // increases with every new list
	IssuedAt   time.Time
	NextUpdate time.Time // when a newer list should be fetched
	Issuers    []Issuer
	// RevocationKeys are the keys the root delegates the signing of the
	// counters' consent revocation lists to (crypto/consent), so the root
	// key signs only trust lists. They sign nothing else: a credential
	// signed with one is refused (they belong to no issuer).
	RevocationKeys []IssuerKey
	// Offices is the province's directory of recipients: the offices a
	// citizen may pick by name to share with (see Office). Empty in
	// lists made before the directory existed.
	Offices []Office
}

// The wire format: the JWS payload. Times are Unix seconds.
type wireKey struct {
	JWK       json.RawMessage `json:"jwk"`
	NotBefore int64           `json:"nbf"`
	NotAfter  int64           `json:"exp,omitempty"`
	// Compromised: Unix seconds; present only for a compromised key.
	Compromised int64 `json:"compromised,omitempty"`
}

type wireIssuer struct {
	ID          string    `json:"id"`
	URL         string    `json:"iss,omitempty"`
	Name        Name      `json:"name"`
	Keys        []wireKey `json:"keys"`
	StatusLists string    `json:"status_lists,omitempty"`
}

type wireList struct {
	Province       string       `json:"province"`
	Version        int64        `json:"version"`
	IssuedAt       int64        `json:"iat"`
	NextUpdate     int64        `json:"next_update"`
	Issuers        []wireIssuer `json:"issuers"`
	RevocationKeys []wireKey    `json:"revocation_keys,omitempty"`
	Offices        []Office     `json:"offices,omitempty"`
}

func wireKeys(ks []IssuerKey) ([]wireKey, error) {
	var out []wireKey
	for _, k := range ks {
		j, err := k.Key.MarshalJSON()
		if err != nil {
			return nil, err
		}
		wk := wireKey{JWK: j, NotBefore: k.NotBefore.Unix()}
		if !k.NotAfter.IsZero() {
			wk.NotAfter = k.NotAfter.Unix()
		}
		if !k.Compromised.IsZero() {
			wk.Compromised = k.Compromised.Unix()
		}
		out = append(out, wk)
	}
	return out, nil
}

func parseKeys(wks []wireKey) ([]IssuerKey, error) {
	var out []IssuerKey
	for _, wk := range wks {
		k, err := keys.ParsePublicJWK(wk.JWK)
		if err != nil {
			return nil, err
		}
		ik := IssuerKey{Key: k, NotBefore: unix(wk.NotBefore)}
		if wk.NotAfter != 0 {
			ik.NotAfter = unix(wk.NotAfter)
		}
		if wk.Compromised != 0 {
			if wk.Compromised < 0 {
				return nil, fmt.Errorf("key %s: compromised time %d", k.KID(), wk.Compromised)
			}
			ik.Compromised = unix(wk.Compromised)
		}
		out = append(out, ik)
	}
	return out, nil
}

// Sign validates l and signs it with the province's root key as a
// compact JWS of typ "trustlist+jwt".
func Sign(l List, root *keys.PrivateKey) (string, error) {
	l = l.seconds()
	if err := l.Validate(); err != nil {
		return "", fmt.Errorf("trust: sign: %w", err)
	}
	w := wireList{
		Province:   l.Province,
		Version:    l.Version,
		IssuedAt:   l.IssuedAt.Unix(),
		NextUpdate: l.NextUpdate.Unix(),
	}
	for _, is := range l.Issuers {
		wi := wireIssuer{ID: is.ID, URL: is.URL, Name: is.Name, StatusLists: is.StatusLists}
		ks, err := wireKeys(is.Keys)
		if err != nil {
			return "", fmt.Errorf("trust: sign: issuer %s: %w", is.ID, err)
		}
		wi.Keys = ks
		w.Issuers = append(w.Issuers, wi)
	}
	rks, err := wireKeys(l.RevocationKeys)
	if err != nil {
		return "", fmt.Errorf("trust: sign: revocation keys: %w", err)
	}
	w.RevocationKeys = rks
	w.Offices = l.Offices
	payload, err := json.Marshal(w)
	if err != nil {
		return "", fmt.Errorf("trust: sign: %w", err)
	}
	signed, err := keys.Sign(root, Typ, payload)
	if err != nil {
		return "", fmt.Errorf("trust: sign: %w", err)
	}
	return signed, nil
}

// Verify checks signed against the province's root public key (header
// policy and signature of keys.Verify, typ "trustlist+jwt", kid = the
// root's thumbprint), then decodes the list strictly (no unknown or
// duplicate members, every JWK through keys.ParsePublicJWK) and validates
// it. It does not judge freshness: see Stale and CheckSuccessor.
func Verify(signed string, root *keys.PublicKey) (*List, error) {
	if root == nil {
		return nil, errors.New("trust: verify: no root key")
	}
	if len(signed) > maxSignedListSize {
		return nil, fmt.Errorf("trust: verify: %w", keys.ErrTooLarge)
	}
	payload, _, err := keys.Verify(signed, Typ, keys.StaticKey(root))
	if err != nil {
		return nil, fmt.Errorf("trust: verify: %w", err)
	}
	l, err := decode(payload)
	if err != nil {
		return nil, fmt.Errorf("trust: verify: %w", err)
	}
	if err := l.Validate(); err != nil {
		return nil, fmt.Errorf("trust: verify: %w", err)
	}
	return l, nil
}

// seconds returns a copy of l with every time truncated to the second,
// as it will read after Verify.
func (l List) seconds() List {
	sec := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return t.Truncate(time.Second).UTC()
	}
	l.IssuedAt, l.NextUpdate = sec(l.IssuedAt), sec(l.NextUpdate)
	issuers := make([]Issuer, len(l.Issuers))
	for i, is := range l.Issuers {
		ks := make([]IssuerKey, len(is.Keys))
		for j, k := range is.Keys {
			ks[j] = IssuerKey{Key: k.Key, NotBefore: sec(k.NotBefore), NotAfter: sec(k.NotAfter), Compromised: sec(k.Compromised)}
		}
		is.Keys = ks
		issuers[i] = is
	}
	l.Issuers = issuers
	rks := make([]IssuerKey, len(l.RevocationKeys))
	for i, k := range l.RevocationKeys {
		rks[i] = IssuerKey{Key: k.Key, NotBefore: sec(k.NotBefore), NotAfter: sec(k.NotAfter), Compromised: sec(k.Compromised)}
	}
	l.RevocationKeys = rks
	return l
}

func decode(payload []byte) (*List, error) {
	var w wireList
	if err := keys.DecodeStrict(payload, &w); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidList, err)
	}
	l := &List{
		Province:   w.Province,
		Version:    w.Version,
		IssuedAt:   unix(w.IssuedAt),
		NextUpdate: unix(w.NextUpdate),
	}
	for _, wi := range w.Issuers {
		ks, err := parseKeys(wi.Keys)
		if err != nil {
			return nil, fmt.Errorf("%w: issuer %q: %w", ErrInvalidList, wi.ID, err)
		}
		l.Issuers = append(l.Issuers, Issuer{ID: wi.ID, URL: wi.URL, Name: wi.Name, Keys: ks, StatusLists: wi.StatusLists})
	}
	rks, err := parseKeys(w.RevocationKeys)
	if err != nil {
		return nil, fmt.Errorf("%w: revocation keys: %w", ErrInvalidList, err)
	}
	l.RevocationKeys = rks
	l.Offices = w.Offices
	return l, nil
}

// unix converts Unix seconds to UTC time; 0 and negative values become
// the zero time, which Validate rejects where a time is required.
func unix(s int64) time.Time {
	if s <= 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

// maxUnix bounds the times a list may hold (year 9999), so every time
// converts to Unix seconds and back unchanged.
var maxUnix = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// Validate checks the rules Sign and Verify enforce:
//
//   - Province and every issuer ID: 1 to MaxIDLen bytes of a-z, 0-9,
//     '.', '-', '_';
//   - Version >= 1; IssuedAt set; NextUpdate after IssuedAt;
//   - 1 to MaxIssuers issuers with unique IDs, each with a Vietnamese name
//     (English optional, each at most MaxNameLen bytes);
//   - each issuer has 1 to MaxKeysPerIssuer keys; each key is set, has a
//     NotBefore, a NotAfter that is zero or after NotBefore, and a
//     Compromised time that is zero or a valid time;
//   - a key (by kid) appears only once in the whole list: one key never
//     speaks for two issuers, nor for an issuer and the revocation lists;
//   - at most MaxKeysPerIssuer revocation keys, each checked as an
//     issuer's;
//   - every time lies after 1970 and before the year 10000;
//   - a status_lists prefix, where given, passes CheckStatusPrefix, and
//     no issuer's prefix is a prefix of another's: each list URI belongs
//     to one issuer at most;
//   - the offices pass ValidateOffices (an office may share its id with
//     an issuer).
//
// Errors wrap ErrInvalidList.
func (l *List) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidList, fmt.Sprintf(format, a...))
	}
	if !validID(l.Province) {
		return bad("province id %q", l.Province)
	}
	if l.Version < 1 {
		return bad("version must be 1 or more")
	}
	if !validTime(l.IssuedAt) || !validTime(l.NextUpdate) {
		return bad("issued-at and next-update must be set and before the year 10000")
	}
	if !l.NextUpdate.After(l.IssuedAt) {
		return bad("next update must be after issue")
	}
	if len(l.Issuers) == 0 || len(l.Issuers) > MaxIssuers {
		return bad("must list 1 to %d issuers", MaxIssuers)
	}
	ids := make(map[string]bool, len(l.Issuers))
	kids := make(map[string]string)
	for _, is := range l.Issuers {
		if !validID(is.ID) {
			return bad("issuer id %q", is.ID)
		}
		if ids[is.ID] {
			return bad("issuer %s listed twice", is.ID)
		}
		ids[is.ID] = true
		if is.Name.VI == "" || len(is.Name.VI) > MaxNameLen || len(is.Name.EN) > MaxNameLen {
			return bad("issuer %s: Vietnamese name required, names at most %d bytes", is.ID, MaxNameLen)
		}
		if len(is.Keys) == 0 || len(is.Keys) > MaxKeysPerIssuer {
			return bad("issuer %s: must have 1 to %d keys", is.ID, MaxKeysPerIssuer)
		}
		if err := checkKeys("issuer "+is.ID, is.Keys, kids); err != nil {
			return bad("%v", err)
		}
	}
	if err := l.checkStatusPrefixes(); err != nil {
		return bad("%v", err)
	}
	if err := l.checkIssuerURLs(); err != nil {
		return bad("%v", err)
	}
	if len(l.RevocationKeys) > MaxKeysPerIssuer {
		return bad("at most %d revocation keys", MaxKeysPerIssuer)
	}
	if err := checkKeys("revocation lists", l.RevocationKeys, kids); err != nil {
		return bad("%v", err)
	}
	return ValidateOffices(l.Offices)
}

// checkKeys checks the keys of owner, recording each kid in kids.
func checkKeys(owner string, ks []IssuerKey, kids map[string]string) error {
	for _, k := range ks {
		if k.Key == nil || !k.Key.Alg().Valid() {
			return fmt.Errorf("%s: empty key", owner)
		}
		if other, dup := kids[k.Key.KID()]; dup {
			return fmt.Errorf("key %s listed for both %s and %s", k.Key.KID(), other, owner)
		}
		kids[k.Key.KID()] = owner
		if !validTime(k.NotBefore) || (!k.NotAfter.IsZero() && !validTime(k.NotAfter)) {
			return fmt.Errorf("%s key %s: not-before must be set; times before the year 10000", owner, k.Key.KID())
		}
		if !k.NotAfter.IsZero() && !k.NotAfter.After(k.NotBefore) {
			return fmt.Errorf("%s key %s: not-after must be after not-before", owner, k.Key.KID())
		}
		if !k.Compromised.IsZero() && !validTime(k.Compromised) {
			return fmt.Errorf("%s key %s: compromised time must lie after 1970 and before the year 10000", owner, k.Key.KID())
		}
	}
	return nil
}

func validTime(t time.Time) bool {
	return t.Unix() > 0 && !t.After(maxUnix)
}

func validID(s string) bool {
	if len(s) == 0 || len(s) > MaxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Issuer returns the listed issuer with that id or https identifier
// (URL): a credential's iss is either.
func (l *List) Issuer(id string) (*Issuer, bool) {
	for i := range l.Issuers {
		if is := &l.Issuers[i]; is.ID == id || (is.URL != "" && is.URL == id) {
			return is, true
		}
	}
	return nil, false
}

// Key returns the key with that kid of that issuer if the key was valid
// at at (NotBefore <= at < NotAfter), which callers set to the
// credential's issue time. The method value l.Key is the issuer-key
// lookup sdjwt.Verify takes.
//
// Judging keys by issue time means a credential stays verifiable after
// its key is retired (rotated), as long as the list keeps the retired
// key. A key marked Compromised gives ErrKeyCompromised whatever at is:
// the issue time inside a credential signed with a leaked key can be
// anything, so no time can make it trustworthy.
func (l *List) Key(issuer, kid string, at time.Time) (*keys.PublicKey, error) {
	is, ok := l.Issuer(issuer)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownIssuer, truncate(issuer))
	}
	for _, k := range is.Keys {
		if k.Key.KID() != kid {
			continue
		}
		if !k.Compromised.IsZero() {
			return nil, fmt.Errorf("%w: key %s of %s was compromised at %s: nothing it signed is accepted", ErrKeyCompromised, kid, issuer, k.Compromised.Format(time.RFC3339))
		}
		if at.Before(k.NotBefore) {
			return nil, fmt.Errorf("%w: key %s of %s is valid from %s, asked for %s", ErrKeyNotValidAt, kid, issuer, k.NotBefore.Format(time.RFC3339), at.UTC().Format(time.RFC3339))
		}
		if !k.NotAfter.IsZero() && !at.Before(k.NotAfter) {
			return nil, fmt.Errorf("%w: key %s of %s expired at %s, asked for %s", ErrKeyNotValidAt, kid, issuer, k.NotAfter.Format(time.RFC3339), at.UTC().Format(time.RFC3339))
		}
		return k.Key, nil
	}
	return nil, fmt.Errorf("%w: %q has no key %q", ErrUnknownKey, issuer, truncate(kid))
}

// Compromised reports whether a key with that kid is listed as
// compromised, under any issuer or among the revocation keys. A wallet
// uses it to find the stored credentials it must have re-issued.
func (l *List) Compromised(kid string) bool {
	for _, is := range l.Issuers {
		for _, k := range is.Keys {
			if k.Key.KID() == kid {
				return !k.Compromised.IsZero()
			}
		}
	}
	for _, k := range l.RevocationKeys {
		if k.Key.KID() == kid {
			return !k.Compromised.IsZero()
		}
	}
	return false
}

// RevocationKey returns the delegated revocation-list key with that kid
// if it was valid at at (the list's issue time), as Key does for an
// issuer's key.
func (l *List) RevocationKey(kid string, at time.Time) (*keys.PublicKey, error) {
	for _, k := range l.RevocationKeys {
		if k.Key.KID() != kid {
			continue
		}
		if !k.Compromised.IsZero() {
			return nil, fmt.Errorf("%w: revocation key %s was compromised at %s", ErrKeyCompromised, kid, k.Compromised.Format(time.RFC3339))
		}
		if at.Before(k.NotBefore) || (!k.NotAfter.IsZero() && !at.Before(k.NotAfter)) {
			return nil, fmt.Errorf("%w: revocation key %s is not valid at %s", ErrKeyNotValidAt, kid, at.UTC().Format(time.RFC3339))
		}
		return k.Key, nil
	}
	return nil, fmt.Errorf("%w: no revocation key %q", ErrUnknownKey, truncate(kid))
}

// Stale reports whether the list is past its NextUpdate at now. A stale
// list still verifies (counters work offline); the caller decides what
// to show and when to refetch.
func (l *List) Stale(now time.Time) bool { return now.After(l.NextUpdate) }

// CheckSuccessor returns nil if next may replace held: same province and
// a version at least as high (equal means the same list fetched again).
// It returns ErrRollback otherwise. A nil held accepts any list.
func CheckSuccessor(held, next *List) error {
	if held == nil {
		return nil
	}
	if next.Province != held.Province {
		return fmt.Errorf("%w: list is for %s, held list for %s", ErrRollback, next.Province, held.Province)
	}
	if next.Version < held.Version {
		return fmt.Errorf("%w: version %d is older than held version %d", ErrRollback, next.Version, held.Version)
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
