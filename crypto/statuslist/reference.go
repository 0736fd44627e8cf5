package statuslist

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strings"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

// MaxURILen is the longest status list URI accepted.
const MaxURILen = 2048

// Reference is what a credential's status claim points to: entry Index
// of the list published at URI.
type Reference struct {
	Index int
	URI   string
}

// ParseURI checks a status list URI and returns it unchanged: 1 to
// MaxURILen printable ASCII bytes (no space, no control, no non-ASCII:
// an IRI must be percent-encoded), an absolute URI with the scheme
// exactly "https", a host, no user information and no fragment.
//
// Relative references are refused: the draft's uri is an RFC 3986 URI,
// and the counter must know where to fetch a list without guessing a
// base. Plain http is refused too, even on a test network: a list is
// signed, but a counter should not reveal over cleartext which list (so
// roughly which agency's credential) it is checking. The URI is compared
// byte for byte with a token's sub, never normalised.
func ParseURI(s string) (string, error) {
	if !keys.Printable(s, MaxURILen) {
		return "", fmt.Errorf("%w: 1 to %d printable ASCII characters", ErrURI, MaxURILen)
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrURI, err)
	}
	switch {
	case u.Scheme != "https" || !strings.HasPrefix(s, "https://"):
		return "", fmt.Errorf("%w: scheme must be https", ErrURI)
	case u.Host == "" || u.Hostname() == "":
		return "", fmt.Errorf("%w: no host", ErrURI)
	case u.User != nil:
		return "", fmt.Errorf("%w: user information", ErrURI)
	case u.Fragment != "" || strings.Contains(s, "#"):
		return "", fmt.Errorf("%w: fragment", ErrURI)
	}
	return s, nil
}

// ParseStatusClaim reads a credential's status claim, given as the raw
// JSON of its value: {"status_list":{"idx":N,"uri":"https://..."}}.
// Other members of status (other status mechanisms) and of status_list
// (extensions) are allowed, as the draft says, and ignored; the JSON must
// pass keys.CheckJSON (no duplicate names). idx must be a JSON integer
// literal (no fraction, no exponent) from 0 to MaxIndex (ErrIdx); uri as
// ParseURI (ErrURI). Whether idx is inside the list is known only once
// the list is fetched (Token.Status: ErrIndex).
func ParseStatusClaim(raw []byte) (Reference, error) {
	r, err := parseStatusClaim(raw)
	if err != nil {
		return Reference{}, fmt.Errorf("statuslist: status claim: %w", err)
	}
	return r, nil
}

func parseStatusClaim(raw []byte) (Reference, error) {
	if len(raw) > 4*MaxURILen {
		return Reference{}, fmt.Errorf("%w: %d bytes", ErrReference, len(raw))
	}
	if err := keys.CheckJSON(raw); err != nil {
		return Reference{}, fmt.Errorf("%w: %w", ErrReference, err)
	}
	var status map[string]json.RawMessage
	if err := json.Unmarshal(raw, &status); err != nil || status == nil {
		return Reference{}, fmt.Errorf("%w: status is not a JSON object", ErrNoStatusList)
	}
	sl, ok := status["status_list"]
	if !ok {
		return Reference{}, ErrNoStatusList
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(sl, &m); err != nil || m == nil {
		return Reference{}, fmt.Errorf("%w: status_list is not a JSON object", ErrNoStatusList)
	}
	idx, ok := m["idx"]
	if !ok {
		return Reference{}, fmt.Errorf("%w: no idx", ErrIdx)
	}
	n, ok := parseInt(idx)
	if !ok || n < 0 || n > MaxIndex {
		return Reference{}, fmt.Errorf("%w: %.30s", ErrIdx, idx)
	}
	rawURI, ok := m["uri"]
	if !ok {
		return Reference{}, fmt.Errorf("%w: no uri", ErrURI)
	}
	var uri string
	if len(rawURI) == 0 || rawURI[0] != '"' || json.Unmarshal(rawURI, &uri) != nil {
		return Reference{}, fmt.Errorf("%w: uri is not a string", ErrURI)
	}
	if _, err := ParseURI(uri); err != nil {
		return Reference{}, err
	}
	return Reference{Index: int(n), URI: uri}, nil
}

// ReferenceFromClaims reads the status claim from a credential's claims
// as decoded by encoding/json into map[string]any (keys.DecodeClaims,
// numbers as float64), with the rules of ParseStatusClaim: idx must be a
// whole number from 0 to MaxIndex. A credential without a status claim
// is ErrNoStatusList.
func ReferenceFromClaims(claims map[string]any) (Reference, error) {
	r, err := referenceFromClaims(claims)
	if err != nil {
		return Reference{}, fmt.Errorf("statuslist: status claim: %w", err)
	}
	return r, nil
}

func referenceFromClaims(claims map[string]any) (Reference, error) {
	status, ok := claims["status"].(map[string]any)
	if !ok {
		return Reference{}, ErrNoStatusList
	}
	sl, ok := status["status_list"].(map[string]any)
	if !ok {
		return Reference{}, ErrNoStatusList
	}
	var n float64
	switch v := sl["idx"].(type) {
	case float64:
		n = v
	case json.Number:
		i, err := v.Int64()
		if err != nil {
			return Reference{}, fmt.Errorf("%w: %.30s", ErrIdx, v)
		}
		n = float64(i)
	default:
		return Reference{}, fmt.Errorf("%w: not a number", ErrIdx)
	}
	if n < 0 || n > MaxIndex || n != math.Trunc(n) {
		return Reference{}, fmt.Errorf("%w: %v", ErrIdx, n)
	}
	uri, ok := sl["uri"].(string)
	if !ok {
		return Reference{}, fmt.Errorf("%w: not a string", ErrURI)
	}
	if _, err := ParseURI(uri); err != nil {
		return Reference{}, err
	}
	return Reference{Index: int(n), URI: uri}, nil
}

// Claim returns the status claim's value for a credential issued with
// reference r: {"status_list":{"idx":N,"uri":"..."}}, for the issuer to
// put in the credential's claims under "status".
func (r Reference) Claim() map[string]any {
	return map[string]any{"status_list": map[string]any{"idx": r.Index, "uri": r.URI}}
}
