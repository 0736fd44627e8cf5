package warehouse

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

// Roles of the admin API.
const (
	// RoleOperator is the province's operators: citizens, enrolment codes,
	// devices. An operator issues no record.
	RoleOperator = "operator"
	// RoleAgency is an agency's staff: its own records only (issue,
	// correct, withdraw, and reading them), as its system does through
	// ingestion.
	RoleAgency = "agency"
	// RoleCommune is a commune (ward) office, for the door-to-door digital
	// teams: enrolment codes for the citizens who reside in its commune.
	RoleCommune = "commune"
)

// AdminToken is one holder of the admin API: a name (who, for the audit),
// a role, the agency or commune it acts for, and the SHA-256 of its
// bearer token (the token itself is kept by its holder only).
type AdminToken struct {
	Name    string `json:"name"`
	Role    string `json:"role"`
	Agency  string `json:"agency,omitempty"`  // RoleAgency: the issuer id
	Commune string `json:"commune,omitempty"` // RoleCommune: the commune's name as residence records write it
	SHA256  string `json:"sha256"`            // hex SHA-256 of the token
}

// AdminConfig says who may use the admin API and how it is reached.
type AdminConfig struct {
	// Tokens gives the current holders (asked on every request, so a
	// tokens file can be re-read when it changes).
	Tokens func() []AdminToken
	// Hosts are the Host header values the admin API answers (its
	// listening address, and any name it is published under); another
	// Host is refused, so a web page cannot reach it through a name it
	// controls (DNS rebinding).
	Hosts []string
}

// NewAdminToken makes a random bearer token and its AdminToken entry.
func NewAdminToken(name, role, agency, commune string) (token string, entry AdminToken, err error) {
	switch {
	case name == "" || len(name) > 100:
		return "", entry, fmt.Errorf("%w: a token needs a name of 1 to 100 bytes", wallet.ErrInvalid)
	case role == RoleAgency && agency == "", role == RoleCommune && commune == "":
		return "", entry, fmt.Errorf("%w: an %s token names its %s", wallet.ErrInvalid, role, role)
	case role != RoleOperator && role != RoleAgency && role != RoleCommune:
		return "", entry, fmt.Errorf("%w: role %q: operator, agency or commune", wallet.ErrInvalid, role)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", entry, err
	}
	token = "cwadm_" + base64.RawURLEncoding.EncodeToString(b)
	return token, AdminToken{Name: name, Role: role, Agency: agency, Commune: commune, SHA256: tokenHash(token)}, nil
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// ReadAdminTokens reads a tokens file (a JSON array of AdminToken); a
// missing file is no tokens.
func ReadAdminTokens(path string) ([]AdminToken, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ts []AdminToken
	if err := json.Unmarshal(b, &ts); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ts, nil
}

// WriteAdminTokens writes a tokens file, mode 0600.
func WriteAdminTokens(path string, ts []AdminToken) error {
	b, err := json.MarshalIndent(ts, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".new"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// principalKey holds the authenticated AdminToken in a request's context.
type principalKey struct{}

func principal(r *http.Request) AdminToken {
	p, _ := r.Context().Value(principalKey{}).(AdminToken)
	return p
}

// guardAdmin authenticates every admin request before anything else: no
// Origin header (the admin API is for programs, not web pages: a page's
// simple POST carries one), a Host it answers, and a bearer token it
// knows.
func guardAdmin(cfg AdminConfig, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") != "" || r.Header.Get("Sec-Fetch-Site") != "" {
			writeError(w, r, http.StatusForbidden, protocol.ErrCodeForbidden, "the admin API does not answer web pages (the request has an Origin)")
			return
		}
		if !slices.Contains(cfg.Hosts, strings.ToLower(r.Host)) {
			writeError(w, r, http.StatusMisdirectedRequest, protocol.ErrCodeForbidden, "the admin API does not answer for host "+r.Host)
			return
		}
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="warehouse admin"`)
			writeError(w, r, http.StatusUnauthorized, protocol.ErrCodeUnauthorized, "the admin API needs Authorization: Bearer <token>")
			return
		}
		got := tokenHash(token)
		var who *AdminToken
		var tokens []AdminToken
		if cfg.Tokens != nil {
			tokens = cfg.Tokens()
		}
		for i := range tokens {
			if subtle.ConstantTimeCompare([]byte(tokens[i].SHA256), []byte(got)) == 1 {
				who = &tokens[i]
			}
		}
		if who == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="warehouse admin", error="invalid_token"`)
			writeError(w, r, http.StatusUnauthorized, protocol.ErrCodeUnauthorized, "unknown admin token")
			return
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, *who)))
	})
}

// allow wraps an admin handler that only the given roles may call.
func allow(h http.HandlerFunc, roles ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if p := principal(r); !slices.Contains(roles, p.Role) {
			writeError(w, r, http.StatusForbidden, protocol.ErrCodeForbidden, fmt.Sprintf("%s (%s) may not do this: it is for %s", p.Name, p.Role, strings.Join(roles, ", ")))
			return
		}
		h(w, r)
	}
}

// residesIn reports whether a citizen's latest active residence record
// names commune.
func (s *Server) residesIn(ctx context.Context, citizenID, commune string) (bool, error) {
	recs, err := s.st.Latest(ctx, citizenID)
	if err != nil {
		return false, err
	}
	for _, r := range recs {
		if r.Type == "identity.residence" && r.Status == wallet.StatusActive {
			if c, _ := r.Claims["commune"].(string); strings.EqualFold(strings.TrimSpace(c), strings.TrimSpace(commune)) {
				return true, nil
			}
		}
	}
	return false, nil
}
