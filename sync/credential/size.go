package credential

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/vnwallet/citizenwallet/wallet"
)

// MaxBytes is the largest credential the warehouse issues and a wallet
// stores: a record whose credential would be larger is refused when its
// agency sends it (a record that could never be served must never enter a
// feed).
const MaxBytes = 32 << 10

// Size is an upper bound of the length of Issue's result for r and
// citizenID, without signing anything: the fixed parts at their largest
// (header, holder key, signature of either algorithm), each claim's
// disclosure and digest exactly as Issue encodes them. It is within a few
// hundred bytes of the real length, so it is the size check of ingestion.
func Size(r wallet.Record, citizenID string) int {
	const (
		header    = 120 // base64url of {"alg":"ES256","kid":<43>,"typ":"dc+sd-jwt"}
		holderJWK = 200 // an EC P-256 public JWK with its members' names
		signature = 86  // base64url of 64 bytes (ES256 and EdDSA)
		digest    = 46  // "<43 chars>",
		salt      = 22  // base64url of 16 bytes
	)
	b64 := base64.RawURLEncoding.EncodedLen
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // as Issue encodes
	jsonLen := func(v any) int {
		buf.Reset()
		if err := enc.Encode(v); err != nil {
			return MaxBytes + 1 // not plain JSON: Issue refuses it anyway
		}
		return buf.Len() - 1 // Encode's newline
	}
	disclosures, claims := 0, 0
	add := func(name string, v any) {
		// ["salt","name",value] plus a "~"
		disclosures += b64(2+salt+2+jsonLen(name)+1+jsonLen(v)+1) + 1
		claims++
	}
	for name, v := range r.Claims {
		add(name, v)
	}
	add(ClaimCitizen, citizenID)
	add(ClaimRecordID, r.ID)
	// An object the record has members of is one disclosure more,
	// ["salt","name",{"_sd":[...]}] with a digest for each of its fields
	// (members and decoys), and one digest of the payload in place of its
	// members'.
	if t, ok := wallet.LookupType(r.Type); ok {
		for _, o := range t.Objects {
			n := 0
			for _, f := range o.Fields {
				if _, ok := r.Claims[f]; ok {
					n++
				}
			}
			if n > 0 {
				disclosures += b64(2+salt+2+jsonLen(o.Name)+1+len(`{"_sd":[]}`)+digest*len(o.Fields)) + 1
				claims -= n - 1
			}
		}
	}
	payload := jsonLen(map[string]any{
		"iss": r.Issuer, "iat": r.IssuedAt.Unix(), "exp": r.IssuedAt.Unix(), "_sd_alg": "sha-256",
		"vct":       "urn:" + strings.Repeat("x", 20) + ":vct:" + r.Type,                                            // the province's URN
		"status":    map[string]any{"status_list": map[string]any{"idx": 1 << 30, "uri": strings.Repeat("x", 100)}}, // a warehouse status URI
		metaVersion: r.Version, metaStatus: string(r.Status), metaDate: r.IssuedAt.Unix(),
		metaValidFrom: r.ValidFrom.Unix(), metaValidUntil: r.ValidUntil.Unix(),
	}) + len(`,"cnf":{"jwk":}`) + holderJWK + len(`,"_sd":[]`) + digest*(claims+DecoysFor(r))
	return header + 1 + b64(payload) + 1 + signature + 1 + disclosures
}
