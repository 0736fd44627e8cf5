package trust

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

// MaxStatusPrefixLen is the longest status_lists prefix accepted, in
// bytes.
const MaxStatusPrefixLen = 256

// Sentinels of the status-list lookups.
var (
	// ErrNoStatusListIssuer: no issuer of the list publishes status lists
	// under that URI, so no key may sign a list there.
	ErrNoStatusListIssuer = errors.New("trust: no issuer publishes status lists at that URI")
	// ErrStatusURI: a credential names a status list that is not under
	// its own issuer's status_lists prefix (or its issuer has none). A
	// withdrawn credential must not be "revived" by pointing it at
	// another agency's list, where its index may be VALID.
	ErrStatusURI = errors.New("trust: credential's status list is not its issuer's")
)

// CheckStatusPrefix reports whether p is an acceptable status_lists
// prefix: at most MaxStatusPrefixLen bytes of printable ASCII, an
// absolute https URL with a host, no user info, port allowed, no query
// or fragment, a path that ends in "/" and has no "." or ".." segment
// nor "//" and no percent-escapes.
func CheckStatusPrefix(p string) error {
	u, err := parseHTTPS("status_lists", p, MaxStatusPrefixLen)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(u.Path, "/") || !strings.HasSuffix(u.Path, "/") || !cleanPath(u.Path) {
		return fmt.Errorf("status_lists %.80q: the path must start and end with / and have no empty, . or .. segment", p)
	}
	return nil
}

// parseHTTPS parses u, the value of member what, which must be at most
// max printable ASCII characters of an absolute https URL with a host
// and no user info, query, fragment or escapes.
func parseHTTPS(what, u string, max int) (*url.URL, error) {
	if !keys.Printable(u, max) {
		return nil, fmt.Errorf("%s %.80q: 1 to %d printable ASCII characters", what, u, max)
	}
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "https" || p.Host == "" || p.User != nil || p.RawQuery != "" || p.ForceQuery || p.Fragment != "" || strings.ContainsAny(u, "#%\\") {
		return nil, fmt.Errorf("%s %.80q: must be an https URL with a host and no user, query, fragment or escapes", what, u)
	}
	return p, nil
}

// cleanPath reports whether a path "/a/b/" has no empty, "." or ".."
// segment between its slashes.
func cleanPath(p string) bool {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	if len(segs) == 1 && segs[0] == "" {
		return true // "/"
	}
	for _, s := range segs {
		if s == "" || s == "." || s == ".." {
			return false
		}
	}
	return true
}

// checkStatusPrefixes checks every issuer's prefix, and that none is a
// prefix of another's.
func (l *List) checkStatusPrefixes() error {
	var seen []*Issuer
	for i := range l.Issuers {
		is := &l.Issuers[i]
		if is.StatusLists == "" {
			continue
		}
		if err := CheckStatusPrefix(is.StatusLists); err != nil {
			return fmt.Errorf("issuer %s: %w", is.ID, err)
		}
		for _, o := range seen {
			if strings.HasPrefix(is.StatusLists, o.StatusLists) || strings.HasPrefix(o.StatusLists, is.StatusLists) {
				return fmt.Errorf("issuers %s and %s: status_lists prefixes overlap", o.ID, is.ID)
			}
		}
		seen = append(seen, is)
	}
	return nil
}

// under reports whether uri is a list URI under prefix: prefix then one
// or more path characters, with no query, fragment, escape or dot
// segment that a client or server could normalise out from under the
// prefix.
func under(prefix, uri string) bool {
	if prefix == "" || len(uri) <= len(prefix) || !strings.HasPrefix(uri, prefix) {
		return false
	}
	rest := uri[len(prefix):]
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
			return false
		}
	}
	for _, seg := range strings.Split(rest, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// StatusListIssuer returns the issuer whose status_lists prefix covers
// uri (ErrNoStatusListIssuer if none does). Prefixes do not overlap
// (Validate), so there is at most one.
func (l *List) StatusListIssuer(uri string) (*Issuer, error) {
	for i := range l.Issuers {
		if under(l.Issuers[i].StatusLists, uri) {
			return &l.Issuers[i], nil
		}
	}
	return nil, fmt.Errorf("%w: %.120q", ErrNoStatusListIssuer, uri)
}

// StatusListKey returns the key that may sign the Status List Token at
// uri with that kid, judged at the list's iat: a key of the issuer whose
// status_lists prefix covers uri (ErrNoStatusListIssuer otherwise),
// valid at at and not compromised, exactly as Key judges a credential's
// key (ErrUnknownKey, ErrKeyNotValidAt, ErrKeyCompromised). A key of
// another issuer, or a revocation key, never signs a list.
func (l *List) StatusListKey(uri, kid string, at time.Time) (*keys.PublicKey, error) {
	is, err := l.StatusListIssuer(uri)
	if err != nil {
		return nil, err
	}
	return l.Key(is.ID, kid, at)
}

// CheckStatusURI returns nil if a credential of issuer may name the
// status list at uri: uri lies under that issuer's status_lists prefix.
// Otherwise ErrStatusURI (also when the issuer publishes no lists), or
// ErrUnknownIssuer.
func (l *List) CheckStatusURI(issuer, uri string) error {
	is, ok := l.Issuer(issuer)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownIssuer, truncate(issuer))
	}
	if is.StatusLists == "" {
		return fmt.Errorf("%w: %s publishes no status lists, credential names %.120q", ErrStatusURI, issuer, uri)
	}
	if !under(is.StatusLists, uri) {
		return fmt.Errorf("%w: %.120q is not under %s's %s", ErrStatusURI, uri, issuer, is.StatusLists)
	}
	return nil
}
