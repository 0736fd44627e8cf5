package warehouse

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/protocol"
)

// PathIssuers is where agencies' https issuer identifiers live under the
// warehouse's PublicURL: PublicURL/issuers/<agency id> is the iss of the
// agency's credentials (crypto/trust, issuerurl.go), and its JWT VC Issuer
// Metadata (SD-JWT VC) is served at
// /.well-known/jwt-vc-issuer/issuers/<agency id>: {"issuer": iss,
// "jwks": {"keys": [...]}} with the agency's keys that are not
// compromised, so a verifier outside the province's trust list can
// resolve them the standard way. Without a PublicURL agencies sign with
// their id as iss and nothing is served.
const PathIssuers = "/issuers/"

// pathIssuerMetadata is the metadata's route.
const pathIssuerMetadata = "/.well-known/jwt-vc-issuer" + PathIssuers

// issuerURL is an agency's https identifier ("" without a PublicURL).
func (s *Server) issuerURL(agency string) string {
	if s.cfg.PublicURL == "" {
		return ""
	}
	return strings.TrimSuffix(s.cfg.PublicURL, "/") + PathIssuers + agency
}

// handleIssuerMetadata serves an agency's JWT VC Issuer Metadata.
func (s *Server) handleIssuerMetadata(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	list := s.trustList
	s.mu.RUnlock()
	var is *trust.Issuer
	if list != nil && s.cfg.PublicURL != "" {
		is, _ = list.Issuer(r.PathValue("agency"))
	}
	if is == nil || is.URL == "" {
		writeError(w, r, http.StatusNotFound, protocol.ErrCodeNotFound, "no such issuer")
		return
	}
	var jwks []json.RawMessage
	for _, k := range is.Keys {
		if !k.Compromised.IsZero() {
			continue
		}
		j, err := k.Key.MarshalJSON()
		if err != nil {
			writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "issuer key")
			return
		}
		// The kid its credentials' headers carry, so a verifier can pick.
		var m map[string]any
		if err := json.Unmarshal(j, &m); err != nil {
			writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "issuer key")
			return
		}
		m["kid"], m["use"], m["alg"] = k.Key.KID(), "sig", string(k.Key.Alg())
		j, _ = json.Marshal(m)
		jwks = append(jwks, j)
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeJSON(w, r, http.StatusOK, map[string]any{"issuer": is.URL, "jwks": map[string]any{"keys": jwks}})
}
