package protocol

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

// SignRequest makes the Authorization header value of a device request:
// "Device <jwt>" with RequestClaims for method and uri (path and query, as
// the server sees r.URL.RequestURI()), a fresh random id, iat = now, and
// the hash of body when there is one. The device id is the key's
// thumbprint (kid), which enrolment returns as DeviceID.
func SignRequest(k *keys.PrivateKey, method, uri string, body []byte, now time.Time) (string, error) {
	return signRequest(k, AuthScheme, RequestJWTType, k.KID(), method, uri, body, now)
}

// SignAgencyRequest makes the Authorization header value of an agency's
// ingestion request: "Agency <jwt>", typ AgencyRequestJWTType, the same
// claims as a device request with sub = the agency's issuer id, signed by
// the agency's client key (its kid is the key's thumbprint).
func SignAgencyRequest(k *keys.PrivateKey, agency, method, uri string, body []byte, now time.Time) (string, error) {
	return signRequest(k, AgencyAuthScheme, AgencyRequestJWTType, agency, method, uri, body, now)
}

func signRequest(k *keys.PrivateKey, scheme, typ, sub, method, uri string, body []byte, now time.Time) (string, error) {
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return "", err
	}
	c := map[string]any{
		"sub": sub,
		"htm": method,
		"htu": uri,
		"iat": now.Unix(),
		"jti": base64.RawURLEncoding.EncodeToString(id),
	}
	if len(body) > 0 {
		sum := sha256.Sum256(body)
		c["bh"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	jwt, err := keys.SignJWT(k, typ, c)
	if err != nil {
		return "", err
	}
	return scheme + " " + jwt, nil
}
