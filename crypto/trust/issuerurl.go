package trust

import (
	"fmt"
	"net/url"
	"strings"
)

// MaxIssuerURLLen bounds an issuer's https identifier.
const MaxIssuerURLLen = 200

// An issuer may have an https identifier (Issuer.URL, "iss" on the wire):
// the iss its credentials carry, as SD-JWT VC wants, e.g.
//
//	https://dulieu.dongnai.gov.vn/issuers/vn.dongnai.soyte
//
// A verifier that knows nothing of this trust list can fetch the issuer's
// keys from it: the JWT VC Issuer Metadata at the URL's origin +
// "/.well-known/jwt-vc-issuer" + its path, which the province's warehouse
// serves. Issuers without one (lists made before) sign with their id as
// iss. Issuer and Key find an issuer by either.

// CheckIssuerURL reports whether u is an acceptable issuer identifier: an
// absolute https URL with a host, no user info, query, fragment or
// escapes, a path without empty, "." or ".." segments, at most
// MaxIssuerURLLen printable ASCII characters.
func CheckIssuerURL(u string) error {
	p, err := parseHTTPS("issuer identifier", u, MaxIssuerURLLen)
	if err != nil {
		return err
	}
	if p.Path != "" && (!strings.HasPrefix(p.Path, "/") || strings.HasSuffix(p.Path, "/") || !cleanPath(p.Path+"/")) {
		return fmt.Errorf("issuer identifier %.80q: the path must have no empty, . or .. segment and no trailing /", u)
	}
	return nil
}

// Iss is the iss an issuer's credentials carry: its URL, or its id when
// it has none.
func (is *Issuer) Iss() string {
	if is.URL != "" {
		return is.URL
	}
	return is.ID
}

// MetadataURL is where the JWT VC Issuer Metadata of the https issuer
// identifier iss is served (SD-JWT VC): its origin, then
// "/.well-known/jwt-vc-issuer", then its path.
func MetadataURL(iss string) (string, error) {
	if err := CheckIssuerURL(iss); err != nil {
		return "", err
	}
	p, _ := url.Parse(iss)
	return "https://" + p.Host + "/.well-known/jwt-vc-issuer" + p.Path, nil
}

// checkIssuerURLs checks every issuer's identifier, and that no two
// issuers share one (with each other's ids too).
func (l *List) checkIssuerURLs() error {
	seen := map[string]string{}
	for _, is := range l.Issuers {
		seen[is.ID] = is.ID
	}
	for _, is := range l.Issuers {
		if is.URL == "" {
			continue
		}
		if err := CheckIssuerURL(is.URL); err != nil {
			return fmt.Errorf("issuer %s: %w", is.ID, err)
		}
		if other, dup := seen[is.URL]; dup {
			return fmt.Errorf("issuer %s: identifier %s is also %s's", is.ID, is.URL, other)
		}
		seen[is.URL] = is.ID
	}
	return nil
}
